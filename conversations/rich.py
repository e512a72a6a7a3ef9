"""Operator and bot messages beyond plain text: a small Markdown subset, quick replies and cards.

Visitors' messages stay plain text. The HTML is made here, once, and sanitised with nh3 to an allow-list;
the widget checks it against the same allow-list again before showing it.
"""

from typing import Any
from urllib.parse import urlsplit

import nh3
from django.utils.translation import gettext
from markdown_it import MarkdownIt

from core.errors import InvalidInput

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "code"}
MAX_QUICK_REPLIES, QUICK_REPLY_MAX = 10, 40
MAX_CARDS, MAX_BUTTONS = 10, 3
URL_MAX = 500

_markdown = MarkdownIt("zero", {"breaks": True, "linkify": True}).enable(
    ["emphasis", "link", "list", "linkify", "newline", "backticks"]
)


def message_html(text: str) -> str:
    """Bold, italic, links (bare URLs too), lists and code as sanitised HTML; anything else stays text."""
    return nh3.clean(
        _markdown.render(text),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    ).strip()


def _rich_error(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_rich_content")


def _text(value: object, limit: int, too_long: str) -> str:
    """Text up to `limit` characters; `too_long` is the whole sentence that says so."""
    if not isinstance(value, str):
        raise _rich_error(gettext("Quick replies, cards and buttons take text."))
    value = value.strip()
    if len(value) > limit:
        raise _rich_error(too_long)
    return value


def _url(value: object, too_long: str) -> str:
    url = _text(value, URL_MAX, too_long)
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise _rich_error(gettext("Links and images in cards must be http or https addresses."))
    return url


def clean_rich_content(quick_replies: object = None, cards: object = None) -> dict[str, Any]:
    """Quick replies (labels the visitor taps to answer) and cards, checked; {} when there are none."""
    rich: dict[str, Any] = {}
    if quick_replies:
        if not isinstance(quick_replies, list) or len(quick_replies) > MAX_QUICK_REPLIES:
            raise _rich_error(gettext("Give at most 10 quick replies."))
        too_long = gettext("A quick reply can be at most 40 characters.")
        labels = [_text(label, QUICK_REPLY_MAX, too_long) for label in quick_replies]
        rich["quick_replies"] = list(dict.fromkeys(label for label in labels if label))
    if cards:
        if not isinstance(cards, list) or len(cards) > MAX_CARDS:
            raise _rich_error(gettext("Give at most 10 cards."))
        rich["cards"] = [_card(card) for card in cards]
    return rich


def _card(card: object) -> dict[str, Any]:
    if not isinstance(card, dict):
        raise _rich_error(gettext("Each card needs a title, and may have a text, an image and buttons."))
    cleaned: dict[str, Any] = {
        "title": _text(card.get("title", ""), 80, gettext("A card's title can be at most 80 characters.")),
        "text": _text(card.get("text", ""), 300, gettext("A card's text can be at most 300 characters.")),
        "image_url": _url(card.get("image_url", ""), gettext("A card's image address is too long.")),
    }
    if not cleaned["title"] and not cleaned["image_url"]:  # a picture alone (a bot's image or GIF) is a card too
        raise _rich_error(gettext("Each card needs a title, and may have a text, an image and buttons."))
    buttons = card.get("buttons") or []
    if not isinstance(buttons, list) or len(buttons) > MAX_BUTTONS:
        raise _rich_error(gettext("A card has at most 3 buttons."))
    cleaned["buttons"] = [_button(button) for button in buttons]
    return cleaned


def _button(button: object) -> dict[str, str]:
    if not isinstance(button, dict):
        raise _rich_error(gettext("A card's button needs a label and a link."))
    label = _text(button.get("label", ""), 30, gettext("A button's label can be at most 30 characters."))
    url = _url(button.get("url", ""), gettext("A button's link is too long."))
    if not label or not url:
        raise _rich_error(gettext("A card's button needs a label and a link."))
    return {"label": label, "url": url}
