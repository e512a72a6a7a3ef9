"""Searching conversations by message text and by the contact's name or email, on SQLite and PostgreSQL."""

import random

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client

from accounts.actions import issue_api_token
from contacts.models import Contact
from conversations import actions
from conversations.models import Conversation, Message
from conversations.search import PG_INDEX, matching_conversations, matching_messages
from visitors.actions import create_visitor
from visitors.models import Visitor
from workspaces.models import Inbox, Workspace

on_postgres = connection.vendor == "postgresql"


def say(visitor: Visitor, text: str) -> Conversation:
    return actions.send_visitor_message(visitor, text=text, client_id=None).message.conversation


def new_visitor(inbox: Inbox) -> Visitor:
    return create_visitor(inbox, user_agent="", language="")


def found(workspace: Workspace, text: str) -> set[int]:
    return set(
        Conversation.objects.filter(id__in=matching_conversations(workspace.id, text)).values_list("id", flat=True)
    )


def with_contact(visitor: Visitor, *, name: str = "", email: str = "") -> Visitor:
    visitor.contact = Contact.objects.create(workspace=visitor.workspace, name=name, email=email)
    visitor.save(update_fields=["contact"])
    return visitor


def test_a_word_in_a_message_finds_its_conversation(workspace, inbox):
    wanted = say(new_visitor(inbox), "Where is my parcel? It was due on Monday.")
    say(new_visitor(inbox), "Can I change my password?")

    assert found(workspace, "parcel") == {wanted.id}
    assert found(workspace, "monday") == {wanted.id}


def test_a_later_message_counts_too(workspace, visitor):
    conversation = say(visitor, "Hello")
    say(visitor, "The invoice is wrong")

    assert found(workspace, "invoice") == {conversation.id}


def test_the_start_of_a_word_finds_it(workspace, inbox):
    wanted = say(new_visitor(inbox), "Where is my order?")
    say(new_visitor(inbox), "Hello there")

    assert found(workspace, "ord") == {wanted.id}
    assert found(workspace, "wh ord") == {wanted.id}
    assert found(workspace, "rder") == set()  # a prefix, not any substring


def test_every_word_must_match_in_any_order(workspace, inbox):
    both = say(new_visitor(inbox), "The refund for order 1042 has not arrived")
    say(new_visitor(inbox), "Refund please")

    assert found(workspace, "order refund") == {both.id}
    assert found(workspace, "refund") == {both.id, *found(workspace, "please")}
    assert found(workspace, "refund banana") == set()


def test_case_does_not_matter(workspace, visitor):
    conversation = say(visitor, "My ACCOUNT is Locked")

    assert found(workspace, "account locked") == {conversation.id}
    assert found(workspace, "ACC LOCK") == {conversation.id}


def test_cyrillic_words_are_found_by_word_prefix_and_any_case(workspace, inbox):
    wanted = say(new_visitor(inbox), "Здравствуйте! Где мой заказ номер 15?")
    say(new_visitor(inbox), "Спасибо за помощь")

    assert found(workspace, "заказ") == {wanted.id}
    assert found(workspace, "ЗАКА") == {wanted.id}
    assert found(workspace, "где заказ") == {wanted.id}
    assert found(workspace, "помощь заказ") == set()


def test_diacritics(workspace, visitor):
    conversation = say(visitor, "Un café crème, s'il vous plaît")

    assert found(workspace, "café") == {conversation.id}
    assert found(workspace, "CRÈME") == {conversation.id}
    # SQLite folds accents (unicode61 remove_diacritics 2). PostgreSQL's 'simple'
    # configuration keeps them: there "cafe" is another word than "café".
    assert found(workspace, "cafe creme") == (set() if on_postgres else {conversation.id})


def test_a_single_character_matches_a_whole_word_only(workspace, inbox):
    plan_a = say(new_visitor(inbox), "Is plan a cheaper?")
    say(new_visitor(inbox), "apples and bananas")

    assert found(workspace, "a") == {plan_a.id}


