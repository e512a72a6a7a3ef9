"""Settings → Knowledge as an editor: the entries' search (words in any case, and the entry that answers a
question), filters and pages; an entry's own page to edit its languages, ways to ask, kind and visibility,
with a preview; agents read, admins write; another workspace's entry is not found."""

import re

import pytest
from django.test import Client

from knowledge import actions
from knowledge.models import Entry, Phrasing, Variant
from knowledge.queries import PAGE_SIZE

pytestmark = pytest.mark.django_db
URL = "/settings/knowledge/"


@pytest.fixture
def base(member) -> dict[str, Entry]:
    card = actions.create_entry(member, language="en", question="Can I pay by card?", answer="Yes: Visa, Mastercard.")
    gifts = actions.create_entry(
        member, language="en", question="Do you gift wrap orders?", answer="Yes, for $3.", category="Orders"
    )
    shipping = actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer="Orders ship within **2 business days**.<script>alert(1)</script>",
        phrasings=["When will my order arrive?", "Shipping time to Spain?"],
        category="Delivery",
    )
    actions.add_variant(
        member, shipping, language="ru", question="Сколько идёт доставка?", answer="Отправляем за 2 рабочих дня."
    )
    returns = actions.create_entry(
        member,
        language="en",
        question="Returns policy",
        answer="# Returns\nWithin 30 days.",
        kind="article",
        category="Orders",
        public=False,
    )
    return {"card": card, "gifts": gifts, "shipping": shipping, "returns": returns}


def listed(page: str) -> list[str]:
    return re.findall(r'<tr id="entry-([0-9a-f]{32})"', page)


def ids(*entries: Entry) -> list[str]:
    return [e.public_id.hex for e in entries]


