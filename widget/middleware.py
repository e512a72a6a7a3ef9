from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

# Paths a page on another site fetches from. Whether the origin may use a
# given inbox is decided by the API itself (403 origin_not_allowed).
CROSS_ORIGIN_PREFIXES = ("/widget/api/", "/widget.js", "/widget/i18n/")


def _cross_origin(request: HttpRequest) -> bool:
    return "Origin" in request.headers and request.path.startswith(CROSS_ORIGIN_PREFIXES)


class WidgetCorsMiddleware(MiddlewareMixin):
    """CORS for the widget's calls from customers' sites (sync and async, like Django's own)."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if (
            _cross_origin(request)
            and request.method == "OPTIONS"
            and "Access-Control-Request-Method" in request.headers
        ):
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response["Access-Control-Max-Age"] = "86400"
            return response
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if _cross_origin(request):
            response["Access-Control-Allow-Origin"] = request.headers["Origin"]
            response["Vary"] = "Origin"
        return response
