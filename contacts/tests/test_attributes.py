"""Custom attributes of contacts: the actions and the settings pages."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contacts import actions
from contacts.models import AttributeDefinition, Contact
from contacts.queries import list_attributes_with_counts
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from workspaces.models import Member, Workspace


def login(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def plan(member: Member) -> AttributeDefinition:
    return actions.create_attribute(member, key="plan", label="Plan", type="list", options=["free", "pro"])


def contact(workspace: Workspace, name: str, **attributes: object) -> Contact:
    return Contact.objects.create(workspace=workspace, name=name, attributes=attributes)


# Actions


def test_an_admin_creates_typed_attributes(member):
    seats = actions.create_attribute(member, key="seats", label="  Seats ", type="number", options=["ignored"])
    tier = actions.create_attribute(
        member, key="tier", label="Tier", type="list", options=["gold", " gold", "", "silver"]
    )

    assert (seats.key, seats.label, seats.type, seats.options) == ("seats", "Seats", "number", [])
    assert tier.options == ["gold", "silver"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"key": "has space"}, "invalid_key"),
        ({"key": ""}, "invalid_key"),
        ({"key": "x" * 51}, "invalid_key"),
        ({"key": "email"}, "reserved_key"),
        ({"label": "  "}, "empty_label"),
        ({"label": "x" * 101}, "invalid_label"),
        ({"type": "colour"}, "invalid_type"),
        ({"type": "list", "options": []}, "empty_options"),
        ({"type": "list", "options": ["x" * 101]}, "invalid_options"),
    ],
)
def test_bad_attributes_are_refused_with_a_clear_error(member, fields, code):
    values = {"key": "plan", "label": "Plan", "type": "text", "options": [], **fields}

    with pytest.raises(InvalidInput) as raised:
        actions.create_attribute(member, **values)

    assert raised.value.code == code
    assert not AttributeDefinition.objects.exists()


def test_keys_are_unique_per_workspace(member, other_member):
    plan(member)

    with pytest.raises(Conflict) as raised:
        plan(member)
    assert raised.value.code == "attribute_exists"
    plan(other_member)  # another workspace may have its own
    assert AttributeDefinition.objects.filter(key="plan").count() == 2


def test_agents_may_not_change_attributes(member, agent):
    definition = plan(member)

    with pytest.raises(Forbidden):
        plan(agent)
    with pytest.raises(Forbidden):
        actions.update_attribute(agent, definition, label="X", type="text", options=[])
    with pytest.raises(Forbidden):
        actions.delete_attribute(agent, definition)
    definition.refresh_from_db()
    assert definition.label == "Plan"


def test_another_workspace_cannot_touch_our_attributes(member, other_member):
    definition = plan(member)

    with pytest.raises(NotFound):
        actions.update_attribute(other_member, definition, label="X", type="text", options=[])
    with pytest.raises(NotFound):
        actions.delete_attribute(other_member, definition)
    assert AttributeDefinition.objects.filter(pk=definition.pk).exists()


def test_label_and_options_change_any_time(member, workspace):
    definition = plan(member)
    contact(workspace, "Aigerim", plan="pro")

    actions.update_attribute(member, definition, label="Plan name", type="list", options=["free", "pro", "team"])

    definition.refresh_from_db()
    assert (definition.label, definition.options) == ("Plan name", ["free", "pro", "team"])


def test_the_type_changes_only_while_no_contact_has_a_value(member, workspace, other_member):
    definition = plan(member)
    contact(other_member.workspace, "Elsewhere", plan="pro")  # another workspace's values do not count

    actions.update_attribute(member, definition, label="Plan", type="text", options=[])
    contact(workspace, "Aigerim", plan="pro")
    with pytest.raises(Conflict) as raised:
        actions.update_attribute(member, definition, label="Plan", type="number", options=[])

    assert raised.value.code == "attribute_in_use"
    definition.refresh_from_db()
    assert (definition.type, definition.options) == ("text", [])


def test_deleting_an_attribute_removes_its_values_from_contacts(member, workspace, other_member):
    definition = plan(member)
    aigerim = contact(workspace, "Aigerim", plan="pro", seats=3)
    boris = contact(workspace, "Boris", seats=1)
    elsewhere = contact(other_member.workspace, "Elsewhere", plan="pro")

    with CaptureQueriesContext(connection) as queries:
        removed = actions.delete_attribute(member, definition)

    assert removed == 1
    assert not AttributeDefinition.objects.filter(pk=definition.pk).exists()
    for row in (aigerim, boris, elsewhere):
        row.refresh_from_db()
    assert (aigerim.attributes, boris.attributes, elsewhere.attributes) == ({"seats": 3}, {"seats": 1}, {"plan": "pro"})
    assert sum("UPDATE" in q["sql"] and "contacts_contact" in q["sql"] for q in queries.captured_queries) == 1


def test_too_many_attributes_are_refused(member):
    for i in range(actions.MAX_ATTRIBUTES):
        AttributeDefinition.objects.create(workspace=member.workspace, key=f"k{i}", label=f"K{i}")

    with pytest.raises(Conflict) as raised:
        plan(member)
    assert raised.value.code == "too_many_attributes"


# Pages


def test_the_list_shows_each_attribute_with_how_many_contacts_have_a_value(member, workspace):
    plan(member)
    actions.create_attribute(member, key="seats", label="Seats", type="number", options=[])
    contact(workspace, "Aigerim", plan="pro", seats=3)
    contact(workspace, "Boris", plan="free")
    contact(workspace, "Chen")
    client = login(member)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/settings/attributes/")
    few = len(queries.captured_queries)
    counts = {d.key: n for d, n in list_attributes_with_counts(member)}
    for i in range(5):
        actions.create_attribute(member, key=f"extra{i}", label=f"Extra {i}", type="text", options=[])
    with CaptureQueriesContext(connection) as queries:
        client.get("/settings/attributes/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<code>plan</code>" in page and "free, pro" in page and "Create attribute" in page
    assert counts == {"plan": 2, "seats": 1}
    assert "<td data-count>2</td>" in page and "<td data-count>1</td>" in page
    assert len(queries.captured_queries) == few  # counted by the database, whatever the number of attributes


def test_an_admin_creates_edits_and_deletes_from_the_pages(member, workspace):
    client = login(member)

    created = client.post(
        "/settings/attributes/new/", {"key": "tier", "label": "Tier", "type": "list", "options": "gold\nsilver\n"}
    )
    definition = AttributeDefinition.objects.get(key="tier")
    edited = client.post(
        f"/settings/attributes/{definition.public_id.hex}/update/",
        {"label": "Customer tier", "type": "list", "options": "gold\nsilver\nbronze"},
    )
    contact(workspace, "Aigerim", tier="gold")
    deleted = client.post(f"/settings/attributes/{definition.public_id.hex}/delete/", follow=True)

    assert created.status_code == edited.status_code == 302
    assert not AttributeDefinition.objects.exists()
    assert Contact.objects.get(name="Aigerim").attributes == {}
    assert "values were removed from 1 contact." in deleted.content.decode()


def test_bad_input_re_renders_the_form_with_the_error_and_the_values(member):
    response = login(member).post(
        "/settings/attributes/new/", {"key": "bad key!", "label": "My label", "type": "text", "options": ""}
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert 'data-error-code="invalid_key"' in page and 'value="My label"' in page
    assert not AttributeDefinition.objects.exists()


def test_a_type_change_of_an_attribute_in_use_shows_a_clear_error(member, workspace):
    definition = plan(member)
    contact(workspace, "Aigerim", plan="pro")

    response = login(member).post(
        f"/settings/attributes/{definition.public_id.hex}/update/", {"label": "Plan", "type": "number", "options": ""}
    )

    assert response.status_code == 409
    assert 'data-error-code="attribute_in_use"' in response.content.decode()


def test_agents_read_the_pages_but_get_forbidden_on_changes(member, agent):
    definition = plan(member)
    client = login(agent)

    listing = client.get("/settings/attributes/").content.decode()
    detail = client.get(f"/settings/attributes/{definition.public_id.hex}/").content.decode()
    posts = [
        client.post("/settings/attributes/new/", {"key": "x", "label": "X", "type": "text"}),
        client.post(f"/settings/attributes/{definition.public_id.hex}/update/", {"label": "X", "type": "text"}),
        client.post(f"/settings/attributes/{definition.public_id.hex}/delete/"),
    ]

    assert "<code>plan</code>" in listing and "Create attribute" not in listing
    assert "Only admins can change attributes." in detail
    assert [r.status_code for r in posts] == [403, 403, 403]
    assert list(AttributeDefinition.objects.values_list("key", "label")) == [("plan", "Plan")]


def test_an_outsider_gets_not_found(member, other_member):
    definition = plan(member)
    client = login(other_member)

    responses = [
        client.get(f"/settings/attributes/{definition.public_id.hex}/"),
        client.post(f"/settings/attributes/{definition.public_id.hex}/update/", {"label": "X", "type": "text"}),
        client.post(f"/settings/attributes/{definition.public_id.hex}/delete/"),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert "<code>plan</code>" not in client.get("/settings/attributes/").content.decode()
    assert AttributeDefinition.objects.get().label == "Plan"
