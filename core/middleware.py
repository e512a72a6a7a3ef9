from django.http import HttpRequest, HttpResponseBase
from django.middleware import gzip


class GZipMiddleware(gzip.GZipMiddleware):
    """Django's, for responses worth compressing.

    Below a kilobyte (a sent message, a status) gzip saves a few hundred bytes at most, and Django's BREACH
    padding adds up to 100 back: not worth a compression on every call of the widget's busiest endpoint.
    """

    min_length = 1024

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not response.streaming and len(response.content) < self.min_length:  # type: ignore[attr-defined]
            return response
        return super().process_response(request, response)
