import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.urls import reverse
from ninja import Field, Schema
from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

from contacts.models import Contact
from conversations.models import Attachment, Conversation, Message
from conversations.schemas import Card
from visitors import activity
from widget.identity import sign_file_token
from widget.languages import RIGHT_TO_LEFT
from workspaces.models import Inbox

if TYPE_CHECKING:  # widget.queries imports conversations, whose fan-out imports these schemas
    from widget.queries import WidgetView


class SessionIn(Schema):
    key: str = Field(..., min_length=1, max_length=100)
    token: str | None = Field(None, max_length=1000)
    language: str = Field("", max_length=35)
    time_zone: str = Field("", max_length=60, description="IANA time zone name from the browser")


class InboxOut(Schema):
    name: str


class WelcomeOut(Schema):
    id: str
    url_match: Literal["any", "exact", "contains", "starts_with", "pattern"]
    url_value: str = Field(..., description="For pattern, * stands for any text")
    message: str


class WidgetOut(Schema):
    """How the widget looks and behaves for this visitor, in their language (docs/widget-api.md, Session)."""

    language: str = Field(..., description="The catalogue to load: the visitor's language when supported")
    direction: Literal["ltr", "rtl"]
    colour: str
    position: Literal["right", "left"]
    launcher_icon: Literal["chat", "question", "mail"]
    launcher_label: str
    greeting_title: str
    greeting_tagline: str
    team: list[str] = Field(..., description="First names of who answers, online first")
    start_open: bool
    z_index: int
    online: bool = Field(..., description="Whether the inbox takes chats now (hours, presence)")
    when_offline: Literal["offline_form", "hide"]
    back_at: datetime | None = Field(None, description="The next opening by the business hours, when closed")
    offline_message: str
    email_prompt_seconds: int = Field(..., description="Ask for an email after this long unanswered; 0 never")
    email_known: bool
    email_replies: bool = Field(..., description="Replies are emailed to a visitor who left (email continuity)")
    welcome: list[WelcomeOut] = Field(..., description="The first whose URL rule matches the page is shown")

    @staticmethod
    def of(view: "WidgetView") -> "WidgetOut":
        settings, language = view.settings, view.language
        return WidgetOut(
            language=language,
            direction="rtl" if language in RIGHT_TO_LEFT else "ltr",
            colour=settings.colour,
            position=settings.position,  # type: ignore[arg-type]
            launcher_icon=settings.launcher_icon,  # type: ignore[arg-type]
            launcher_label=settings.text("launcher_label", language),
            greeting_title=settings.text("greeting_title", language),
            greeting_tagline=settings.text("greeting_tagline", language),
            team=view.team,
            start_open=settings.start_open,
            z_index=settings.z_index,
            online=view.availability.online,
            when_offline=settings.when_offline,  # type: ignore[arg-type]
            back_at=view.availability.back_at,
            offline_message=settings.text("offline_message", language),
            email_prompt_seconds=settings.email_prompt_seconds,
            email_known=view.email_known,
            email_replies=django_settings.EMAIL_REPLIES_AFTER_SECONDS > 0,
            welcome=[
                WelcomeOut(
                    id=rule.public_id.hex,
                    url_match=rule.url_match,  # type: ignore[arg-type]
                    url_value=rule.url_value,
                    message=message,
                )
                for rule in view.welcome_rules
                if (message := rule.message(language, settings.default_language))
            ],
        )


class SessionOut(Schema):
    visitor_id: str
    token: str
    inbox: InboxOut
    capture_emails: bool = Field(..., description="Save emails and phones the visitor types into the site's fields")
    widget: WidgetOut

    @staticmethod
    def of(visitor_id: str, token: str, inbox: Inbox, view: "WidgetView") -> "SessionOut":
        return SessionOut(
            visitor_id=visitor_id,
            token=token,
            inbox=InboxOut(name=inbox.name),
            capture_emails=inbox.capture_emails,
            widget=WidgetOut.of(view),
        )


class AuthorOut(Schema):
    kind: Literal["visitor", "operator", "bot", "system"]
    name: str | None
    avatar_url: str | None = Field(None, description="A bot persona's picture; a path on the server")


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int
    url: str = Field(..., description="A signed download link for this visitor, valid for a day; a path on the server.")
    is_image: bool

    @staticmethod
    def of(message: Message) -> "AttachmentOut | None":
        attachment: Attachment | None = getattr(message, "attachment", None)
        if attachment is None:
            return None
        token = sign_file_token(attachment.public_id.hex, message.conversation.visitor.public_id.hex)
        return AttachmentOut(
            name=attachment.name,
            content_type=attachment.content_type,
            size=attachment.size,
            url=reverse("widget-file", args=[token]),
            is_image=attachment.is_image,
        )


