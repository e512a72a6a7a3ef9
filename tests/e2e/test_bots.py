"""A lead-qualification bot built from scratch in the editor, tried in its test chat, published, then met by a
visitor on the demo shop, who sees the persona's picture: the lead lands with its attributes and a task, and
Sales gets the conversation live."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from conversations.tests.test_uploads import png_bytes
from tests.e2e.conftest import (
    OPERATOR_EMAIL,
    DemoServer,
    conversation_row,
    demo_server,
    django_shell,
    open_widget,
    send_from_widget,
    sign_in,
    visitor_page,
    widget_messages,
)
from workspaces.demo import DEMO_PASSWORD, DEMO_TEAMMATE_EMAIL

QUESTIONS = {
    "ask1": ("text", "What's your name?", "contact.name"),
    "ask2": ("email", "Your work email?", "contact.email"),
    "ask3": ("phone", "A phone number to call you back?", "contact.phone"),
    "ask4": ("text", "Which company are you with?", "contact.company"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    """Bots answer from the job worker: this server runs it (the tests' own environment turns it off)."""
    with demo_server(EMBEDDED_WORKER="true") as running:
        yield running


def block(page: Page, block_id: str):
    return page.locator(f"#block-{block_id}")


def add_after(page: Page, previous: str, kind: str, new_id: str) -> None:
    adder = block(page, previous).locator("form.block__add")
    adder.locator("select[name=type]").select_option(kind)
    with page.expect_navigation():
        adder.get_by_role("button", name="Add").click()
    expect(block(page, new_id)).to_be_visible()


def edit(page: Page, block_id: str, fill: dict[str, str], *, choose: dict[str, str] | None = None) -> None:
    card = block(page, block_id)
    card.locator("summary").click()
    form = card.locator("form.stack-form")
    for name, value in fill.items():
        form.locator(f"[name={block_id}-{name}]").fill(value)  # each block's fields carry its id
    for name, label in (choose or {}).items():
        form.locator(f"select[name={block_id}-{name}]").select_option(label=label)
    with page.expect_navigation():
        form.get_by_role("button", name="Save block").click()
    expect(page.locator(".alert[role=alert]")).to_have_count(0)
    expect(block(page, block_id)).to_be_visible()


def build_lead_bot(page: Page, server: DemoServer) -> str:
    """Create the bot and its blocks through the editor; returns the editor's URL."""
    page.goto(f"{server.url}/settings/bots/")
    page.locator("input[name=name]").fill("Lead qualification")
    page.locator("input[name=persona_name]").fill("Mia")
    page.get_by_role("button", name="Create bot").click()
    page.wait_for_url(re.compile(r"/settings/bots/[0-9a-f]{32}/$"))
    editor = page.url

    edit(page, "welcome", {"text": "Hi! I'm Mia. A few quick questions and you're with our sales team."})
    previous = "welcome"
    for block_id, (kind, question, save_to) in QUESTIONS.items():
        add_after(page, previous, "ask", block_id)
        card = block(page, block_id)
        card.locator("summary").click()
        card.locator(f"select[name={block_id}-kind]").select_option(kind)
        card.locator(f"[name={block_id}-text]").fill(question)
        card.locator(f"[name={block_id}-save_to]").fill(save_to)
        card.locator(f"input[name={block_id}-skip_if_known]").check()
        with page.expect_navigation():
            card.get_by_role("button", name="Save block").click()
        expect(block(page, block_id).locator(".block__summary")).to_contain_text(question[:20])
        previous = block_id
    add_after(page, previous, "task", "task1")
    edit(page, "task1", {"title": "Call {{contact.name}} of {{contact.company}} back"})
    add_after(page, "task1", "handoff", "handoff1")
    edit(
        page,
        "handoff1",
        {"text": "Thanks {{contact.name}}! Our sales team will answer right here."},
        choose={"team": "Sales"},
    )
    expect(page.locator(".block--error")).to_have_count(0)
    return editor


def give_the_persona_a_picture(page: Page) -> None:
    form = page.locator("form[action$='/rename/']")
    picture: FilePayload = {"name": "mia.png", "mimeType": "image/png", "buffer": png_bytes(8, 8, (37, 99, 235))}
    form.locator("input[name=persona_avatar]").set_input_files(picture)
    with page.expect_navigation():
        form.get_by_role("button", name="Save").click()
    expect(page.locator("img.persona__avatar")).to_be_visible()


def try_in_the_test_chat(page: Page) -> None:
    panel = page.locator("#test-chat")
    panel.get_by_role("button", name="Start a test chat").click()
    expect(panel.locator(".test-chat__line--bot").last).to_have_text("What's your name?")
    for answer in ("Test Person", "not an email", "test@example.com", "+44 20 7946 0958", "Testco"):
        panel.locator("input[type=text][name=answer]").fill(answer)
        panel.locator("input[type=text][name=answer]").press("Enter")
        expect(panel.locator(".test-chat__line--visitor").last).to_have_text(answer)
    expect(panel.locator(".test-chat__end")).to_contain_text("Sales")
    expect(panel.locator("[data-collected='contact.email']")).to_have_text("test@example.com")
    expect(panel.locator("[data-task]")).to_have_text("Call Test Person of Testco back")


def test_a_lead_bot_built_in_the_editor_qualifies_a_visitor_and_hands_them_to_sales(
    browser: Browser, server: DemoServer
) -> None:
    admin = sign_in(browser, server, OPERATOR_EMAIL, DEMO_PASSWORD)
    editor = build_lead_bot(admin, server)

    try_in_the_test_chat(admin)
    assert "Test Person" not in django_shell(
        server, "from contacts.models import Contact\nprint(list(Contact.objects.values_list('name', flat=True)))"
    )

    give_the_persona_a_picture(admin)
    admin.get_by_role("button", name="Publish the draft").click()
    admin.wait_for_url(editor)
    admin.get_by_role("button", name="Turn on").click()
    admin.wait_for_url(editor)
    expect(admin.locator(".bot-editor__header h1")).to_contain_text("On")

    sales = sign_in(browser, server, DEMO_TEAMMATE_EMAIL, DEMO_PASSWORD)  # Sam, in the Sales team

    shop = visitor_page(browser, server)
    open_widget(shop)
    send_from_widget(shop, "Hi, I'd like a quote for 40 mugs")
    for question, answer in (
        ("What's your name?", "Ann Lee"),
        ("Your work email?", "ann@acme.example"),
        ("A phone number to call you back?", "+1 415 555 2671"),
        ("Which company are you with?", "Acme"),
    ):
        expect(widget_messages(shop).last).to_contain_text(question)
        if answer == "Ann Lee":  # the bot's messages carry Mia's name and picture
            avatar = widget_messages(shop).filter(has_text="Mia").locator("[data-parley=avatar]").first
            assert avatar.evaluate("img => img.decode().then(() => img.naturalWidth)") == 8
        send_from_widget(shop, answer)
    expect(widget_messages(shop).last).to_contain_text("Thanks Ann Lee! Our sales team will answer right here.")

    row = conversation_row(sales, "Ann Lee")
    expect(row).to_be_visible()  # live, without reloading
    expect(row).to_contain_text("Sales")
    row.click()
    expect(sales.locator(".feed")).to_contain_text("Thanks Ann Lee! Our sales team will answer right here.")

    lead = django_shell(
        server,
        "from contacts.models import Contact, Task\n"
        "c = Contact.objects.get(email='ann@acme.example')\n"
        "print('lead', c.name, c.phone, c.company, sep='|')\n"
        "print('tasks', *Task.objects.filter(contact=c).values_list('title', flat=True), sep='|')\n",
    ).splitlines()
    assert [line for line in lead if line.startswith(("lead|", "tasks|"))] == [
        "lead|Ann Lee|+14155552671|Acme",
        "tasks|Call Ann Lee of Acme back",
    ]
