"""The operator REST API, /api/v1/, authenticated by per-operator API tokens."""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer

from accounts.queries import member_for_api_token
from conversations.api import router as conversations_router
from core.api import install_error_handlers
from workspaces.models import Member


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        return member_for_api_token(token)


api = NinjaAPI(
    title="Parley API",
    version="1",
    urls_namespace="api",
    auth=ApiTokenAuth(),
    description="Send `Authorization: Bearer <API token>`. Every call is scoped to the token's workspace.",
)
install_error_handlers(api)
api.add_router("/", conversations_router)
