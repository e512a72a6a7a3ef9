from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _channel_layer_ok() -> bool:
    try:
        layer = get_channel_layer()
        async_to_sync(layer.send)(async_to_sync(layer.new_channel)(), {"type": "health.check"})
        return True
    except Exception:
        return False


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "channel_layer": _channel_layer_ok()}
    return JsonResponse(
        {"status": "ok" if all(checks.values()) else "unavailable", **checks},
        status=200 if all(checks.values()) else 503,
    )
