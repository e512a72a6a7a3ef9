"""Operators editing the contact card and merging two contacts."""

import pytest

from contacts.actions import (
    create_contact_for_visitor,
    identify_visitor,
    identity_signature,
    merge_contacts,
    update_contact,
)
from contacts.events import ContactMerged, ContactUpdated
from contacts.models import Contact, ContactMerge
from conversations import actions as conversation_actions
from conversations.models import Conversation
from core.errors import Conflict, InvalidInput, NotFound
from realtime import fanout
from visitors import actions as visitor_actions
from visitors.models import Event, PageView, Visitor


@pytest.fixture
def delivered(monkeypatch) -> list[object]:
    seen: list[object] = []
    monkeypatch.setattr(fanout, "deliver", lambda event, subject=None: seen.append(event))
    return seen


def contact_of(visitor: Visitor, **traits) -> Contact:
    return identify_visitor(visitor, traits=traits, signature=None)


def new_visitor(visitor: Visitor) -> Visitor:
    return visitor_actions.create_visitor(visitor.inbox, user_agent="Other", language="en")


def edit(member, contact, **changes):
    values = {"name": contact.name, "email": contact.email, "phone": contact.phone, "company": contact.company}
    return update_contact(member, contact, **{**values, **changes})


def test_an_operator_edits_the_contact_card(member, visitor, delivered, django_capture_on_commit_callbacks):
    contact = contact_of(visitor, email="mia@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        updated = update_contact(
            member, contact, name=" Mia Wong ", email="MIA.WONG@example.com", phone="+7 701 123 45 67", company="Acme"
        )

    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.phone, contact.company) == (
        "Mia Wong",
        "mia.wong@example.com",
        "+77011234567",
        "Acme",
    )
    assert updated.name == "Mia Wong"
    assert delivered == [ContactUpdated(member.workspace_id, contact.pk, member.pk)]


def test_an_edit_that_changes_nothing_emits_nothing(member, visitor, delivered, django_capture_on_commit_callbacks):
    contact = contact_of(visitor, email="mia@example.com", name="Mia")

    with django_capture_on_commit_callbacks(execute=True):
        edit(member, contact)

    assert delivered == []


def test_a_local_number_is_read_in_the_contacts_time_zone(member, visitor):
    visitor.time_zone = "Europe/Berlin"
    visitor.save(update_fields=["time_zone"])
    contact = contact_of(visitor, name="Mia")

    assert edit(member, contact, phone="030 1234567").phone == "+49301234567"


def test_empty_values_clear_fields(member, visitor):
    contact = contact_of(visitor, email="mia@example.com", name="Mia", company="Acme")

    edit(member, contact, company="", name="")

    contact.refresh_from_db()
    assert (contact.name, contact.company, contact.email) == ("", "", "mia@example.com")


def test_an_email_of_another_contact_is_a_conflict_suggesting_a_merge(member, visitor):
    contact_of(visitor, email="mia@example.com")
    other = contact_of(new_visitor(visitor), email="leo@example.com")

    with pytest.raises(Conflict, match="merge") as refused:
        edit(member, other, email="Mia@example.com")

    assert refused.value.code == "email_taken"
    other.refresh_from_db()
    assert other.email == "leo@example.com"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"email": "nope"}, "invalid_email"),
        ({"phone": "garbage"}, "phone_needs_country"),
        ({"phone": "+1 2"}, "invalid_phone"),
        ({"name": "x" * 201}, "invalid_name"),
    ],
)
def test_bad_card_values_are_refused(member, visitor, changes, code):
    contact = contact_of(visitor, email="mia@example.com")

    with pytest.raises(InvalidInput) as refused:
        edit(member, contact, **changes)

    assert refused.value.code == code


def test_changing_a_verified_email_drops_the_verification(member, visitor):
    secret = visitor.inbox.identity_secret
    contact = identify_visitor(
        visitor, traits={"email": "mia@example.com"}, signature=identity_signature(secret, "mia@example.com")
    )

    edit(member, contact, name="Mia")
    assert Contact.objects.get(pk=contact.pk).verified
    edit(member, contact, email="mia@work.example.com")
    assert not Contact.objects.get(pk=contact.pk).verified


def test_another_workspaces_contact_cannot_be_edited(other_member, visitor):
    contact = contact_of(visitor, email="mia@example.com")

    with pytest.raises(NotFound):
        edit(other_member, contact, name="Stolen")


