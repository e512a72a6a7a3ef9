"""Operator pages listen per language: what is pushed to them is rendered in the language the page is in.

A page joins each of its groups in its language (`page_group`), chosen as for the page itself
(LocaleMiddleware: the language cookie, else Accept-Language). A fragment is rendered once for each language
that an open page may read, whoever's request or bot turn caused it.
"""

from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from realtime.layers import may_have_members


def page_language(scope: dict[str, Any]) -> str:
    """The language of the page that opened this socket."""
    request = HttpRequest()
    request.COOKIES = scope.get("cookies", {})
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)


def page_group(group: str, language: str) -> str:
    return f"{group}.{language}"


def every_page(group: str) -> list[str]:
    """The group in every language: for what is the same in all of them."""
    return [page_group(group, language) for language, _name in settings.LANGUAGES]


def fragments(layer: Any, group: str, render: Callable[[], str]) -> Iterator[tuple[str, str]]:
    """(page group, fragment) for each language a page of `group` may read, rendered in it."""
    for language, _name in settings.LANGUAGES:
        audience = page_group(group, language)
        if may_have_members(layer, audience):
            with translation.override(language):
                yield audience, render()
