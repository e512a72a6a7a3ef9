"""Suggested answers in the inbox: a visitor asks in Russian, the operator sees the right entry in Russian,
inserts it after what they had typed and sends it, and the visitor reads it; the suggestions follow the
visitor's next question, and a search finds an internal entry written only in English, marked so."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import (
    VIEWPORT,
    DemoServer,
    demo_server,
    django_shell,
    open_conversation,
    open_widget,
    operator_page,
    send_from_widget,
    visitor_page,
    widget_messages,
)

SHIPPING_RU = "Отправляем в течение 2 рабочих дней, доставка 3–7 дней."
KNOWLEDGE = f"""
from knowledge import actions
from workspaces.models import Member
admin = Member.objects.filter(role="admin").order_by("pk").first()
shipping = actions.create_entry(
    admin, language="en", question="How long does delivery take?",
    answer="Orders ship within 2 business days; delivery takes 3-7 days.",
    phrasings=["When will my order arrive?"],
)
actions.add_variant(
    admin, shipping, language="ru", question="Сколько идёт доставка?", answer={SHIPPING_RU!r},
    phrasings=["Когда придёт заказ?"],
)
payment = actions.create_entry(
    admin, language="en", question="Which payment methods do you accept?", answer="Cards, PayPal and bank transfer.",
    phrasings=["Can I pay by card?"],
)
actions.add_variant(
    admin, payment, language="ru", question="Как можно оплатить?", answer="Картой, PayPal или переводом."
)
actions.create_entry(admin, language="en", question="Can I return an item?", answer="Returns are free within 30 days.")
actions.create_entry(
    admin, language="en", question="How do I refund an order in the admin?",
    answer="Orders → the order → Refund.", public=False,
)
"""


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with demo_server() as running:
        django_shell(running, KNOWLEDGE)
        yield running


def suggested(operator: Page) -> Locator:
    return operator.locator(".copilot__item")


def test_the_operator_answers_a_russian_visitor_with_a_suggested_answer(browser: Browser, server: DemoServer) -> None:
    # Given the operator on the inbox and a visitor whose browser speaks Russian asking about their order
    operator = operator_page(browser, server)
    visitor = visitor_page(browser, server, context=browser.new_context(viewport=VIEWPORT, locale="ru-RU"))
    open_widget(visitor)
    question = "Здравствуйте! Когда придёт мой заказ?"
    send_from_widget(visitor, question)

    # When the operator opens the conversation
    open_conversation(operator, question)

    # Then the delivery entry is suggested first, in Russian, as the best match
    panel = operator.get_by_role("region", name="Suggested answers")
    expect(panel).to_be_visible()
    expect(suggested(operator)).to_have_count(3)
    best = suggested(operator).first
    expect(best).to_contain_text("Сколько идёт доставка?")
    expect(best).to_contain_text("Best match")
    expect(best.locator(".copilot__answer")).to_have_text(SHIPPING_RU)

    # When they greet the visitor in the reply box and click Insert on it
    box = operator.locator("form.reply textarea[name=text]")
    box.fill("Здравствуйте!")
    best.get_by_role("button", name="Insert").click()

    # Then the answer follows their greeting after a blank line, the box has the focus and the caret is at the end
    expect(box).to_have_value(f"Здравствуйте!\n\n{SHIPPING_RU}")
    expect(box).to_be_focused()
    assert box.evaluate("el => el.selectionStart === el.value.length && el.selectionEnd === el.value.length")

    # When they send it, the visitor's widget shows the Russian answer
    box.press("Enter")
    expect(box).to_have_value("")
    expect(widget_messages(visitor).filter(has_text=SHIPPING_RU)).to_have_count(1)

    # When the visitor asks something else, the suggestions follow it
    send_from_widget(visitor, "А можно оплатить картой?")
    expect(suggested(operator).first).to_contain_text("Как можно оплатить?")

    # And a search finds the internal entry, marked internal and as written only in English
    panel.get_by_role("searchbox", name="Search the knowledge base").fill("refund an order in the admin")
    refund = suggested(operator).filter(has_text="How do I refund an order in the admin?")
    expect(refund).to_contain_text("Internal")
    expect(refund).to_contain_text("Only in English")
    expect(panel).to_contain_text("For your search")
