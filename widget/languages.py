"""The languages the widget speaks: a catalogue in static/widget/i18n/ for each."""

LANGUAGES: dict[str, str] = {
    "en": "English",
    "ru": "Русский",
    "es": "Español",
    "de": "Deutsch",
    "fr": "Français",
    "pt": "Português",
    "ja": "日本語",
    "zh": "简体中文",
    "mn": "Монгол",
    "kk": "Қазақ",
    "lt": "Lietuvių",
    "km": "ខ្មែរ",
    "ar": "العربية",
    "tr": "Türkçe",
}
RIGHT_TO_LEFT = frozenset({"ar"})


def widget_language(tag: str, default: str = "en") -> str:
    """The widget language for a browser or site language tag ("pt-BR" -> "pt"), else `default`."""
    base = tag.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else default