def test_merge_moves_visitors_conversations_page_views_and_events(
    member, visitor, delivered, django_capture_on_commit_callbacks
):
    keep = contact_of(visitor, email="mia@example.com", plan="pro")
    laptop = new_visitor(visitor)
    merge = contact_of(laptop, email="mia.w@example.com", name="Mia", phone="+77011234567", plan="free", seats=3)
    conversation = conversation_actions.send_visitor_message(laptop, text="Hi", client_id="1").message.conversation
    PageView.objects.create(visitor=laptop, url="https://shop.example.com/pricing")
    Event.objects.create(visitor=laptop, name="signed_up")
    merged_public_id = merge.public_id

    with django_capture_on_commit_callbacks(execute=True):
        kept = merge_contacts(member, keep, merge)

    assert kept.pk == keep.pk
    assert not Contact.objects.filter(pk=merge.pk).exists()
    assert set(kept.visitors.values_list("pk", flat=True)) == {visitor.pk, laptop.pk}
    assert Conversation.objects.get(pk=conversation.pk).visitor.contact_id == keep.pk
    assert PageView.objects.filter(visitor__contact=keep).count() == 1
    assert Event.objects.filter(visitor__contact=keep, name="signed_up").count() == 1
    keep.refresh_from_db()
    assert (keep.email, keep.name, keep.phone) == ("mia@example.com", "Mia", "+77011234567")
    assert keep.attributes == {"plan": "pro", "seats": 3}
    record = ContactMerge.objects.get()
    assert (record.kept_id, record.merged_public_id, record.merged_by_id) == (keep.pk, merged_public_id, member.pk)
    assert record.merged_data["email"] == "mia.w@example.com"
    assert record.merged_data["attributes"] == {"plan": "free", "seats": 3}
    assert delivered[-1] == ContactMerged(member.workspace_id, keep.pk, merge.pk, member.pk)


def test_merge_keeps_verified_and_earlier_merge_records(member, visitor):
    secret = visitor.inbox.identity_secret
    a = contact_of(visitor, email="a@example.com")
    b = identify_visitor(
        new_visitor(visitor), traits={"email": "b@example.com"}, signature=identity_signature(secret, "b@example.com")
    )
    c = contact_of(new_visitor(visitor), email="c@example.com")
    merge_contacts(member, b, c)

    merge_contacts(member, a, b)

    a.refresh_from_db()
    assert a.verified
    assert ContactMerge.objects.filter(kept=a).count() == 2
    assert Contact.objects.count() == 1


def test_a_contact_cannot_be_merged_into_itself(member, visitor):
    contact = contact_of(visitor, email="mia@example.com")

    with pytest.raises(InvalidInput) as refused:
        merge_contacts(member, contact, contact)

    assert refused.value.code == "same_contact"
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_contacts_of_another_workspace_cannot_be_merged(member, other_member, visitor, other_inbox):
    ours = contact_of(visitor, email="mia@example.com")
    theirs = contact_of(visitor_actions.create_visitor(other_inbox, user_agent="", language=""), email="x@example.com")

    with pytest.raises(NotFound):
        merge_contacts(member, ours, theirs)
    with pytest.raises(NotFound):
        merge_contacts(other_member, theirs, ours)

    assert Contact.objects.count() == 2
    assert ContactMerge.objects.count() == 0


def test_an_operator_gives_an_anonymous_visitor_a_contact(
    member, visitor, delivered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact = create_contact_for_visitor(
            member, visitor, name="Mia", email="Mia@example.com", phone="+77011234567", company=""
        )

    visitor.refresh_from_db()
    assert visitor.contact == contact
    assert (contact.name, contact.email, contact.phone, contact.verified) == (
        "Mia",
        "mia@example.com",
        "+77011234567",
        False,
    )
    assert delivered == [ContactUpdated(member.workspace_id, contact.pk, member.pk)]


def test_an_operator_typing_a_known_email_links_the_visitor_to_that_contact(member, visitor):
    mia = contact_of(new_visitor(visitor), email="mia@example.com", name="Mia")

    linked = create_contact_for_visitor(member, visitor, name="Someone", email="mia@example.com", phone="", company="")

    assert linked.pk == mia.pk
    assert Contact.objects.get(pk=mia.pk).name == "Mia"
    assert Contact.objects.count() == 1


def test_an_empty_card_or_another_workspaces_visitor_is_refused(member, other_member, visitor):
    with pytest.raises(InvalidInput):
        create_contact_for_visitor(member, visitor, name=" ", email="", phone="", company="")
    with pytest.raises(NotFound):
        create_contact_for_visitor(other_member, visitor, name="Mia", email="", phone="", company="")

    assert Contact.objects.count() == 0
