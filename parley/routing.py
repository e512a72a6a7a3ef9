from django.urls import path

from realtime.consumers import OperatorConsumer, WidgetConsumer

websocket_urlpatterns = [
    path("inbox/ws/", OperatorConsumer.as_asgi()),
    path("widget/ws/", WidgetConsumer.as_asgi()),
]
