"""Answers in the visitor's language (issue acceptance): an admin imports a small multilingual FAQ; a visitor
asks in Japanese and gets the Japanese answer; a Kazakh visitor's question the base does not know gets the
closest entries and a person; it shows on the learning page, the admin adds it as a way to ask, and the same
question is answered from then on (in Russian, the closest language the entry has, saying so)."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

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

FAQ = """key,language,question,answer,phrasings
shipping,en,How long does delivery take?,Orders ship within 2 business days; delivery takes 3-7 days.,\
When will my order arrive?|How many days is shipping?
shipping,ja,配送にはどのくらいかかりますか？,ご注文は2営業日以内に発送し、3〜7日でお届けします。,いつ届きますか？
shipping,ru,Сколько идёт доставка?,"Отправляем в течение 2 рабочих дней, доставка 3–7 дней.",Когда придёт заказ?
payment,en,Which payment methods do you accept?,"Cards, PayPal and bank transfer.",Can I pay by card?
returns,en,Can I return an item?,Returns are free within 30 days.,How do I send something back?
gifts,en,Do you gift wrap orders?,"Yes, gift wrapping costs $3.",Can you wrap it as a present?
"""
FAQ_BOT = """
from bots import actions
from bots.models import Bot
from workspaces.models import Member
member = Member.objects.filter(role="admin").order_by("pk").first()
Bot.objects.filter(workspace=member.workspace).update(enabled=False)
flow = {"start": "kb", "blocks": [{"id": "kb", "type": "knowledge"}]}
bot = actions.create_bot(member, name="FAQ", persona_name="Mia", flow=flow)
actions.publish(member, bot)
actions.set_enabled(member, bot, enabled=True)
"""
IMPORT_MS = 60_000  # an import runs in the background: the model loads, then each phrasing is encoded
WHERE_IS_MY_PARCEL = "Сәлемдемем қайда жүр?"  # Kazakh: nothing in the base is worded like it


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with demo_server(EMBEDDED_WORKER="true") as running:
        django_shell(running, FAQ_BOT)
        yield running


def visitor_in(browser: Browser, server: DemoServer, locale: str) -> Page:
    page = visitor_page(browser, server, context=browser.new_context(viewport=VIEWPORT, locale=locale))
    open_widget(page)
    return page


def test_answers_in_the_visitors_language_and_learning_from_a_miss(browser: Browser, server: DemoServer) -> None:
    admin = sign_in(browser, server, OPERATOR_EMAIL, DEMO_PASSWORD)
    admin.goto(f"{server.url}/settings/knowledge/")
    faq: FilePayload = {"name": "faq.csv", "mimeType": "text/csv", "buffer": FAQ.encode()}
    admin.locator("input[name=file]").set_input_files(faq)
    with admin.expect_navigation():
        admin.get_by_role("button", name="Import", exact=True).click()
    expect(admin.locator(".notice").first).to_contain_text("importing 4 entries (6 texts in all)")
    expect(admin.locator("#import-progress")).to_have_attribute("data-status", "done", timeout=IMPORT_MS)

    japanese = visitor_in(browser, server, "ja-JP")
    send_from_widget(japanese, "荷物はいつ届きますか")
    expect(widget_messages(japanese).filter(has_text="2営業日以内に発送し")).to_have_count(1)
    expect(widget_messages(japanese).last).to_contain_text("ご質問の答えになりましたか？")

    kazakh = visitor_in(browser, server, "kk-KZ")
    send_from_widget(kazakh, WHERE_IS_MY_PARCEL)
    expect(widget_messages(kazakh).last).to_contain_text("Мыналардың бірі ме?")
    offered = kazakh.locator('[data-parley="answer"]')
    expect(offered.last).to_have_text("Адаммен сөйлесу")
    expect(offered.filter(has_text="Сколько идёт доставка?")).to_have_count(1)

    admin.goto(f"{server.url}/settings/knowledge/")
    missed = admin.locator("#learning .learning__group", has_text=WHERE_IS_MY_PARCEL)
    expect(missed).to_be_visible()
    missed.locator("select[name=entry]").select_option(label="How long does delivery take?")
    with admin.expect_navigation():
        missed.get_by_role("button", name="Add", exact=True).click()
    expect(admin.locator(".notice")).to_contain_text("answered from now on")
    expect(admin.locator("#learning")).not_to_contain_text(WHERE_IS_MY_PARCEL)

    again = visitor_in(browser, server, "kk-KZ")
    send_from_widget(again, WHERE_IS_MY_PARCEL)
    # no Kazakh text: the entry answers in the language the question reads closest to, and says which
    answer = widget_messages(again).filter(has_text="Отправляем в течение 2 рабочих дней")
    expect(answer).to_contain_text("(Бұл жауап тек Русский тілінде бар.)")
    expect(widget_messages(again).last).to_contain_text("Бұл сұрағыңызға жауап бола ма?")