class MessageOut(Schema):
    id: str
    client_id: str | None
    seq: int
    author: AuthorOut
    text: str
    html: str = Field(
        ...,
        description="Operators' and bots' text as sanitised HTML (p, br, strong, em, a, ul, ol, li, code); else \"\"",
    )
    quick_replies: list[str] = Field(..., description="Answers to offer as buttons; a tap sends the label")
    cards: list[Card]
    attachment: AttachmentOut | None
    created_at: datetime

    @staticmethod
    def of(message: Message) -> "MessageOut":
        """Built from a stored message, whose fields already hold these types, so not validated again: a quarter
        of the cost, and each widget message is built twice (the sender's answer and the push to their widgets).
        The cards, kept as JSON, are validated into Cards."""
        return MessageOut.model_construct(
            id=message.public_id.hex,
            client_id=message.client_id,
            seq=message.seq,
            author=AuthorOut.model_construct(
                kind=message.author_kind, name=message.author_name, avatar_url=message.sender_avatar or None
            ),
            text=message.text,
            html=message.html,
            quick_replies=message.rich.get("quick_replies", []),
            cards=[Card.model_validate(card) for card in message.rich.get("cards", ())],
            attachment=AttachmentOut.of(message),
            created_at=message.created_at,
        )


class ConversationOut(Schema):
    id: str
    status: Literal["open", "closed"]

    @staticmethod
    def of(conversation: Conversation) -> "ConversationOut":
        # Snoozing is the team's business: to the visitor a snoozed conversation is open.
        closed = conversation.status == Conversation.Status.CLOSED
        return ConversationOut(id=conversation.public_id.hex, status="closed" if closed else "open")


class MessagesOut(Schema):
    conversation: ConversationOut | None
    messages: list[MessageOut]
    has_more: bool


class MessageIn(Schema):
    client_id: str | None = Field(None, min_length=1, max_length=64)
    text: str = Field(..., max_length=20_000)
    email: str | None = Field(None, max_length=254, description="The visitor's email, from the offline form")
    welcome: str | None = Field(
        None, max_length=64, description="Id of the welcome message shown; stored before a first message"
    )


class EmailIn(Schema):
    email: str = Field(..., max_length=254)


class ErrorOut(Schema):
    code: str
    detail: str


class IdentifyIn(Schema):
    traits: dict[str, Any] = Field(
        ..., description="email, name, phone, company, avatar (URL) and custom attributes by key"
    )
    signature: str | None = Field(
        None, max_length=128, description="HMAC-SHA256 hex of the lower-cased email with the inbox's identity secret"
    )


class ContactOut(Schema):
    name: str
    email: str
    phone: str
    verified: bool

    @staticmethod
    def of(contact: Contact) -> "ContactOut":
        return ContactOut(name=contact.name, email=contact.email, phone=contact.phone, verified=contact.verified)


class IdentifiedOut(Schema):
    contact: ContactOut


class CaptureIn(Schema):
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)


# Tracking: POST /events (docs/widget-api.md, "Tracking"). Limits are part of the API: a batch over any of
# them is refused whole, with the code of the first problem. Plain pydantic models (ninja's Schema adds a
# validator for Django objects to every nested model, which made a 50-event batch cost 4 ms to validate).
EVENTS_MAX = 100
EVENTS_BODY_MAX = 64 * 1024
EVENT_NAME_MAX = 100
PROPERTIES_MAX_KEYS = 50
PROPERTIES_MAX_BYTES = 4096
PROPERTIES_MAX_DEPTH = 3  # {"items": [{"sku": "A1"}]} is fine, deeper is not
URL_MAX = 1000
TITLE_MAX = 300
DURATION_MAX = 24 * 60 * 60  # longer times on a page are counted as a day
EVENT_AGE_MAX = timedelta(days=1)  # an older or future `at` is replaced by the time of arrival
EVENT_ERROR_CODES = (
    "invalid_url",
    "too_many_events",
    "too_many_properties",
    "properties_too_large",
    "properties_too_deep",
    "unknown_event_type",
)


