"""Shared error shape for the JSON APIs: {"code": ..., "detail": ...}."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.errors import DomainError


def error_response(api: NinjaAPI, request: HttpRequest, status: int, code: str, detail: object) -> HttpResponse:
    return api.create_response(request, {"code": code, "detail": detail}, status=status)


def install_error_handlers(api: NinjaAPI) -> None:
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, exc.detail)

    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(api, request, 422, "validation_error", _describe(exc.errors))

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, AuthenticationError):
            return error_response(api, request, 401, "unauthorized", "Missing or invalid credentials.")
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return error_response(api, request, 400, "malformed_json", "The request body is not valid JSON.")
        return error_response(api, request, exc.status_code, "error", str(exc))

    api.add_exception_handler(DomainError, domain_error)  # type: ignore[arg-type]
    api.add_exception_handler(ValidationError, validation_error)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, http_error)  # type: ignore[arg-type]


def _describe(errors: list[dict]) -> str:
    """One readable sentence per problem, e.g. "body.text: Field required"."""
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts)
