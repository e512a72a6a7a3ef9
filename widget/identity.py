"""Who is calling the widget API: the inbox (by key and page origin) and the visitor (by signed token)."""

from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core import signing
from django.db.models import CharField, UUIDField

from core.compiled import CompiledQuery, Param
from core.errors import DomainError, Forbidden, NotFound, Unauthorized
from visitors.models import Visitor
from workspaces.models import Inbox

TOKEN_SALT = "parley.widget.visitor"  # noqa: S105 - a signing namespace, not a secret


def sign_visitor_token(visitor: Visitor) -> str:
    return signing.dumps([visitor.inbox.widget_key, visitor.public_id.hex], salt=TOKEN_SALT, compress=True)


def read_visitor_token(token: str) -> tuple[str, str]:
    """(widget key, visitor public id hex) from a token; Unauthorized if it was not signed by us."""
    try:
        key, visitor_hex = signing.loads(token, salt=TOKEN_SALT)
        return str(key), str(visitor_hex)
    except (signing.BadSignature, ValueError, TypeError):
        raise Unauthorized("The visitor token is invalid.", code="invalid_token") from None


def request_origin(headers: Mapping[str, str]) -> str:
    """The page's origin: the Origin header, else the origin of Referer.

    `headers` is request.headers or a lower-cased ASGI header dict.
    """
    if origin := headers.get("origin"):
        return origin
    referer = urlsplit(headers.get("referer") or "")
    return f"{referer.scheme}://{referer.netloc}" if referer.scheme and referer.netloc else ""


def _check_origin(inbox: Inbox, origin: str) -> None:
    if not inbox.allows_origin(origin):
        raise Forbidden(f"The origin {origin or '(none)'} is not allowed for this widget.", code="origin_not_allowed")


def resolve_inbox(key: str, origin: str) -> Inbox:
    inbox = (
        Inbox.objects.select_related("workspace")
        .filter(widget_key=key, revoked_at=None, channel=Inbox.Channel.WEB)
        .first()
    )
    if inbox is None:
        raise Forbidden("Unknown or revoked widget key.", code="invalid_key")
    _check_origin(inbox, origin)
    return inbox


def visitor_from_token(inbox: Inbox, token: str) -> Visitor:
    key, visitor_hex = read_visitor_token(token)
    visitor = Visitor.objects.filter(inbox=inbox, public_id=visitor_hex).first() if key == inbox.widget_key else None
    if visitor is None:
        raise Unauthorized("The visitor token is not valid for this widget.", code="invalid_token")
    visitor.inbox, visitor.workspace = inbox, inbox.workspace
    return visitor


# Every widget call asks it: compiled once.
VISITOR_OF_TOKEN = CompiledQuery(
    lambda: Visitor.objects.select_related("inbox__workspace").filter(
        public_id=Param("visitor", UUIDField()),
        inbox__widget_key=Param("key", CharField()),
        inbox__revoked_at=None,
        inbox__channel=Inbox.Channel.WEB,
    )[:1]
)


def authenticate_visitor(token: str, origin: str) -> Visitor:
    """The visitor a widget call comes from, with their inbox and workspace, in one query."""
    key, visitor_hex = read_visitor_token(token)
    visitor = VISITOR_OF_TOKEN.first(visitor=visitor_hex, key=key)
    if visitor is None:
        resolve_inbox(key, origin)  # says whether the key or the origin is the problem
        raise Unauthorized("The visitor token is not valid for this widget.", code="invalid_token")
    _check_origin(visitor.inbox, origin)
    visitor.workspace = visitor.inbox.workspace
    return visitor


FILE_SALT = "parley.widget.file"
FILE_URL_MAX_AGE = 24 * 60 * 60  # a history older than this is fetched again with fresh links


def sign_file_token(attachment_public_id: str, visitor_public_id: str) -> str:
    """What a visitor's download link carries: the file and the visitor it was given to, signed and dated."""
    return signing.dumps([attachment_public_id, visitor_public_id], salt=FILE_SALT)


def read_file_token(token: str) -> tuple[str, str]:
    """(attachment public id hex, visitor public id hex); NotFound when tampered with, Gone when too old."""
    try:
        attachment_hex, visitor_hex = signing.loads(token, salt=FILE_SALT, max_age=FILE_URL_MAX_AGE)
        return str(attachment_hex), str(visitor_hex)
    except signing.SignatureExpired:
        raise LinkExpired("This link has expired: open the chat again for a fresh one.", code="link_expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise NotFound("File not found.") from None


class LinkExpired(DomainError):
    status = 410
    code = "link_expired"
