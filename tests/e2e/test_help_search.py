"""Help before a chat: a German visitor opens the widget on a shop with a small multilingual knowledge base,
searches it in their words, reads the answer in German, and when it is not enough starts a chat in one click;
an entry written only in English says so; the search they submitted waits on the learning page; a shop
without public entries shows no help at all."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    VIEWPORT,
    DemoServer,
    demo_server,
    django_shell,
    expect_widget_history,
    open_widget,
    visitor_page,
)

KNOWLEDGE = """
from knowledge import actions
from workspaces.models import Member
member = Member.objects.filter(role="admin", workspace__name="Demo Shop").order_by("pk").first()
shipping = actions.create_entry(
    member, language="en", question="How long does delivery take?",
    answer="Orders ship within **2 business days**; delivery takes 3-7 days.",
    phrasings=["When will my order arrive?"],
)
actions.add_variant(
    member, shipping, language="de", question="Wie lange dauert der Versand?",
    answer="Wir versenden innerhalb von **2 Werktagen**; die Lieferung dauert 3–7 Tage.",
    phrasings=["Wann kommt meine Bestellung an?"],
)
returns = actions.create_entry(
    member, language="en", question="Can I return an item?", answer="Returns are free within 30 days.",
)
actions.add_variant(
    member, returns, language="de", question="Kann ich einen Artikel zurückgeben?",
    answer="Rücksendungen sind 30 Tage lang kostenlos.",
)
actions.create_entry(
    member, language="en", question="Do you gift wrap orders?", answer="Yes, gift wrapping costs $3.",
    phrasings=["Can you wrap it as a present?"],
)
actions.create_entry(
    member, language="en", question="How long does delivery take for wholesale orders?",
    answer="Internal: ask the warehouse.", public=False,
)
"""
SEARCH = "Wann kommt mein Paket an"


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with demo_server() as running:
        django_shell(running, KNOWLEDGE)
        yield running


def german_visitor(browser: Browser, server: DemoServer) -> Page:
    page = visitor_page(browser, server, context=browser.new_context(viewport=VIEWPORT, locale="de-DE"))
    open_widget(page)
    return page


def test_a_visitor_finds_the_answer_in_their_language_then_chats(browser: Browser, server: DemoServer) -> None:
    page = german_visitor(browser, server)
    search = page.get_by_role("searchbox", name="Hilfe durchsuchen")
    expect(search).to_be_visible()
    results = page.locator('[data-parley="help-result"]')
    expect(results.first).to_be_visible()  # before any search: the newest entries

    search.press_sequentially(SEARCH, delay=20)
    expect(results.first).to_contain_text("Wie lange dauert der Versand?")
    expect(results.first).to_contain_text("Wir versenden innerhalb von 2 Werktagen")
    expect(page.locator('[data-parley="help-results"]')).not_to_contain_text("wholesale")
    results.first.click()

    article = page.locator('[data-parley="help-article"]')
    expect(article.get_by_role("heading", name="Wie lange dauert der Versand?")).to_be_focused()
    expect(article.locator("strong")).to_have_text("2 Werktagen")
    expect(article).not_to_contain_text("nur auf")
    expect(page.locator('[data-parley="input"]')).to_be_hidden()

    article.get_by_role("button", name="Schreiben Sie uns").click()
    composer = page.locator('[data-parley="input"]')
    expect(composer).to_be_focused()
    expect(page.locator('[data-parley="help"]')).to_be_hidden()
    page.keyboard.type("Mein Paket ist seit zwei Wochen unterwegs.")
    page.keyboard.press("Enter")
    expect_widget_history(page, ["Mein Paket ist seit zwei Wochen unterwegs."])

    kept = django_shell(
        server,
        "from knowledge.models import Question\n"
        f"print(list(Question.objects.filter(text={SEARCH!r}).values_list('conversation_id', 'language')))",
    )
    assert kept.strip().splitlines()[-1] == "[(None, 'de')]", kept  # opening a result submitted the search, once


def test_an_english_only_entry_says_so_and_help_works_by_keyboard(browser: Browser, server: DemoServer) -> None:
    page = german_visitor(browser, server)
    search = page.get_by_role("searchbox", name="Hilfe durchsuchen")

    search.fill("gift wrap")
    with page.expect_response(lambda r: "/help?q=gift" in r.url and "submitted=1" in r.url):
        search.press("Enter")  # the results render anew when it answers: focus what they show after
    first = page.locator('[data-parley="help-result"]').first
    expect(first).to_contain_text("Do you gift wrap orders?")
    search.press("ArrowDown")
    expect(first).to_be_focused()
    page.keyboard.press("Enter")

    article = page.locator('[data-parley="help-article"]')
    expect(article).to_contain_text("Yes, gift wrapping costs $3.")
    expect(article).to_contain_text("Diese Antwort gibt es nur auf English.")
    article.get_by_role("button", name="Zurück").click()
    expect(first).to_be_focused()

    page.get_by_role("button", name="Hilfe").click()  # the header's Help closes it…
    expect(page.locator('[data-parley="help"]')).to_be_hidden()
    page.get_by_role("button", name="Hilfe").click()  # …and opens it again
    expect(search).to_be_focused()


def test_a_shop_without_public_entries_shows_no_help(browser: Browser, server: DemoServer) -> None:
    django_shell(server, "from knowledge.models import Entry\nEntry.objects.update(public=False)")

    page = german_visitor(browser, server)

    expect(page.locator('[data-parley="input"]')).to_be_visible()
    expect(page.locator('[data-parley="help"]')).to_be_hidden()
    expect(page.locator('[data-parley="help-toggle"]')).to_be_hidden()
