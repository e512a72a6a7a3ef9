"""The Jinja2 environment of the fragments rendered on every message (the inbox's conversation row).

Django's template engine interprets each template node by node; Jinja2 compiles a template to Python once, and
renders the same row in under half the time. Pages include these templates through `{% jinja %}`
(core/templatetags/jinja.py), so a page and the fragment pushed to it still come from one template. What the
templates get: Django's URL reversing and gettext (`_("…")`, written so that makemessages finds it), and filters
that show moments in the current time zone as Django's templates do.

Django finds the active language and URL prefix in asgiref Locals, some microseconds a look: a row asked for
them seven times. A render looks the language's catalogue up once, and a URL is reversed once per prefix.
"""

import functools
from datetime import datetime
from typing import Any

import jinja2
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.timezone import localtime
from django.utils.translation import trans_real
from jinja2 import Environment

from core.templatetags.timestamps import iso


class Template(jinja2.Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        catalogue = trans_real.translation(translation.get_language())  # Django's own gettext reads the same one
        gettext = catalogue.gettext
        return super().render(*args, _=gettext, gettext=gettext, ngettext=catalogue.ngettext, **kwargs)


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)  # always on: these templates show what visitors write
    # The templates are few: each is kept for good in a dict (-1), not in an LRU reordered under a lock on every use.
    options.setdefault("cache_size", -1)
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    env.template_class = Template
    env.install_gettext_callables(translation.gettext, translation.ngettext)  # type: ignore[attr-defined]  # by the i18n extension
    env.globals["url"] = url
    env.filters.update(hour_minute=hour_minute, iso=iso, truncatechars=truncatechars)
    return env


def url(name: str, *args: Any) -> str:
    return _reversed(get_script_prefix(), name, args)


@functools.lru_cache(maxsize=4096)
def _reversed(prefix: str, name: str, args: tuple[Any, ...]) -> str:
    return reverse(name, args=args)  # under `prefix`, the current one


def hour_minute(moment: datetime | None) -> str:
    """Django's `|date:"H:i"`, without its localisation machinery (the same digits in every language)."""
    return localtime(moment).strftime("%H:%M") if moment else ""


def truncatechars(text: str, length: int) -> str:
    """Django's `|truncatechars`: at most `length` characters, the last an ellipsis when the text is cut."""
    return text if len(text) <= length else text[: length - 1] + "…"