def _url(value: str, *, blank: bool = False) -> str:
    if blank and value == "":
        return value
    parts = urlsplit(value)
    if len(value) > URL_MAX or parts.scheme not in ("http", "https") or not parts.netloc:
        raise PydanticCustomError("invalid_url", f"must be an http(s) URL of at most {URL_MAX} characters")
    return value


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _when(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at if now - EVENT_AGE_MAX <= at <= now else now


class PageViewEventIn(BaseModel):
    type: Literal["page_view"]
    url: str
    title: str = Field("", description=f"Cut to {TITLE_MAX} characters")
    referrer: str = Field("", description="The page the visitor came from, or empty")
    at: datetime | None = None

    _check_url = field_validator("url")(_url)
    _check_referrer = field_validator("referrer")(lambda v: _url(v, blank=True))
    _cut_title = field_validator("title")(lambda v: v[:TITLE_MAX])

    def activity(self, now: datetime) -> activity.PageViewIn:
        return activity.PageViewIn(self.url, self.title, self.referrer, _when(self.at, now))


class PageLeaveEventIn(BaseModel):
    type: Literal["page_leave"]
    url: str
    duration: float = Field(..., ge=0, description="Seconds on the page so far; a later page_leave replaces it")

    _check_url = field_validator("url")(_url)

    def activity(self, now: datetime) -> activity.PageLeaveIn:
        return activity.PageLeaveIn(self.url, round(min(self.duration, DURATION_MAX)))


class TrackEventIn(BaseModel):
    type: Literal["track"]
    name: str = Field(..., min_length=1, max_length=EVENT_NAME_MAX)
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description=f"At most {PROPERTIES_MAX_KEYS} keys and {PROPERTIES_MAX_BYTES} bytes as JSON, nested at most "
        f"{PROPERTIES_MAX_DEPTH - 1} levels",
    )
    url: str = ""
    at: datetime | None = None

    _check_url = field_validator("url")(lambda v: _url(v, blank=True))

    @field_validator("properties")
    @classmethod
    def _check_properties(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > PROPERTIES_MAX_KEYS:
            raise PydanticCustomError(
                "too_many_properties", f"at most {PROPERTIES_MAX_KEYS} properties, got {len(value)}"
            )
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
        if size > PROPERTIES_MAX_BYTES:
            raise PydanticCustomError(
                "properties_too_large", f"at most {PROPERTIES_MAX_BYTES} bytes as JSON, got {size}"
            )
        if _depth(value) > PROPERTIES_MAX_DEPTH:
            raise PydanticCustomError("properties_too_deep", f"nested at most {PROPERTIES_MAX_DEPTH - 1} levels")
        return value

    def activity(self, now: datetime) -> activity.TrackIn:
        return activity.TrackIn(self.name, self.properties, self.url, _when(self.at, now))


class HeartbeatEventIn(BaseModel):
    type: Literal["heartbeat"]

    def activity(self, now: datetime) -> None:
        return None


TrackingEventIn = Annotated[
    PageViewEventIn | PageLeaveEventIn | TrackEventIn | HeartbeatEventIn,
    Field(discriminator="type"),
]


class EventsIn(BaseModel):
    token: str | None = Field(None, max_length=1000, description="The visitor token (or send it as a bearer header)")
    events: list[TrackingEventIn] = Field(..., description=f"At most {EVENTS_MAX}, oldest first")


class EventsOut(Schema):
    accepted: int


# Help: the workspace's public knowledge base, searched from the widget (docs/widget-api.md, "Help").
class HelpQuery(Schema):
    q: str = Field("", description="The visitor's words; empty for the newest entries. At most 500 characters.")
    submitted: bool = Field(
        False, description="The visitor pressed Enter or opened a result: the search is kept for the learning page"
    )


class HelpResultOut(Schema):
    id: str
    kind: Literal["faq", "article"]
    title: str = Field(..., description="The entry's question, or the article's title")
    excerpt: str = Field(..., description="The start of the answer as plain text")
    language: str = Field(..., description="The language of title and excerpt; open the entry in it")


class HelpResultsOut(Schema):
    results: list[HelpResultOut] = Field(..., description="At most 5, best first; none when there is no knowledge base")


class HelpEntryQuery(Schema):
    language: str = Field("", max_length=10, description="The language to read it in; the visitor's by default")
    q: str = Field(
        "", max_length=500, description="The search it was opened from: kept, with this entry as the one picked"
    )


class HelpEntryOut(Schema):
    id: str
    kind: Literal["faq", "article"]
    title: str
    html: str = Field(
        ...,
        description="The answer as sanitised HTML (p, br, strong, em, s, a, ul, ol, li, code, pre, blockquote, hr, "
        "h1-h6, table); links open in a new tab",
    )
    language: str
    language_name: str = Field(..., description="The answer's language, named in itself")
    in_other_language: bool = Field(..., description="The entry is not written in the visitor's language")