def test_the_contacts_name_or_email_finds_the_conversation(workspace, inbox):
    anna = with_contact(new_visitor(inbox), name="Anna Karenina", email="anna.k@example.org")
    conversation = say(anna, "Hi")
    say(with_contact(new_visitor(inbox), name="Boris", email="boris@rival.test"), "Hi")

    assert found(workspace, "karenina") == {conversation.id}
    assert found(workspace, "ANNA") == {conversation.id}
    assert found(workspace, "aren") == {conversation.id}  # inside a name, too
    assert found(workspace, "example.org") == {conversation.id}
    assert found(workspace, "anna.k@example.org") == {conversation.id}
    assert found(workspace, "Karenina, Anna") == {conversation.id}
    assert found(workspace, "anna boris") == set()


def test_a_cyrillic_contact_name_is_found_in_any_case(workspace, visitor):
    conversation = say(with_contact(visitor, name="Иван Петров"), "Добрый день")

    assert found(workspace, "петров") == {conversation.id}
    assert found(workspace, "ИВАН") == {conversation.id}


def test_a_message_match_and_a_contact_match_are_both_listed(workspace, inbox):
    by_message = say(new_visitor(inbox), "Ask Karenina about it")
    by_contact = say(with_contact(new_visitor(inbox), name="Karenina"), "Hello")

    assert found(workspace, "karenina") == {by_message.id, by_contact.id}


def test_another_workspaces_conversations_never_match(workspace, inbox, other_inbox):
    mine = say(with_contact(new_visitor(inbox), name="Zed Example"), "Secret project falcon")
    say(with_contact(new_visitor(other_inbox), name="Zed Example"), "Secret project falcon")

    assert found(workspace, "falcon") == {mine.id}
    assert found(workspace, "zed") == {mine.id}
    assert found(other_inbox.workspace, "falcon") != found(workspace, "falcon")


def test_an_edited_message_is_found_by_its_new_text_only(workspace, visitor):
    conversation = say(visitor, "Typo in the frist message")

    Message.objects.filter(conversation=conversation).update(text="Typo in the first message")

    assert found(workspace, "first") == {conversation.id}
    assert found(workspace, "frist") == set()


def test_a_deleted_message_is_no_longer_found(workspace, visitor):
    conversation = say(visitor, "Please forget my phone number")
    say(visitor, "Thanks")

    Message.objects.filter(conversation=conversation, text__startswith="Please").delete()

    assert found(workspace, "phone") == set()
    assert found(workspace, "thanks") == {conversation.id}


def test_a_deleted_conversation_leaves_nothing_behind(workspace, visitor):
    conversation = say(visitor, "Remove everything about xylophone")
    message_ids = list(conversation.messages.values_list("id", flat=True))

    conversation.delete()

    assert found(workspace, "xylophone") == set()
    assert not matching_messages("xylophone").filter(id__in=message_ids).exists()


def test_messages_stored_before_the_search_existed_are_found(workspace, visitor):
    """Rows written in bulk still go through the triggers; the migration back-filled older ones."""
    conversation = say(visitor, "First")
    Message.objects.bulk_create(
        [Message(conversation=conversation, seq=n, author_kind="visitor", text=f"bulk word{n}") for n in (2, 3)]
    )

    assert found(workspace, "word3") == {conversation.id}


