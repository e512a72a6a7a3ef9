"""Answering providers as an admin sets them up: Settings → Knowledge → Answering providers, a base URL with
no model is refused by the field, “Test connection” says it works, saving encodes the phrasings in the
background with the progress on the page; then a visitor's question is answered in words the language model
chose from the entry, with the entry listed under it."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from knowledge.tests.openai_server import OpenAI, Server, serve
from tests.e2e.conftest import (
    OPERATOR_EMAIL,
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

FAQ_AND_BOT = """
from bots import actions
from bots.models import Bot
from knowledge import actions as knowledge
from workspaces.models import Member
member = Member.objects.filter(role="admin").order_by("pk").first()
knowledge.create_entry(member, language="en", question="How long does delivery take?",
    answer="Orders ship within 2 business days.", phrasings=["When will my order arrive?"])
knowledge.create_entry(member, language="en", question="Can I pay by card?", answer="Yes, all cards.")
knowledge.create_entry(member, language="en", question="Do you gift wrap orders?", answer="Yes, for $3.")
Bot.objects.filter(workspace=member.workspace).update(enabled=False)
flow = {"start": "kb", "blocks": [{"id": "kb", "type": "knowledge"}]}
bot = actions.create_bot(member, name="FAQ", persona_name="Mia", flow=flow)
actions.publish(member, bot)
actions.set_enabled(member, bot, enabled=True)
"""
WORDED = "Your order leaves us within two business days."


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with demo_server(EMBEDDED_WORKER="true") as running:
        django_shell(running, FAQ_AND_BOT)
        yield running


@pytest.fixture
def openai_server() -> Iterator[Server]:
    yield from serve()


def test_an_admin_adds_providers_and_a_visitor_gets_a_worded_answer_with_its_source(
    browser: Browser, server: DemoServer, openai_server: Server
) -> None:
    admin = sign_in(browser, server, OPERATOR_EMAIL, DEMO_PASSWORD)
    admin.goto(f"{server.url}/settings/knowledge/")
    admin.get_by_role("link", name="Answering providers").click()
    expect(admin.get_by_role("heading", name="Answering providers")).to_be_visible()

    admin.get_by_label("Embeddings base URL").fill(openai_server.url)
    admin.get_by_role("button", name="Save").click()
    expect(admin.locator("#id_embeddings_model_error")).to_have_text("Name the model to use at this address.")

    admin.get_by_label("Embeddings model").fill("bow")
    admin.get_by_label("Embeddings API key").fill("sk-embed")
    admin.locator("[data-action=try-embeddings]").click()
    expect(admin.locator("[data-tried=embeddings]")).to_have_text("Connected: the model gives vectors of 64 numbers.")

    admin.get_by_label("Word answers with a language model").check()
    admin.get_by_label("Chat completions base URL").fill(openai_server.url)
    admin.get_by_label("Chat model").fill("small")
    admin.get_by_role("button", name="Save").click()
    expect(admin.locator(".notice")).to_contain_text("Providers saved.")
    expect(admin.locator("#provider-progress")).to_contain_text("4 of 4 phrasings encoded", timeout=20_000)
    expect(admin.locator("[data-key=embeddings]")).to_have_text("key set")
    expect(admin.get_by_label("Embeddings API key")).to_have_value("")  # never shown again

    OpenAI.chat = f"{WORDED}\nSOURCES: 1"
    visitor = visitor_page(browser, server)
    open_widget(visitor)
    send_from_widget(visitor, "When will my order arrive?")

    answer = widget_messages(visitor).filter(has_text=WORDED)
    expect(answer).to_contain_text("Sources:")
    expect(answer).to_contain_text("How long does delivery take?")
    expect(widget_messages(visitor).last).to_contain_text("Did this answer your question?")
    assert any(r["body"]["input"] == ["When will my order arrive?"] for r in openai_server.requests("/embeddings"))
