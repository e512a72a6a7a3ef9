from asgiref.sync import async_to_sync
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.utils import translation

from realtime.layers import EmbeddedChannelLayer
from realtime.pages import every_page, fragments, page_group, page_language, page_seen


def scope(accept_language: str | None = None, cookies: dict[str, str] | None = None) -> dict[str, object]:
    headers = [(b"accept-language", accept_language.encode())] if accept_language else []
    return {"headers": headers, "cookies": cookies or {}}


def test_a_page_reads_the_language_its_browser_prefers_among_ours():
    assert page_language(scope("ru-RU,ru;q=0.9,en;q=0.5")) == "ru"
    assert page_language(scope("de-DE,ru;q=0.8")) == "ru"
    assert page_language(scope("ja-JP")) == settings.LANGUAGE_CODE
    assert page_language(scope()) == settings.LANGUAGE_CODE


def test_the_language_chosen_in_parley_wins_over_the_browsers():
    cookies = {settings.LANGUAGE_COOKIE_NAME: "ru"}

    assert page_language(scope("en-US,en", cookies)) == "ru"


def test_a_group_has_a_page_group_per_language():
    assert page_group("inbox.abc", "ru") == "inbox.abc.ru"
    assert every_page("member.abc") == [f"member.abc.{code}" for code, _name in settings.LANGUAGES]


def test_fragments_are_rendered_in_each_language_an_open_page_reads():
    layer = EmbeddedChannelLayer()
    async_to_sync(layer.group_add)("inbox.abc.ru", "page!a")

    assert list(fragments(layer, "inbox.abc", translation.get_language)) == [("inbox.abc.ru", "ru")]
    assert list(fragments(layer, "inbox.other", translation.get_language)) == []


def test_over_a_shared_layer_the_languages_of_pages_seen_lately_are_rendered():
    layer = RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:6379"])  # its groups are not known here
    assert list(fragments(layer, "inbox.abc", translation.get_language)) == []

    page_seen("ru")

    assert list(fragments(layer, "inbox.abc", translation.get_language)) == [("inbox.abc.ru", "ru")]
