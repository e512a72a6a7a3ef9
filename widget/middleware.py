from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Paths a page on another site fetches from. Whether the origin may use a
# given inbox is decided by the API itself (403 origin_not_allowed).
CROSS_ORIGIN_PREFIXES = ("/widget/api/", "/widget.js", "/widget/i18n/")


class WidgetCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        if not origin or not request.path.startswith(CROSS_ORIGIN_PREFIXES):
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
        return response
