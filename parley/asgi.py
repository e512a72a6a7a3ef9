import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")

import django

django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from core.asgi import SyncViewsASGIHandler  # noqa: E402
from parley.routing import websocket_urlpatterns  # noqa: E402
from realtime import push_loop  # noqa: E402

# The widget socket checks its own Origin against the inbox's allowed sites;
# the inbox socket is same-site and authenticated by the session cookie.
router = ProtocolTypeRouter(
    {
        "http": SyncViewsASGIHandler(),
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    push_loop.remember()  # the loop other threads hand their websocket pushes to
    await router(scope, receive, send)
