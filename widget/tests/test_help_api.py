"""The widget's help as a visitor's browser calls it: public entries only, in the visitor's language, another
workspace's never, bad queries refused, submitted searches kept for the learning page."""

from typing import Any

import pytest
from django.test import Client

from core.tests.fixtures import SITE
from knowledge import actions
from knowledge.models import Question
from knowledge.queries import questions_to_learn
from widget import help_api
from widget.help_center import excerpt

API = "/widget/api/v1"
SHIPPING_EN = "Orders ship within **2 business days**; see [tracking](https://shop.example.com/track)."
SHIPPING_RU = "Отправляем в течение **2 рабочих дней**."


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_ORIGIN=SITE)


@pytest.fixture
def faq(member):
    shipping = actions.create_entry(
        member,
        language="en",
        question="How long does delivery take?",
        answer=SHIPPING_EN,
        phrasings=["When will my order arrive?"],
    )
    actions.add_variant(member, shipping, language="ru", question="Сколько идёт доставка?", answer=SHIPPING_RU)
    actions.create_entry(member, language="en", question="Can I return an item?", answer="Returns are free.")
    actions.create_entry(
        member, language="en", question="Which payment methods do you accept?", answer="Cards and PayPal."
    )
    return shipping


@pytest.fixture
def internal(member):
    return actions.create_entry(
        member,
        language="en",
        question="How long does delivery take for wholesale orders?",
        answer="Internal: ask the warehouse.",
        public=False,
    )


def visitor_token(browser: Client, inbox, language: str = "en") -> str:
    started = browser.post(
        f"{API}/sessions", {"key": inbox.widget_key, "language": language}, content_type="application/json"
    )
    return started.json()["token"]


