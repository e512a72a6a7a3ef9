"""Operator pages listen per language: what is pushed to them is rendered in the language the page is in.

A page joins each of its groups in its language (`page_group`), chosen as for the page itself
(LocaleMiddleware: the language cookie, else Accept-Language). A fragment is rendered once for each language
that an open page may read, whoever's request or bot turn caused it. The in-memory layer knows which groups have
members; over a shared layer (Redis), pages note their language in the cache when they connect and with each
heartbeat, and only the languages noted lately are rendered.
"""

from collections.abc import Callable, Iterator
from typing import Any

from channels.layers import InMemoryChannelLayer
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import translation

from realtime.layers import may_have_members

# Seconds a page's language stays noted. It only saves rendering, so it errs long: a page whose heartbeats stop
# (a throttled background tab, a client that sends none) must never stop getting its fragments.
SEEN_FOR = 24 * 60 * 60


def page_language(scope: dict[str, Any]) -> str:
    """The language of the page that opened this socket."""
    request = HttpRequest()
    request.COOKIES = scope.get("cookies", {})
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)


def page_seen(language: str) -> None:
    """A page in `language` is open (called before it joins its groups, and with each heartbeat)."""
    cache.set(_seen_key(language), True, SEEN_FOR)


def page_group(group: str, language: str) -> str:
    return f"{group}.{language}"


def every_page(group: str) -> list[str]:
    """The group in every language: for what is the same in all of them."""
    return [page_group(group, language) for language in _ours()]


def fragments(
    layer: Any, group: str, render: Callable[[], str], languages: list[str] | None = None
) -> Iterator[tuple[str, str]]:
    """(page group, fragment) for each language a page of `group` may read, rendered in it. `languages`: from
    languages_read, when several groups are pushed to at once (over Redis, reading them is a round trip)."""
    for language in languages_read(layer) if languages is None else languages:
        audience = page_group(group, language)
        if may_have_members(layer, audience):
            with translation.override(language):
                yield audience, render()


def languages_read(layer: Any) -> list[str]:
    """The languages pages may read: all of ours with the in-memory layer (its groups tell the rest)."""
    if isinstance(layer, InMemoryChannelLayer):
        return _ours()
    seen = cache.get_many([_seen_key(language) for language in _ours()])
    return [language for language in _ours() if _seen_key(language) in seen]


def _ours() -> list[str]:
    return [language for language, _name in settings.LANGUAGES]


def _seen_key(language: str) -> str:
    return f"realtime:page-language:{language}"
