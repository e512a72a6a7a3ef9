"""Suggested answers in the inbox: the entry for the visitor's last message in the visitor's language (or the
language the entry has, marked), internal entries for operators, a search the same way, nothing kept as a
visitor's question, another workspace's conversations never shown, and what an empty panel says."""

import pytest
from django.test import Client

from conversations import actions as conversation_actions
from conversations.models import Conversation
from core.errors import NotFound
from core.tests.fixtures import make_agent
from knowledge import actions, copilot
from knowledge.models import Question
from visitors import actions as visitor_actions
from visitors.models import Visitor
from workspaces.models import Inbox, Member

pytestmark = pytest.mark.django_db

SHIPPING_RU = "Отправляем в течение 2 рабочих дней, доставка 3–7 дней."
REFUND_HOWTO = "Orders → the order → Refund; tick “restock”."


@pytest.fixture
def faq(member: Member) -> None:
    shipping = actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer="Orders ship within 2 business days; delivery takes 3-7 days.",
        phrasings=["When will my order arrive?", "How many days is shipping?"],
    )
    actions.add_variant(
        member,
        shipping,
        language="ru",
        question="Сколько идёт доставка?",
        answer=SHIPPING_RU,
        phrasings=["Когда придёт заказ?"],
    )
    payment = actions.create_entry(
        member,
        language="en",
        question="Which payment methods do you accept?",
        answer="Cards, PayPal and bank transfer.",
        phrasings=["Can I pay by card?"],
    )
    actions.add_variant(
        member, payment, language="ru", question="Как можно оплатить?", answer="Картой, PayPal или переводом."
    )
    actions.create_entry(
        member,
        language="en",
        question="Can I return an item?",
        answer="Returns are free within 30 days.",
        phrasings=["How do I send something back?"],
    )
    actions.create_entry(
        member,
        language="en",
        question="How do I refund an order in the admin?",
        answer=REFUND_HOWTO,
        phrasings=["Refund a customer's order manually"],
        public=False,
    )


@pytest.fixture
def russian(inbox: Inbox) -> Visitor:
    return visitor_actions.create_visitor(inbox, user_agent="Mozilla/5.0 Test", language="ru-RU")


def visitor_says(visitor: Visitor, *texts: str) -> Conversation:
    for i, text in enumerate(texts):
        sent = conversation_actions.send_visitor_message(visitor, text=text, client_id=f"{visitor.pk}-{i}")
    return sent.message.conversation


def url(conversation: Conversation, q: str = "") -> str:
    return f"/inbox/c/{conversation.public_id.hex}/suggestions/" + (f"?q={q}" if q else "")


def test_the_entry_for_the_visitors_last_message_in_the_visitors_language(faq, member, russian):
    conversation = visitor_says(russian, "Можно оплатить картой?", "Здравствуйте! Когда придёт мой заказ?")

    found = copilot.suggestions(member, conversation)

    best = found.found[0]
    assert (best.title, best.answer, best.language) == ("Сколько идёт доставка?", SHIPPING_RU, "ru")
    assert best.confident and not best.in_other_language and not best.internal
    assert found.language == "ru" and len(found.found) == 3
    assert [s.score for s in found.found] == sorted((s.score for s in found.found), reverse=True)


def test_an_entry_without_the_visitors_language_comes_in_its_own_marked(faq, member, russian):
    conversation = visitor_says(russian, "Могу ли я вернуть товар?")

    best = copilot.suggestions(member, conversation).found[0]

    assert (best.title, best.language, best.language_name) == ("Can I return an item?", "en", "English")
    assert best.in_other_language


def test_operators_get_internal_entries_marked(faq, member, visitor):
    conversation = visitor_says(visitor, "I was charged twice, can you refund the order?")

    found = copilot.suggestions(member, conversation).found

    internal = next(s for s in found if s.internal)
    assert (internal.title, internal.answer) == ("How do I refund an order in the admin?", REFUND_HOWTO)


