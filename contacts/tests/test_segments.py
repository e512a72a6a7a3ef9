"""Segments: rules compiled to one database filter, their actions, the settings pages and the contact card."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts import actions
from contacts.models import AttributeDefinition, Contact, Segment
from contacts.segments import MAX_CONDITIONS, segment_filter, segment_members, segments_of
from core.errors import Conflict, Forbidden, InvalidInput
from visitors.models import Event, PageView, Visitor
from workspaces.models import Inbox, Member, Workspace

NOW = timezone.now()


def ago(days: float) -> Any:
    return timezone.now() - timedelta(days=days)


def person(workspace: Workspace, name: str, **fields: Any) -> Contact:
    return Contact.objects.create(workspace=workspace, name=name, email=fields.pop("email", ""), **fields)


def browser(inbox: Inbox, contact: Contact | None, **fields: Any) -> Visitor:
    return Visitor.objects.create(workspace_id=inbox.workspace_id, inbox=inbox, contact=contact, **fields)


def define(workspace: Workspace, key: str, kind: str, options: list[str] | None = None) -> None:
    AttributeDefinition.objects.create(
        workspace=workspace, key=key, label=key.title(), type=kind, options=options or []
    )


def names(workspace: Workspace, rules: dict[str, Any]) -> set[str]:
    q = segment_filter(workspace.pk, rules)
    return set(Contact.objects.filter(q, workspace_id=workspace.pk).values_list("name", flat=True))


def one(condition: dict[str, Any]) -> dict[str, Any]:
    return {"match": "all", "conditions": [condition]}


def login(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


# Fields


def test_field_conditions_are_case_insensitive_and_know_empty_from_set(workspace):
    person(workspace, "Aigerim", email="aigerim@acme.kz", company="ACME", verified=True)
    person(workspace, "Boris", email="boris@example.com")
    person(workspace, "Carl")

    assert names(workspace, one({"kind": "field", "field": "email", "op": "is_set"})) == {"Aigerim", "Boris"}
    assert names(workspace, one({"kind": "field", "field": "email", "op": "is_not_set"})) == {"Carl"}
    assert names(workspace, one({"kind": "field", "field": "company", "op": "equals", "value": "acme"})) == {"Aigerim"}
    assert names(workspace, one({"kind": "field", "field": "email", "op": "contains", "value": "@ACME"})) == {"Aigerim"}
    assert names(workspace, one({"kind": "field", "field": "name", "op": "starts_with", "value": "bo"})) == {"Boris"}
    assert names(workspace, one({"kind": "field", "field": "verified", "op": "equals", "value": True})) == {"Aigerim"}
    assert names(workspace, one({"kind": "field", "field": "verified", "op": "is_not_set"})) == {"Boris", "Carl"}


# Attributes, by type


def test_text_and_list_attributes(workspace):
    define(workspace, "plan", AttributeDefinition.Type.TEXT)
    define(workspace, "tier", AttributeDefinition.Type.LIST, ["gold", "silver", "bronze"])
    person(workspace, "Aigerim", attributes={"plan": "Pro Annual", "tier": "gold"})
    person(workspace, "Boris", attributes={"plan": "free", "tier": "bronze"})
    person(workspace, "Carl", attributes={})

    assert names(workspace, one({"kind": "attribute", "key": "plan", "op": "equals", "value": "FREE"})) == {"Boris"}
    assert names(workspace, one({"kind": "attribute", "key": "plan", "op": "not_equals", "value": "free"})) == {
        "Aigerim",
        "Carl",
    }
    assert names(workspace, one({"kind": "attribute", "key": "plan", "op": "contains", "value": "pro"})) == {"Aigerim"}
    assert names(workspace, one({"kind": "attribute", "key": "tier", "op": "in", "value": ["gold", "silver"]})) == {
        "Aigerim"
    }
    assert names(workspace, one({"kind": "attribute", "key": "plan", "op": "is_set"})) == {"Aigerim", "Boris"}
    assert names(workspace, one({"kind": "attribute", "key": "plan", "op": "is_not_set"})) == {"Carl"}


def test_number_and_date_attributes_compare_as_numbers_and_dates(workspace):
    define(workspace, "seats", AttributeDefinition.Type.NUMBER)
    define(workspace, "renews", AttributeDefinition.Type.DATE)
    person(workspace, "Aigerim", attributes={"seats": 9, "renews": "2026-01-15"})
    person(workspace, "Boris", attributes={"seats": 12.5, "renews": "2026-11-01"})
    person(workspace, "Carl", attributes={"seats": 100})

    assert names(workspace, one({"kind": "attribute", "key": "seats", "op": "gt", "value": 10})) == {"Boris", "Carl"}
    assert names(workspace, one({"kind": "attribute", "key": "seats", "op": "lt", "value": "10"})) == {"Aigerim"}
    assert names(workspace, one({"kind": "attribute", "key": "seats", "op": "between", "value": [9, 12.5]})) == {
        "Aigerim",
        "Boris",
    }
    assert names(workspace, one({"kind": "attribute", "key": "seats", "op": "equals", "value": 100})) == {"Carl"}
    assert names(workspace, one({"kind": "attribute", "key": "renews", "op": "gt", "value": "2026-06-01"})) == {"Boris"}
    assert names(workspace, one({"kind": "attribute", "key": "renews", "op": "lt", "value": "2026-06-01"})) == {
        "Aigerim"
    }
    assert names(
        workspace, one({"kind": "attribute", "key": "renews", "op": "between", "value": ["2026-01-15", "2026-02-01"]})
    ) == {"Aigerim"}


def test_boolean_attributes(workspace):
    define(workspace, "trial", AttributeDefinition.Type.BOOLEAN)
    person(workspace, "Aigerim", attributes={"trial": True})
    person(workspace, "Boris", attributes={"trial": False})
    person(workspace, "Carl", attributes={})

    assert names(workspace, one({"kind": "attribute", "key": "trial", "op": "is_true"})) == {"Aigerim"}
    assert names(workspace, one({"kind": "attribute", "key": "trial", "op": "is_false"})) == {"Boris"}
    assert names(workspace, one({"kind": "attribute", "key": "trial", "op": "is_set"})) == {"Aigerim", "Boris"}


# Events, pages, source, language, last seen (over every visitor of the contact)


@pytest.fixture
def crowd(workspace, inbox) -> dict[str, Contact]:
    """Aigerim: two browsers, three recent purchases, pricing page, Russian, from Google ads, seen today.
    Boris: one old purchase, docs page 20 days ago, English, referred by news.ycombinator.com, seen 40 days ago.
    Carl: a visitor that came direct and did nothing. Dana: no visitor at all."""
    a, b, c = person(workspace, "Aigerim"), person(workspace, "Boris"), person(workspace, "Carl")
    person(workspace, "Dana")
    a1 = browser(inbox, a, language="ru-RU", utm={"utm_source": "Google", "utm_medium": "cpc"}, last_seen_at=ago(0))
    a2 = browser(inbox, a, language="en", first_referrer="https://t.me/x", last_seen_at=ago(9))
    b1 = browser(inbox, b, language="en-GB", first_referrer="https://news.ycombinator.com/item", last_seen_at=ago(40))
    browser(inbox, c, language="kk", last_seen_at=ago(3))
    for visitor, days in ((a1, 1), (a1, 1.5), (a2, 3)):
        Event.objects.create(visitor=visitor, name="purchased", created_at=ago(days))
    Event.objects.create(visitor=b1, name="purchased", created_at=ago(60))
    PageView.objects.create(visitor=a2, url="https://shop.example.com/pricing?x=1", created_at=ago(2))
    PageView.objects.create(visitor=b1, url="https://shop.example.com/docs/setup", created_at=ago(20))
    return {"a": a, "b": b, "c": c}


def test_did_and_did_not_with_counts_and_windows(workspace, crowd):
    did = {"kind": "event", "op": "did", "name": "purchased"}
    assert names(workspace, one(did)) == {"Aigerim", "Boris"}
    assert names(workspace, one({**did, "days": 30})) == {"Aigerim"}
    assert names(workspace, one({**did, "count": 3})) == {"Aigerim"}  # counted across both browsers
    assert names(workspace, one({**did, "count": 3, "days": 2})) == set()
    assert names(workspace, one({**did, "count": 2, "days": 2})) == {"Aigerim"}
    assert names(workspace, one({**did, "op": "did_not"})) == {"Carl", "Dana"}
    assert names(workspace, one({**did, "op": "did_not", "days": 30})) == {"Boris", "Carl", "Dana"}
    assert names(workspace, one({**did, "name": "refunded"})) == set()


def test_pages_visited_within_days(workspace, crowd):
    assert names(workspace, one({"kind": "page", "op": "visited", "value": "/PRICING"})) == {"Aigerim"}
    assert names(workspace, one({"kind": "page", "op": "visited", "value": "shop.example.com"})) == {
        "Aigerim",
        "Boris",
    }
    assert names(workspace, one({"kind": "page", "op": "visited", "value": "/docs", "days": 7})) == set()
    assert names(workspace, one({"kind": "page", "op": "not_visited", "value": "/docs"})) == {
        "Aigerim",
        "Carl",
        "Dana",
    }


def test_source_language_and_last_seen(workspace, crowd):
    assert names(workspace, one({"kind": "source", "op": "utm_source_equals", "value": "google"})) == {"Aigerim"}
    assert names(workspace, one({"kind": "source", "op": "referrer_contains", "value": "ycombinator"})) == {"Boris"}
    assert names(workspace, one({"kind": "source", "op": "direct"})) == {"Carl"}
    assert names(workspace, one({"kind": "language", "op": "starts_with", "value": "ru"})) == {"Aigerim"}
    assert names(workspace, one({"kind": "language", "op": "starts_with", "value": "en"})) == {"Aigerim", "Boris"}
    assert names(workspace, one({"kind": "last_seen", "op": "within_days", "days": 7})) == {"Aigerim", "Carl"}
    # the latest of Aigerim's browsers counts: her older one does not make her "seen long ago"
    assert names(workspace, one({"kind": "last_seen", "op": "more_than_days_ago", "days": 7})) == {"Boris"}


def test_match_all_and_any(workspace, crowd):
    conditions = [
        {"kind": "language", "op": "starts_with", "value": "en"},
        {"kind": "last_seen", "op": "within_days", "days": 7},
    ]
    assert names(workspace, {"match": "all", "conditions": conditions}) == {"Aigerim"}
    assert names(workspace, {"match": "any", "conditions": conditions}) == {"Aigerim", "Boris", "Carl"}


def test_another_workspaces_rows_never_count(workspace, inbox, other_member, other_inbox, crowd):
    stranger = person(other_member.workspace, "Stranger")
    visitor = browser(other_inbox, stranger, language="ru")
    Event.objects.create(visitor=visitor, name="purchased")
    # A visitor of the other workspace wrongly linked to our contact still does not count for us.
    browser(other_inbox, crowd["c"], language="ru")

    assert names(workspace, one({"kind": "language", "op": "starts_with", "value": "ru"})) == {"Aigerim"}
    assert names(other_member.workspace, one({"kind": "event", "op": "did", "name": "purchased"})) == {"Stranger"}


# Invalid rules


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("nope", "Rules must be an object"),
        ({"match": "most", "conditions": []}, "“match” must be “all” or “any”"),
        ({"conditions": []}, "Add at least one condition"),
        ({"conditions": [{"kind": "weather", "op": "is"}]}, "Condition 1: unknown kind “weather”"),
        (
            {"conditions": [{"kind": "language", "op": "starts_with", "value": "ru"}, {"kind": "field", "op": "x"}]},
            "Condition 2 (Contact field): unknown operator “x”",
        ),
        (
            {"conditions": [{"kind": "field", "field": "age", "op": "is_set"}]},
            "Condition 1 (Contact field): unknown field “age”",
        ),
        ({"conditions": [{"kind": "attribute", "key": "shoe", "op": "is_set"}]}, "there is no attribute “shoe”"),
        (
            {"conditions": [{"kind": "attribute", "key": "seats", "op": "contains", "value": "1"}]},
            "is a number attribute",
        ),
        ({"conditions": [{"kind": "attribute", "key": "seats", "op": "gt", "value": "many"}]}, "expected a number"),
        (
            {"conditions": [{"kind": "attribute", "key": "seats", "op": "between", "value": [5, 1]}]},
            "must not be above",
        ),
        ({"conditions": [{"kind": "event", "op": "did", "name": ""}]}, "Condition 1 (Event): The event name is empty"),
        ({"conditions": [{"kind": "event", "op": "did", "name": "x", "count": 0}]}, "The count must be a whole number"),
        ({"conditions": [{"kind": "last_seen", "op": "within_days"}]}, "Condition 1 (Last seen): The number of days"),
        (
            {"conditions": [{"kind": "language", "op": "starts_with", "value": "ru"}] * (MAX_CONDITIONS + 1)},
            "at most 20 conditions",
        ),
    ],
)
def test_invalid_rules_say_which_condition_is_wrong(workspace, rules, message):
    define(workspace, "seats", AttributeDefinition.Type.NUMBER)

    with pytest.raises(InvalidInput) as caught:
        segment_filter(workspace.pk, rules)

    assert message in caught.value.detail


def test_an_attribute_of_another_workspace_is_not_known(workspace, other_member):
    define(other_member.workspace, "plan", AttributeDefinition.Type.TEXT)

    with pytest.raises(InvalidInput, match="no attribute “plan”"):
        segment_filter(workspace.pk, one({"kind": "attribute", "key": "plan", "op": "is_set"}))


# Members, in one query


def test_segment_members_is_one_query_however_many_contacts(member, workspace, inbox):
    define(workspace, "plan", AttributeDefinition.Type.TEXT)
    rules = {
        "match": "any",
        "conditions": [
            {"kind": "event", "op": "did", "name": "purchased", "count": 2, "days": 30},
            {"kind": "attribute", "key": "plan", "op": "equals", "value": "pro"},
            {"kind": "page", "op": "visited", "value": "/pricing"},
            {"kind": "last_seen", "op": "more_than_days_ago", "days": 30},
        ],
    }
    segment = actions.create_segment(member, name="Hot", rules=rules)
    for i in range(30):
        contact = person(workspace, f"P{i}", attributes={"plan": "pro" if i % 3 == 0 else "free"})
        visitor = browser(inbox, contact, last_seen_at=ago(i * 2))
        for _ in range(i % 3):
            Event.objects.create(visitor=visitor, name="purchased", created_at=ago(1))
        PageView.objects.create(visitor=visitor, url=f"https://shop.example.com/{'pricing' if i % 5 == 0 else 'x'}")
    segment = Segment.objects.get(pk=segment.pk)

    with CaptureQueriesContext(connection) as queries:
        members = list(segment_members(segment))

    assert len(queries) == 1
    expected = {f"P{i}" for i in range(30) if i % 3 != 1 or i % 5 == 0 or i * 2 > 30}
    assert {c.name for c in members} == expected


def test_segments_of_a_contact_costs_two_queries_for_any_number_of_segments(member, workspace, inbox, crowd):
    for i in range(10):
        actions.create_segment(
            member, name=f"Russian {i}", rules=one({"kind": "language", "op": "starts_with", "value": "ru"})
        )
    actions.create_segment(
        member, name="Buyers", rules=one({"kind": "event", "op": "did", "name": "purchased", "count": 3})
    )
    actions.create_segment(
        member, name="Gone", rules=one({"kind": "last_seen", "op": "more_than_days_ago", "days": 30})
    )

    with CaptureQueriesContext(connection) as queries:
        found = segments_of(crowd["a"])

    assert len(queries) == 2
    assert [s.name for s in found] == ["Buyers"] + [f"Russian {i}" for i in range(10)]
    assert [s.name for s in segments_of(crowd["b"])] == ["Gone"]


# Actions


def test_admins_create_update_and_delete_segments_with_unique_names(member, agent):
    rules = one({"kind": "language", "op": "starts_with", "value": "ru"})
    segment = actions.create_segment(member, name=" Russian  speakers ", rules=rules)
    assert segment.name == "Russian speakers"
    assert segment.rules == {"match": "all", "conditions": [{"kind": "language", "op": "starts_with", "value": "ru"}]}

    with pytest.raises(Conflict):
        actions.create_segment(member, name="russian speakers", rules=rules)
    with pytest.raises(Forbidden):
        actions.create_segment(agent, name="Mine", rules=rules)
    with pytest.raises(Forbidden):
        actions.delete_segment(agent, segment)

    actions.update_segment(member, segment, name="Russian", rules=one({"kind": "source", "op": "direct"}))
    segment.refresh_from_db()
    assert (segment.name, segment.rules["conditions"][0]["kind"]) == ("Russian", "source")

    actions.delete_segment(member, segment)
    assert not Segment.objects.exists()


def test_invalid_rules_save_nothing(member):
    with pytest.raises(InvalidInput, match="Condition 1 \\(Event\\)"):
        actions.create_segment(member, name="Bad", rules=one({"kind": "event", "op": "did"}))
    assert not Segment.objects.exists()


# Settings pages


def builder(name: str, *rows: dict[str, str], match: str = "all") -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "match": match}
    for key in ("kind", "subject", "op", "value", "value2", "count", "days"):
        data[key] = [row.get(key, "") for row in rows]
    return data


def test_an_admin_creates_a_segment_with_the_builder_and_sees_its_members(member, workspace, inbox, crowd):
    client = login(member)

    response = client.post(
        "/settings/segments/new/",
        builder("Buyers", {"kind": "event", "subject": "purchased", "op": "did", "count": "2", "days": "30"}),
    )

    segment = Segment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/settings/segments/{segment.public_id.hex}/"
    assert segment.rules["conditions"] == [{"kind": "event", "op": "did", "name": "purchased", "count": 2, "days": 30}]
    page = client.get(response["Location"]).content.decode()
    assert "Aigerim" in page and "Boris" not in page
    assert f"/inbox/people/{crowd['a'].public_id.hex}/" in page
    listing = client.get("/settings/segments/").content.decode()
    assert "Buyers" in listing and "data-count>1<" in listing


def test_bad_rules_re_render_the_form_with_the_error_and_save_nothing(member):
    response = login(member).post(
        "/settings/segments/new/", builder("Odd", {"kind": "last_seen", "op": "within_days", "days": "soon"})
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "Condition 1 (Last seen)" in page and 'value="Odd"' in page
    assert not Segment.objects.exists()


def test_an_admin_edits_and_deletes_a_segment(member):
    segment = actions.create_segment(
        member, name="Ru", rules=one({"kind": "language", "op": "starts_with", "value": "ru"})
    )
    client = login(member)
    url = f"/settings/segments/{segment.public_id.hex}/"
    assert 'value="ru"' in client.get(url).content.decode()

    client.post(url + "update/", builder("Kazakh", {"kind": "language", "op": "starts_with", "value": "kk"}))
    segment.refresh_from_db()
    assert segment.name == "Kazakh" and segment.rules["conditions"][0]["value"] == "kk"

    assert client.post(url + "delete/").status_code == 302
    assert not Segment.objects.exists()


def test_the_live_preview_counts_matching_contacts(member, crowd):
    client = login(member)

    ok = client.post(
        "/settings/segments/preview/", builder("", {"kind": "language", "op": "starts_with", "value": "en"})
    )
    bad = client.post("/settings/segments/preview/", builder("", {"kind": "page", "op": "visited", "value": ""}))

    assert "2 contacts match" in ok.content.decode()
    assert "Condition 1 (Page visit)" in bad.content.decode()


def test_add_condition_returns_one_empty_row(member):
    html = login(member).get("/settings/segments/condition/").content.decode()

    assert html.count("data-condition") == 1 and 'name="kind"' in html


def test_agents_see_segments_but_cannot_change_them(member, agent, crowd):
    segment = actions.create_segment(
        member, name="Ru", rules=one({"kind": "language", "op": "starts_with", "value": "ru"})
    )
    client = login(agent)

    listing = client.get("/settings/segments/")
    forbidden = [
        client.post("/settings/segments/new/", builder("Mine", {"kind": "source", "op": "direct"})),
        client.post(
            f"/settings/segments/{segment.public_id.hex}/update/", builder("X", {"kind": "source", "op": "direct"})
        ),
        client.post(f"/settings/segments/{segment.public_id.hex}/delete/"),
        client.post("/settings/segments/preview/", builder("", {"kind": "source", "op": "direct"})),
    ]

    assert listing.status_code == 200 and "Ru" in listing.content.decode()
    assert "Create segment" not in listing.content.decode()
    assert [r.status_code for r in forbidden] == [403, 403, 403, 403]
    assert list(Segment.objects.values_list("name", flat=True)) == ["Ru"]


def test_the_settings_nav_links_to_segments(member):
    assert 'href="/settings/segments/"' in login(member).get("/settings/tags/").content.decode()


# The contact card


def test_the_contact_card_shows_the_contacts_segments(member, crowd):
    visitor = crowd["a"].visitors.order_by("-last_seen_at").first()
    actions.create_segment(member, name="Russian", rules=one({"kind": "language", "op": "starts_with", "value": "ru"}))
    actions.create_segment(
        member, name="Gone", rules=one({"kind": "last_seen", "op": "more_than_days_ago", "days": 30})
    )

    html = login(member).get(f"/inbox/people/{visitor.public_id.hex}/card/").content.decode()

    assert "data-segments" in html and "Russian" in html and "Gone" not in html


def test_a_segments_members_come_in_keyset_pages_of_fifty(member, workspace):
    Contact.objects.bulk_create(
        [Contact(workspace=workspace, name=f"P{i:02d}", email=f"p{i}@example.com") for i in range(55)]
    )
    segment = actions.create_segment(
        member, name="Emails", rules=one({"kind": "field", "field": "email", "op": "is_set"})
    )
    client = login(member)

    first = client.get(f"/settings/segments/{segment.public_id.hex}/")
    more = first.context["members_page"].next_cursor
    second = client.get(f"/settings/segments/{segment.public_id.hex}/", {"after": more})

    assert len(first.context["members_page"].contacts) == 50 and f"?after={more}" in first.content.decode()
    rest = second.context["members_page"]
    assert [c.name for c in rest.contacts] == ["P04", "P03", "P02", "P01", "P00"] and rest.next_cursor is None