def login(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_the_list_is_newest_first_with_a_link_to_each_entry(operator_client, base):
    page = operator_client.get(URL).content.decode()

    assert listed(page) == ids(base["returns"], base["shipping"], base["gifts"], base["card"])
    assert f'href="{URL}entries/{base["shipping"].public_id.hex}/"' in page


def test_search_finds_words_in_any_case_and_script_in_questions_answers_and_ways_to_ask(operator_client, base):
    def search(q: str) -> list[str]:
        return listed(operator_client.get(URL, {"q": q}).content.decode())

    assert search("ДОСТАВКА") == ids(base["shipping"])  # a Russian question, another case
    assert search("mastercard") == ids(base["card"])  # an answer
    assert search("spain") == ids(base["shipping"])  # a way to ask
    assert sorted(search("orders")) == sorted(ids(base["shipping"], base["gifts"]))  # a question, an answer
    assert search("100%_*") == []


def test_search_puts_the_entry_answering_the_question_first(operator_client, base):
    page = operator_client.get(URL, {"q": "When does my order arrive?"}).content.decode()

    assert listed(page)[0] == base["shipping"].public_id.hex and "data-best" in page


def test_an_internal_entry_answering_the_question_is_found_too(operator_client, base, member):
    actions.add_phrasing(member, base["returns"], language="en", text="How do I send an item back?")

    page = operator_client.get(URL, {"q": "How can I send my item back?"}).content.decode()

    assert listed(page)[0] == base["returns"].public_id.hex


def test_filters_by_kind_category_visibility_and_language(operator_client, base):
    def filtered(**params: str) -> list[str]:
        return listed(operator_client.get(URL, params).content.decode())

    assert filtered(kind="article") == ids(base["returns"])
    assert filtered(kind="faq", category="Orders") == ids(base["gifts"])
    assert filtered(visibility="internal") == ids(base["returns"])
    assert filtered(visibility="public", category="Orders") == ids(base["gifts"])
    assert filtered(language="ru") == ids(base["shipping"])
    assert filtered(category="No such category") == ids(base["returns"], base["shipping"], base["gifts"], base["card"])
    page = operator_client.get(URL, {"q": "card", "kind": "article"}).content.decode()
    assert listed(page) == [] and "Nothing matches" in page and "No entries yet" not in page


def test_the_empty_knowledge_base_says_how_to_start(operator_client, agent):
    assert "No entries yet — create one or import a file." in operator_client.get(URL).content.decode()
    page = login(agent).get(URL).content.decode()
    assert "No entries yet." in page and "create one" not in page


def test_entries_come_a_page_at_a_time_keeping_the_filters(operator_client, member, django_assert_max_num_queries):
    for n in range(PAGE_SIZE + 3):
        actions.create_entry(member, language="en", question=f"Question {n}?", answer=f"Answer {n}.", category="Bulk")
    with django_assert_max_num_queries(25):
        first = operator_client.get(URL, {"category": "Bulk"}).content.decode()
    second = operator_client.get(URL, {"category": "Bulk", "page": "2"}).content.decode()

    assert len(listed(first)) == PAGE_SIZE and len(listed(second)) == 3
    assert "Page 1 of 2 (53 entries)" in first and 'href="?category=Bulk&amp;page=2"' in first
    assert "Question 0?" in second and "Question 52?" in first
    assert len(listed(operator_client.get(URL, {"page": "99"}).content.decode())) == 3  # the last page


def test_the_entry_page_shows_each_language_with_its_preview_and_ways_to_ask(operator_client, base):
    page = operator_client.get(f"{URL}entries/{base['shipping'].public_id.hex}/").content.decode()

    assert 'id="language-en"' in page and 'id="language-ru"' in page
    assert "<strong>2 business days</strong>" in page and "<script>alert(1)</script>" not in page
    assert 'data-phrasing="Shipping time to Spain?"' in page and 'value="Shipping time to Spain?"' in page
    assert 'action="/settings/knowledge/entries/' in page and "hx-confirm" in page
    article = operator_client.get(f"{URL}entries/{base['returns'].public_id.hex}/").content.decode()
    assert ">Title</label>" in article and ">Body</label>" in article and "<h1>Returns</h1>" in article


def test_agents_read_the_entry_page_without_forms(agent, base):
    page = login(agent).get(f"{URL}entries/{base['shipping'].public_id.hex}/").content.decode()

    assert "Orders ship within" in page and "Only admins can change the knowledge base." in page
    assert 'method="post" action="/settings/knowledge/entries/' not in page


def test_editing_an_answer_and_its_ways_to_ask_on_the_page(operator_client, base):
    entry = f"{URL}entries/{base['shipping'].public_id.hex}/"

    page = operator_client.post(
        f"{entry}languages/en/",
        {"en-question": "How long does delivery take?", "en-answer": "Same day in *Almaty*."},
        follow=True,
    ).content.decode()
    assert "Saved." in page and "<em>Almaty</em>" in page
    operator_client.post(f"{entry}phrasings/", {"language": "ru", "text": "Когда придёт заказ?"})
    operator_client.post(f"{entry}phrasings/remove/", {"text": "Shipping time to Spain?"})
    response = operator_client.post(f"{entry}phrasings/", {"language": "ru", "text": "Когда придёт заказ?"})
    assert response.status_code == 422 and "already has that way to ask" in response.content.decode()

    texts = set(Phrasing.objects.filter(entry=base["shipping"]).values_list("language", "text"))
    assert ("ru", "Когда придёт заказ?") in texts and ("en", "Shipping time to Spain?") not in texts
    assert Variant.objects.get(entry=base["shipping"], language="en").answer == "Same day in *Almaty*."


def test_a_refused_edit_comes_back_with_what_was_typed(operator_client, base):
    entry = f"{URL}entries/{base['shipping'].public_id.hex}/"

    response = operator_client.post(f"{entry}languages/en/", {"en-question": "", "en-answer": "Kept text"})

    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required." in page and "Kept text" in page
    assert Variant.objects.get(entry=base["shipping"], language="en").question == "How long does delivery take?"


def test_a_language_is_added_once_and_the_last_one_cannot_be_removed(operator_client, base):
    entry = f"{URL}entries/{base['card'].public_id.hex}/"
    new = {"language": "es", "question": "¿Puedo pagar con tarjeta?", "answer": "Sí.", "phrasings": "¿Aceptáis Visa?"}

    assert operator_client.post(f"{entry}languages/", new).status_code == 302
    again = operator_client.post(f"{entry}languages/", {**new, "answer": "Otra vez."})
    assert again.status_code == 422 and "Select a valid choice" in again.content.decode()
    assert Variant.objects.get(entry=base["card"], language="es").answer == "Sí."
    assert base["card"].phrasings.filter(language="es").count() == 2

    assert operator_client.post(f"{entry}languages/en/delete/").status_code == 302
    refused = operator_client.post(f"{entry}languages/es/delete/")
    assert refused.status_code == 422
    assert "An entry needs at least one language: delete the entry instead." in refused.content.decode()
    assert list(base["card"].variants.values_list("language", flat=True)) == ["es"]


def test_kind_category_and_visibility_are_changed_and_the_entry_deleted(operator_client, base):
    entry = f"{URL}entries/{base['gifts'].public_id.hex}/"

    operator_client.post(f"{entry}settings/", {"kind": "article", "category": "Extras"})  # public unticked
    gifts = Entry.objects.get(pk=base["gifts"].pk)
    assert (gifts.kind, gifts.category, gifts.public) == ("article", "Extras", False)

    page = operator_client.post(f"{entry}delete/", follow=True).content.decode()
    assert "Entry deleted." in page and not Entry.objects.filter(pk=base["gifts"].pk).exists()
    assert operator_client.get(entry).status_code == 404


def test_agents_change_nothing_and_another_workspace_finds_nothing(agent, other_member, base):
    entry = f"{URL}entries/{base['shipping'].public_id.hex}/"
    writes = [
        (f"{entry}settings/", {"kind": "faq", "category": "", "public": "on"}),
        (f"{entry}delete/", {}),
        (f"{entry}languages/", {"language": "es", "question": "¿?", "answer": "Sí."}),
        (f"{entry}languages/en/", {"en-question": "Q?", "en-answer": "A."}),
        (f"{entry}languages/ru/delete/", {}),
        (f"{entry}phrasings/", {"language": "en", "text": "Another way?"}),
        (f"{entry}phrasings/remove/", {"text": "Shipping time to Spain?"}),
    ]
    for url, data in writes:
        assert login(agent).post(url, data).status_code == 403, url
        assert login(other_member).post(url, data).status_code == 404, url
    assert login(other_member).get(entry).status_code == 404
    shipping = Entry.objects.get(pk=base["shipping"].pk)
    assert shipping.variants.count() == 2 and shipping.phrasings.count() == 4 and shipping.category == "Delivery"