def test_a_search_finds_entries_in_the_visitors_language_not_the_searchs(faq, member, russian):
    conversation = visitor_says(russian, "Добрый день")

    found = copilot.search(member, conversation, "  pay by card  ")

    assert found.asked == "pay by card"
    assert (found.found[0].title, found.found[0].language) == ("Как можно оплатить?", "ru")


def test_looking_up_keeps_no_question(faq, member, russian):
    conversation = visitor_says(russian, "Когда придёт мой заказ?")

    copilot.suggestions(member, conversation)
    copilot.search(member, conversation, "refund")

    assert not Question.objects.exists()


def test_another_workspaces_conversation_or_a_bad_id_is_not_found(faq, member, russian, other_member):
    conversation = visitor_says(russian, "Когда придёт мой заказ?")
    rival = Client()
    rival.force_login(other_member.user)

    assert rival.get(url(conversation)).status_code == 404
    assert rival.get(url(conversation, "delivery")).status_code == 404
    assert rival.get("/inbox/c/not-an-id/suggestions/").status_code == 404
    with pytest.raises(NotFound):
        copilot.suggestions(other_member, conversation)


def test_the_panel_offers_each_answer_to_insert(faq, operator_client, russian):
    conversation = visitor_says(russian, "Когда придёт мой заказ?")

    page = operator_client.get(url(conversation)).content.decode()

    assert f'data-insert-answer="{SHIPPING_RU}"' in page
    assert "Сколько идёт доставка?" in page and "Best match" in page
    assert page.count('<li class="copilot__item') == 3 and "No suggestions" not in page


def test_the_panel_marks_internal_entries_and_other_languages(faq, operator_client, russian):
    conversation = visitor_says(russian, "Как вернуть деньги за заказ вручную в админке?")

    page = operator_client.get(url(conversation, "refund an order in the admin")).content.decode()

    assert "For your search" in page and "Internal" in page and "Only in English" in page
    assert 'data-insert-answer="Orders → the order → Refund; tick “restock”."' in page


def test_without_a_knowledge_base_the_panel_says_so_and_admins_get_the_way_to_settings(
    operator_client, russian, workspace
):
    conversation = visitor_says(russian, "Когда придёт мой заказ?")
    agent = Client()
    agent.force_login(make_agent(workspace, "carl@shop.example.com").user)

    page = operator_client.get(url(conversation)).content.decode()
    agents_page = agent.get(url(conversation)).content.decode()

    assert "No suggestions" in page and "no entries yet" in page and 'href="/settings/knowledge/"' in page
    assert "No suggestions" in agents_page and 'href="/settings/knowledge/"' not in agents_page


def test_before_the_visitor_writes_there_is_nothing_to_suggest_but_a_search(faq, operator_client, russian):
    conversation = conversation_actions.open_new_conversation(russian)

    page = operator_client.get(url(conversation)).content.decode()

    assert "No suggestions" in page and "when the visitor writes" in page
    assert "Сколько идёт доставка?" in operator_client.get(url(conversation, "delivery")).content.decode()


def test_a_search_with_nothing_in_it_shows_the_suggestions(faq, operator_client, russian):
    conversation = visitor_says(russian, "Когда придёт мой заказ?")

    page = operator_client.get(url(conversation, "%20%20")).content.decode()

    assert "For the visitor's last message" in page and "Сколько идёт доставка?" in page


def test_the_inbox_loads_the_panel_after_the_conversation(faq, operator_client, russian):
    conversation = visitor_says(russian, "Когда придёт мой заказ?")

    page = operator_client.get(f"/inbox/c/{conversation.public_id.hex}/", HTTP_HX_REQUEST="true").content.decode()

    assert f'hx-get="{url(conversation)}"' in page and "Suggested answers" in page
    assert "Сколько идёт доставка?" not in page  # not waited for