def get(browser: Client, token: str, path: str, **params: Any):
    return browser.get(f"{API}{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_search_gives_the_best_public_entries_first_with_an_excerpt(browser, inbox, faq, internal):
    token = visitor_token(browser, inbox)

    response = get(browser, token, "/help", q="how long until my parcel arrives")

    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {
        "id": faq.public_id.hex,
        "kind": "faq",
        "title": "How long does delivery take?",
        "excerpt": "Orders ship within 2 business days; see tracking.",
        "language": "en",
    }
    assert internal.public_id.hex not in [r["id"] for r in results]
    assert 1 <= len(results) <= 5


def test_results_and_entries_are_in_the_visitors_language(browser, inbox, faq):
    token = visitor_token(browser, inbox, language="ru-RU")

    results = get(browser, token, "/help", q="Когда придёт заказ?").json()["results"]
    entry = get(browser, token, f"/help/{faq.public_id.hex}").json()

    assert (results[0]["title"], results[0]["language"]) == ("Сколько идёт доставка?", "ru")
    assert entry["title"] == "Сколько идёт доставка?"
    assert entry["html"] == "<p>Отправляем в течение <strong>2 рабочих дней</strong>.</p>"
    assert (entry["language"], entry["in_other_language"]) == ("ru", False)


def test_an_entry_missing_the_visitors_language_comes_in_its_own_and_says_so(browser, inbox, faq, member):
    returns = actions.create_entry(member, language="en", question="Do you gift wrap?", answer="Yes, for $3.")
    token = visitor_token(browser, inbox, language="ja")

    entry = get(browser, token, f"/help/{returns.public_id.hex}").json()

    assert (entry["language"], entry["language_name"], entry["in_other_language"]) == ("en", "English", True)
    assert entry["html"] == "<p>Yes, for $3.</p>"


def test_an_entry_opens_in_the_language_of_the_result_picked(browser, inbox, faq):
    token = visitor_token(browser, inbox, language="en")

    entry = get(browser, token, f"/help/{faq.public_id.hex}", language="ru").json()
    unknown = get(browser, token, f"/help/{faq.public_id.hex}", language="xx").json()

    assert (entry["language"], entry["in_other_language"]) == ("ru", False)  # it has English too
    assert (unknown["language"], unknown["in_other_language"]) == ("en", False)  # the visitor's, then
    japanese = visitor_token(browser, inbox, language="ja")
    in_russian = get(browser, japanese, f"/help/{faq.public_id.hex}", language="ru").json()
    assert (in_russian["language"], in_russian["in_other_language"]) == ("ru", True)


def test_the_answer_is_markdown_made_into_safe_html_with_links_in_a_new_tab(browser, inbox, member):
    article = actions.create_entry(
        member,
        kind="article",
        language="en",
        question="Caring for your mug",
        answer="## Washing\n\n- Hand wash\n- <script>alert(1)</script>\n\n"
        "![pixel](https://tracker.example.com/p.gif) [Shop](https://shop.example.com) [bad](javascript:alert(1))",
    )
    token = visitor_token(browser, inbox)

    html = get(browser, token, f"/help/{article.public_id.hex}").json()["html"]

    assert "<h2>Washing</h2>" in html and "<li>Hand wash</li>" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text
    assert "<img" not in html and "tracker.example.com" not in html
    assert '<a href="https://shop.example.com" target="_blank" rel="noopener noreferrer nofollow">Shop</a>' in html
    assert 'href="javascript' not in html  # left as text


def test_internal_and_other_workspaces_entries_are_not_found(browser, inbox, faq, internal, other_member):
    rival = actions.create_entry(other_member, language="en", question="Do you ship?", answer="Rival answer.")
    token = visitor_token(browser, inbox)

    for entry_id in (internal.public_id.hex, rival.public_id.hex, "not-an-id"):
        response = get(browser, token, f"/help/{entry_id}")
        assert response.status_code == 404, entry_id
        assert response.json()["code"] == "not_found"


def test_another_workspaces_visitor_searches_only_their_own_knowledge(browser, faq, other_inbox):
    token = visitor_token(browser, other_inbox)

    assert get(browser, token, "/help", q="How long does delivery take?").json() == {"results": []}
    assert get(browser, token, "/help").json() == {"results": []}


def test_an_empty_query_lists_the_newest_public_entries(browser, inbox, faq, internal, member):
    newest = actions.create_entry(member, language="en", question="Do you gift wrap?", answer="Yes.")
    token = visitor_token(browser, inbox)

    results = get(browser, token, "/help", q="  ").json()["results"]

    assert results[0]["id"] == newest.public_id.hex
    assert len(results) == 4 and internal.public_id.hex not in [r["id"] for r in results]


def test_the_list_costs_a_few_queries_however_many_entries(browser, inbox, member, django_assert_max_num_queries):
    for n in range(6):
        entry = actions.create_entry(member, language="en", question=f"Question {n}?", answer=f"Answer {n}.")
        actions.add_variant(member, entry, language="ru", question=f"Вопрос {n}?", answer=f"Ответ {n}.")
    token = visitor_token(browser, inbox)

    with django_assert_max_num_queries(4):  # the visitor, the widget's settings, the entries, their variants
        results = get(browser, token, "/help").json()["results"]

    assert [r["title"] for r in results] == [f"Question {n}?" for n in (5, 4, 3, 2, 1)]


def test_no_knowledge_base_gives_no_results(browser, inbox):
    token = visitor_token(browser, inbox)

    assert get(browser, token, "/help").json() == {"results": []}
    assert get(browser, token, "/help", q="Where is my order?", submitted="1").json() == {"results": []}


def test_a_query_over_500_characters_is_refused_clearly(browser, inbox, faq):
    token = visitor_token(browser, inbox)

    response = get(browser, token, "/help", q="x" * 501, submitted="1")

    assert response.status_code == 400
    assert response.json() == {"code": "query_too_long", "detail": "A search is at most 500 characters."}
    assert not Question.objects.exists()


def test_a_submitted_search_is_kept_once_and_a_missed_one_reaches_the_learning_page(browser, inbox, faq, workspace):
    token = visitor_token(browser, inbox)
    get(browser, token, "/help", q="Who won the football")  # typing: not kept
    get(browser, token, "/help", q="Who won the football match last night?", submitted="1")
    get(browser, token, "/help", q="Who won the football  match last night?", submitted="1")  # then opening a result

    kept = Question.objects.get()
    assert (kept.text, kept.conversation, kept.workspace) == ("Who won the football match last night?", None, workspace)
    assert kept.outcome != Question.Outcome.ANSWERED
    assert [group.lead for group in questions_to_learn(workspace)] == [kept]
    someone_else = visitor_token(Client(HTTP_ORIGIN=SITE), inbox)
    get(browser, someone_else, "/help", q="Who won the football match last night?", submitted="1")
    assert Question.objects.count() == 2


def test_an_answered_search_is_kept_as_answered(browser, inbox, faq):
    token = visitor_token(browser, inbox)

    get(browser, token, "/help", q="How long does delivery take?", submitted="1")

    kept = Question.objects.get()
    assert (kept.outcome, kept.best) == (Question.Outcome.ANSWERED, faq)


def test_help_needs_a_valid_visitor_token_and_an_allowed_origin(browser, inbox, faq):
    token = visitor_token(browser, inbox)
    foreign = Client(HTTP_ORIGIN="https://evil.example.com")

    assert browser.get(f"{API}/help").status_code == 401
    assert get(browser, "forged", "/help").json()["code"] == "invalid_token"
    assert get(foreign, token, f"/help/{faq.public_id.hex}").json()["code"] == "origin_not_allowed"


def test_excerpts_are_plain_text_cut_at_a_word():
    long = "Word " * 60

    assert excerpt("## Heading\n\n**Bold** and `code` and [a link](https://x.example)\nnext line\n\n- item") == (
        "Bold and code and a link next line item"
    )
    assert excerpt(long).endswith("Word…") and len(excerpt(long)) <= 161
    assert excerpt("配送" * 100) == "配送" * 80 + "…"


def test_the_openapi_schema_documents_help(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]

    assert {"/widget/api/v1/help", "/widget/api/v1/help/{entry_id}"} <= set(paths)
    parameters = {p["name"] for p in paths["/widget/api/v1/help"]["get"]["parameters"]}
    assert {"q", "submitted"} <= parameters


def test_a_visitor_searching_faster_than_anyone_types_is_slowed_down_clearly(browser, inbox, faq, monkeypatch):
    monkeypatch.setattr(help_api, "SEARCHES_PER_MINUTE", 3)
    token = visitor_token(browser, inbox)

    statuses = [get(browser, token, "/help", q=f"delivery {n}").status_code for n in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = get(browser, token, "/help", q="delivery again")
    assert refused.json()["code"] == "too_many_requests"
    assert get(browser, token, "/help").status_code == 200  # the list of entries costs nothing: never refused
    assert get(browser, visitor_token(browser, inbox), "/help", q="delivery").status_code == 200  # others may


def test_an_entry_opened_from_a_search_is_kept_as_the_one_picked(browser, inbox, faq, workspace):
    token = visitor_token(browser, inbox)
    results = get(browser, token, "/help", q="parcel arrival time", submitted="1").json()["results"]

    get(browser, token, f"/help/{results[0]['id']}", q="parcel arrival time")

    kept = Question.objects.get()  # the search, once, with the entry picked from its results
    assert (kept.text, kept.picked) == ("parcel arrival time", faq)


def test_an_entry_opened_from_a_search_not_submitted_keeps_the_search_too(browser, inbox, faq):
    token = visitor_token(browser, inbox)

    get(browser, token, f"/help/{faq.public_id.hex}", q="when do parcels come")
    get(browser, token, f"/help/{faq.public_id.hex}")  # opened from the list, not a search: nothing kept

    assert Question.objects.get().picked == faq
