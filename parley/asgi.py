import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")

import django

django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from core.asgi import SyncViewsASGIHandler  # noqa: E402
from parley.routing import websocket_urlpatterns  # noqa: E402

# The widget socket checks its own Origin against the inbox's allowed sites;
# the inbox socket is same-site and authenticated by the session cookie.
application = ProtocolTypeRouter(
    {
        "http": SyncViewsASGIHandler(),
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