AWKWARD = [
    "",
    "   ",
    "\t\n",
    '"',
    '""',
    "'",
    "*",
    "-",
    "^",
    ":",
    "(",
    ")",
    "()",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(a b, 2)",
    'text: "order" OR NOT -x ^y *',
    "a AND OR NOT b",
    "col:value",
    "order*",
    "*order",
    '"unterminated',
    "x' OR '1'='1",
    "'; DROP TABLE conversations_message; --",
    "Robert'); DROP TABLE students;--",
    "%_%",
    "\\",
    "C:\\path\\to\\file",
    "a\\'b",
    "!:*&|<->",
    "order & refund | !help <-> x",
    "😀",
    "😀 order 🎉",
    "👨‍👩‍👧‍👦",
    "العربية",
    "日本語のテキスト",
    "\x00",
    "order\x00refund",
    "\ud800",
    "x" * 200,
    "ab " * 70,
    " ".join(["order"] * 100),
    "@",
    "@example.com",
    "_",
    "___ ___",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_input_never_raises(workspace, visitor, text):
    say(with_contact(visitor, name="Anna", email="anna@example.com"), "Where is my order?")

    assert isinstance(found(workspace, text), set)


@pytest.mark.parametrize("text", ["", "   ", '"', "*", "-- ()", "@", "_", '"*:()-^', "😀", "\x00"])
def test_blank_or_punctuation_only_matches_nothing(workspace, visitor, text):
    say(with_contact(visitor, name="Anna", email="anna@example.com"), 'Order "*:()-^ @ 😀 -- _')

    assert found(workspace, text) == set()


def test_random_junk_never_raises(workspace, visitor):
    say(visitor, "Where is my order? Заказ café")
    alphabet = [*"\"'*:()-^_+~!@#$%&|<>{}[];,./\\?`= \t", "AND", "OR", "NOT", "NEAR", "ord", "заказ", "😀", "é"]
    rng = random.Random(20261123)

    for _ in range(200):
        found(workspace, "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))))


def test_the_inbox_list_filters_by_the_search(operator_client, workspace, inbox):
    wanted = say(new_visitor(inbox), "Where is my order?")
    other = say(new_visitor(inbox), "Hello")

    html = operator_client.get("/inbox/list/", {"q": "ord"}).content.decode()

    assert f"conv-row-{wanted.public_id.hex}" in html
    assert f"conv-row-{other.public_id.hex}" not in html


def test_the_inbox_list_survives_an_awkward_search(operator_client, inbox):
    say(new_visitor(inbox), "Where is my order?")

    for text in ['"*:()', "NOT", "😀", "x" * 300]:
        assert operator_client.get("/inbox/list/", {"q": text}).status_code == 200


def test_the_rest_api_filters_by_the_search(member, inbox):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(member, name='script').raw}")
    wanted = say(with_contact(new_visitor(inbox), name="Anna", email="anna@example.com"), "Hello")
    by_text = say(new_visitor(inbox), "Where is my order?")
    say(new_visitor(inbox), "Just looking")

    def ids(q: str) -> set[str]:
        response = api.get("/api/v1/conversations", {"q": q})
        assert response.status_code == 200
        return {c["id"] for c in response.json()["items"]}

    assert ids("anna@example") == {wanted.public_id.hex}
    assert ids("ord") == {by_text.public_id.hex}
    assert ids('"NOT (') == set()  # "NOT" is a word here: a prefix of nothing listed
    assert ids('"( ^*') == set()


@pytest.mark.skipif(not on_postgres, reason="PostgreSQL's GIN index; SQLite uses its FTS5 table")
def test_the_message_search_can_use_the_gin_index(db):
    query = matching_messages("order ref").values("conversation_id")

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            plan = query.explain()
        finally:
            cursor.execute("RESET enable_seqscan")

    assert PG_INDEX in plan, plan


@pytest.mark.skipif(not on_postgres, reason="PostgreSQL's trigram indexes; SQLite reads its few contacts")
def test_the_contact_search_can_use_the_trigram_indexes(db):
    query = Contact.objects.filter(Q(name__icontains="smith") | Q(email__icontains="smith"))

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            plan = query.explain()
        finally:
            cursor.execute("RESET enable_seqscan")

    assert "contact_name_search" in plan and "contact_email_search" in plan, plan


@pytest.mark.skipif(not on_postgres, reason="the bounded search of common words is PostgreSQL's")
def test_a_common_word_searches_only_the_newest_matches_and_stays_in_the_workspace(
    workspace, inbox, other_inbox, monkeypatch
):
    from conversations import search

    _oldest, middle, newest = (say(new_visitor(inbox), f"order number {i}") for i in range(3))
    say(new_visitor(other_inbox), "order elsewhere")
    by_name = say(with_contact(new_visitor(inbox), name="Order Smith"), "hello")
    monkeypatch.setattr(search, "COMMON_MESSAGES", -1)  # every word counts as common
    monkeypatch.setattr(search, "MESSAGE_HITS", 2)

    assert found(workspace, "order") == {middle.id, newest.id, by_name.id}
