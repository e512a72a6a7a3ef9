"""A workspace's optional answering providers (knowledge.models.Providers): read, saved by an admin, tried.

Keys are write-only: pages say whether one is set, never show it. Saving bumps the knowledge version, so
answers use the new settings from the next question on, and a new embeddings provider starts encoding the
phrasings in the background (knowledge.provider_vectors).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from knowledge import answering, generation, provider_vectors
from knowledge.embeddings import EncoderUnavailable, HttpEncoder, describe
from knowledge.models import Providers, ProviderVector
from workspaces.models import Member
from workspaces.queries import require_admin

URL_MAX = 200
MODEL_MAX = 120
KEY_MAX = 300
TRY_TIMEOUT = 10.0


@dataclass(frozen=True)
class Settings:
    """Providers as submitted. A key of None keeps the stored one; "" removes it."""

    embeddings_url: str = ""
    embeddings_model: str = ""
    embeddings_key: str | None = None
    generation_enabled: bool = False
    generation_url: str = ""
    generation_model: str = ""
    generation_key: str | None = None


def get_providers(member: Member) -> Providers:
    """The workspace's providers; an unsaved empty row when none were ever set."""
    require_admin(member)
    return Providers.objects.filter(workspace_id=member.workspace_id).first() or Providers(workspace=member.workspace)


def clean_url(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if len(url) > URL_MAX or parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise InvalidInput(_("Give an http:// or https:// address, like https://api.example.com/v1."), code="bad_url")
    return url


def clean_model(model: str) -> str:
    model = model.strip()
    if len(model) > MODEL_MAX:
        raise InvalidInput(_("At most %(max)d characters, please.") % {"max": MODEL_MAX}, code="too_long")
    return model


def clean_key(key: str) -> str:
    key = key.strip()
    if len(key) > KEY_MAX or any(ch.isspace() for ch in key):
        raise InvalidInput(_("A key is one word of at most %(max)d characters.") % {"max": KEY_MAX}, code="bad_key")
    return key


def problems(settings: Settings) -> dict[str, str]:
    """What is missing for the settings to work together, by field."""
    found: dict[str, str] = {}
    for kind in ("embeddings", "generation"):
        url, model = getattr(settings, f"{kind}_url"), getattr(settings, f"{kind}_model")
        if url and not model:
            found[f"{kind}_model"] = _("Name the model to use at this address.")
        if model and not url:
            found[f"{kind}_url"] = _("Give the base URL of the service that runs this model.")
    if settings.generation_enabled:
        if not settings.generation_url:
            found["generation_url"] = _("Worded answers need the base URL of a chat-completions service.")
        if not settings.generation_model:
            found["generation_model"] = _("Worded answers need the name of a model.")
    return found


@transaction.atomic
def save_providers(member: Member, settings: Settings) -> Providers:
    require_admin(member)
    cleaned = Settings(
        embeddings_url=clean_url(settings.embeddings_url) if settings.embeddings_url.strip() else "",
        embeddings_model=clean_model(settings.embeddings_model),
        embeddings_key=None if settings.embeddings_key is None else clean_key(settings.embeddings_key),
        generation_enabled=settings.generation_enabled,
        generation_url=clean_url(settings.generation_url) if settings.generation_url.strip() else "",
        generation_model=clean_model(settings.generation_model),
        generation_key=None if settings.generation_key is None else clean_key(settings.generation_key),
    )
    if found := problems(cleaned):
        raise InvalidInput(next(iter(found.values())), code="incomplete")
    providers, _created = Providers.objects.select_for_update().get_or_create(workspace=member.workspace)
    providers.embeddings_url, providers.embeddings_model = cleaned.embeddings_url, cleaned.embeddings_model
    providers.generation_enabled = cleaned.generation_enabled
    providers.generation_url, providers.generation_model = cleaned.generation_url, cleaned.generation_model
    if cleaned.embeddings_key is not None:
        providers.embeddings_key = cleaned.embeddings_key
    if cleaned.generation_key is not None:
        providers.generation_key = cleaned.generation_key
    providers.updated_at = timezone.now()
    providers.save()
    encoder = provider_vectors.encoder_for(providers)
    stale = ProviderVector.objects.filter(phrasing__entry__workspace_id=member.workspace_id)
    stale.exclude(encoder=encoder.name if encoder else "").delete()  # another provider's, never compared
    answering.forget(member.workspace_id)
    return providers


@dataclass(frozen=True)
class Tried:
    ok: bool
    message: str


def try_embeddings(member: Member, url: str, model: str, key: str) -> Tried:
    """One real call to the embeddings service, its outcome in words."""
    require_admin(member)
    try:
        vectors = HttpEncoder(url, model, key, timeout=TRY_TIMEOUT).encode([_("Hello")])
    except EncoderUnavailable as error:
        return Tried(False, describe(error))
    return Tried(True, _("Connected: the model gives vectors of %(size)d numbers.") % {"size": vectors.shape[1]})


def try_generation(member: Member, url: str, model: str, key: str) -> Tried:
    """One real call to the chat-completions service, its outcome in words."""
    require_admin(member)
    try:
        reply = generation.chat(url, model, key, [{"role": "user", "content": "Reply with the word OK."}], TRY_TIMEOUT)
    except generation.GenerationFailed as error:
        return Tried(False, describe(error))
    return Tried(True, _("Connected: the model replied “%(reply)s”.") % {"reply": reply[:80]})
