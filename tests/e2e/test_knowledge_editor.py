"""Settings → Knowledge as an admin uses it: a file imported in the background with its progress shown until it
is done; an entry found by search, its answer edited on its own page, and a visitor then answered with the
edited text; an entry deleted after confirming."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, FilePayload, Page, expect

from tests.e2e.conftest import (
    OPERATOR_EMAIL,
    VIEWPORT,
    DemoServer,
    demo_server,
    django_shell,
    open_widget,
    send_from_widget,
    sign_in,
    visitor_page,
    widget_messages,
)
from workspaces.demo import DEMO_PASSWORD

IMPORT_MS = 60_000  # the model loads in the worker, then each phrasing is encoded
ARTICLES = "\n\n".join(
    f"# Warranty for model {n}\nModel {n} has a **{n + 1}-year** warranty.\n\n## How to claim\nWrite to us."
    for n in range(45)
)
SEED = """
from bots import actions as bots
from bots.models import Bot
from knowledge import actions
from workspaces.models import Member
member = Member.objects.filter(role="admin").order_by("pk").first()
Bot.objects.filter(workspace=member.workspace).update(enabled=False)
flow = {"start": "kb", "blocks": [{"id": "kb", "type": "knowledge"}]}
bot = bots.create_bot(member, name="FAQ", persona_name="Mia", flow=flow)
bots.publish(member, bot)
bots.set_enabled(member, bot, enabled=True)
actions.create_entry(member, language="en", question="How long does delivery take?",
    answer="Orders ship within 2 business days.", phrasings=["When will my order arrive?"], category="Delivery")
actions.create_entry(member, language="en", question="Can I pay by card?", answer="Yes: Visa and Mastercard.")
actions.create_entry(member, language="en", question="Do you gift wrap orders?", answer="Yes, for $3.")
actions.create_entry(member, language="en", question="Can I return an item?", answer="Within 30 days, free.")
"""


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with demo_server(EMBEDDED_WORKER="true") as running:
        django_shell(running, SEED)
        yield running


def admin_on(browser: Browser, server: DemoServer, path: str) -> Page:
    admin = sign_in(browser, server, OPERATOR_EMAIL, DEMO_PASSWORD)
    admin.goto(f"{server.url}{path}")
    return admin


def accept(dialog: Dialog) -> None:
    dialog.accept()


def test_an_imported_file_shows_its_progress_until_done(browser: Browser, server: DemoServer) -> None:
    admin = admin_on(browser, server, "/settings/knowledge/")
    articles: FilePayload = {"name": "warranty.md", "mimeType": "text/markdown", "buffer": ARTICLES.encode()}
    admin.locator("input[name=file]").set_input_files(articles)
    admin.get_by_label("Markdown entries are").select_option("article")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Import", exact=True).click()

    expect(admin.locator(".notice").first).to_contain_text("importing 45 entries (45 texts in all)")
    progress = admin.locator("#import-progress")
    expect(progress).to_contain_text(" of 45 entries")
    expect(progress).to_have_attribute("data-status", "done", timeout=IMPORT_MS)
    expect(progress).to_contain_text("45 of 45 entries")
    expect(progress).to_contain_text("Imported 45 entries.")

    admin.goto(f"{server.url}/settings/knowledge/?kind=article&q=model+7")
    admin.get_by_role("link", name="Warranty for model 7", exact=True).click()
    expect(admin.locator("[data-preview] strong")).to_have_text("8-year")
    expect(admin.locator("[data-preview] h2")).to_have_text("How to claim")


def test_an_edited_answer_is_what_a_visitor_gets_next(browser: Browser, server: DemoServer) -> None:
    admin = admin_on(browser, server, "/settings/knowledge/")
    admin.get_by_role("searchbox").fill("DELIVERY")
    admin.get_by_role("button", name="Search", exact=True).click()
    expect(admin.locator("#knowledge-entries tbody tr")).to_have_count(1)
    admin.get_by_role("link", name="How long does delivery take?").click()

    english = admin.locator("#language-en")
    english.get_by_label("Answer", exact=True).fill("Same-day delivery in **Almaty**; 3 days elsewhere.")
    english.get_by_role("button", name="Save").click()
    expect(admin.locator(".notice")).to_contain_text("Saved.")
    expect(admin.locator("#language-en [data-preview] strong")).to_have_text("Almaty")

    visitor = visitor_page(browser, server, context=browser.new_context(viewport=VIEWPORT, locale="en-US"))
    open_widget(visitor)
    send_from_widget(visitor, "How long does delivery take?")
    expect(widget_messages(visitor).filter(has_text="Same-day delivery in")).to_have_count(1)
    expect(widget_messages(visitor).filter(has_text="Orders ship within 2 business days")).to_have_count(0)


def test_an_entry_is_deleted_after_confirming(browser: Browser, server: DemoServer) -> None:
    admin = admin_on(browser, server, "/settings/knowledge/?q=gift")
    admin.get_by_role("link", name="Do you gift wrap orders?").click()

    admin.once("dialog", accept)
    admin.get_by_role("button", name="Delete entry").click()

    expect(admin.locator(".notice")).to_contain_text("Entry deleted.")
    expect(admin.locator("#knowledge-entries")).not_to_contain_text("Do you gift wrap orders?")
