"""Identifying visitors from the site: linking, signatures, validation, custom attributes, captured details."""

import pytest

from contacts.actions import (
    MAX_ATTRIBUTES,
    capture_contact_detail,
    identify_visitor,
    identity_signature,
)
from contacts.models import AttributeDefinition, Contact
from core.errors import Forbidden, InvalidInput
from visitors import actions as visitor_actions
from visitors.models import Visitor


def sign(visitor: Visitor, email: str) -> str:
    return identity_signature(visitor.inbox.identity_secret, email)


def another_browser(visitor: Visitor, time_zone: str = "") -> Visitor:
    other = visitor_actions.create_visitor(visitor.inbox, user_agent="Other", language="en")
    if time_zone:
        other.time_zone = time_zone
        other.save(update_fields=["time_zone"])
    return other


def in_time_zone(visitor: Visitor, time_zone: str) -> Visitor:
    visitor.time_zone = time_zone
    visitor.save(update_fields=["time_zone"])
    return visitor


def test_identify_creates_a_contact_and_links_the_visitor(visitor):
    contact = identify_visitor(
        visitor, traits={"email": " Mia@Example.COM ", "name": "Mia  Wong", "company": "Acme"}, signature=None
    )

    visitor.refresh_from_db()
    assert visitor.contact == contact
    assert (contact.email, contact.name, contact.company, contact.verified) == (
        "mia@example.com",
        "Mia Wong",
        "Acme",
        False,
    )
    assert visitor.display_name == "Mia Wong"


def test_identifying_again_does_not_duplicate_the_contact(visitor):
    first = identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=None)

    again = identify_visitor(visitor, traits={"email": "MIA@example.com", "name": "Mia"}, signature=None)

    assert again.pk == first.pk
    assert Contact.objects.count() == 1
    assert again.name == "Mia"


def test_the_same_email_from_two_browsers_is_one_contact_with_two_visitors(visitor):
    laptop = identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=None)
    phone = another_browser(visitor)

    same = identify_visitor(phone, traits={"email": "mia@example.com", "name": "Mia"}, signature=None)

    assert same.pk == laptop.pk
    assert Contact.objects.count() == 1
    assert set(same.visitors.values_list("pk", flat=True)) == {visitor.pk, phone.pk}


def test_a_signed_identify_verifies_the_contact(visitor):
    contact = identify_visitor(visitor, traits={"email": "Mia@example.com"}, signature=sign(visitor, "mia@example.com"))

    assert contact.verified


def test_a_wrong_signature_is_refused_and_nothing_changes(visitor):
    with pytest.raises(Forbidden) as refused:
        identify_visitor(visitor, traits={"email": "mia@example.com", "plan": "pro"}, signature="0" * 64)

    assert refused.value.code == "invalid_signature"
    visitor.refresh_from_db()
    assert visitor.contact is None
    assert Contact.objects.count() == 0
    assert AttributeDefinition.objects.count() == 0


def test_a_signature_with_another_inboxs_secret_is_refused(visitor, other_inbox):
    forged = identity_signature(other_inbox.identity_secret, "mia@example.com")

    with pytest.raises(Forbidden, match="signature"):
        identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=forged)


def test_a_signature_without_an_email_is_refused(visitor):
    with pytest.raises(InvalidInput) as refused:
        identify_visitor(visitor, traits={"name": "Mia"}, signature="abc")

    assert refused.value.code == "email_required"


def test_an_unsigned_identify_with_a_verified_email_is_refused_and_nothing_changes(visitor):
    verified = identify_visitor(
        visitor, traits={"email": "mia@example.com", "name": "Mia"}, signature=sign(visitor, "mia@example.com")
    )
    intruder = another_browser(visitor)

    with pytest.raises(Forbidden) as refused:
        identify_visitor(intruder, traits={"email": "mia@example.com", "name": "Hacker"}, signature=None)

    assert refused.value.code == "identity_unverified"
    intruder.refresh_from_db()
    verified.refresh_from_db()
    assert intruder.contact is None
    assert verified.name == "Mia"
    assert Contact.objects.count() == 1


def test_an_unsigned_identify_may_not_change_the_email_of_a_verified_visitor(visitor):
    identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=sign(visitor, "mia@example.com"))

    with pytest.raises(Forbidden) as refused:
        identify_visitor(visitor, traits={"email": "someone@example.com"}, signature=None)

    assert refused.value.code == "identity_unverified"
    visitor.refresh_from_db()
    assert visitor.contact.email == "mia@example.com"
    assert Contact.objects.count() == 1


def test_a_verified_visitor_may_fill_empty_fields_unsigned(visitor):
    contact = identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=sign(visitor, "mia@example.com"))

    again = identify_visitor(visitor, traits={"email": "mia@example.com", "name": "Mia"}, signature=None)

    assert (again.pk, again.name, again.verified) == (contact.pk, "Mia", True)


def test_an_unsigned_identify_fills_empty_fields_but_never_overwrites(visitor):
    identify_visitor(visitor, traits={"email": "mia@example.com", "name": "Mia", "plan": "free"}, signature=None)
    phone = another_browser(visitor)

    contact = identify_visitor(
        phone, traits={"email": "mia@example.com", "name": "Not Mia", "company": "Acme", "plan": "pro"}, signature=None
    )

    assert (contact.name, contact.company, contact.attributes) == ("Mia", "Acme", {"plan": "free"})


def test_a_signed_identify_overwrites(visitor):
    identify_visitor(visitor, traits={"email": "mia@example.com", "name": "Mia", "plan": "free"}, signature=None)

    contact = identify_visitor(
        visitor,
        traits={"email": "mia@example.com", "name": "Mia Wong", "plan": "pro"},
        signature=sign(visitor, "mia@example.com"),
    )

    assert (contact.name, contact.attributes["plan"], contact.verified) == ("Mia Wong", "pro", True)


def test_a_site_naming_someone_else_on_the_same_browser_gets_a_new_contact(visitor):
    mia = identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=None)

    leo = identify_visitor(visitor, traits={"email": "leo@example.com"}, signature=sign(visitor, "leo@example.com"))

    assert leo.pk != mia.pk
    mia.refresh_from_db()
    assert mia.email == "mia@example.com"
    visitor.refresh_from_db()
    assert visitor.contact == leo


def test_an_email_added_to_an_anonymous_contact_links_to_the_existing_owner(visitor):
    owner = identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=None)
    phone = another_browser(visitor)
    identify_visitor(phone, traits={"name": "Mia on the phone"}, signature=None)

    linked = identify_visitor(phone, traits={"email": "mia@example.com"}, signature=None)

    assert linked.pk == owner.pk


def test_invalid_email_is_refused(visitor):
    with pytest.raises(InvalidInput) as refused:
        identify_visitor(visitor, traits={"email": "mia@"}, signature=None)

    assert refused.value.code == "invalid_email"
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("time_zone", "typed", "stored"),
    [
        ("", "+7 701 123 45 67", "+77011234567"),
        ("", "+49 (30) 1234567", "+49301234567"),
        ("Asia/Almaty", "8 701 123 4567", "+77011234567"),
        ("Europe/Berlin", "030 1234567", "+49301234567"),
        ("Europe/Berlin", "+7 701 123 45 67", "+77011234567"),
    ],
)
def test_phones_are_stored_in_e164(visitor, time_zone, typed, stored):
    in_time_zone(visitor, time_zone)

    contact = identify_visitor(visitor, traits={"phone": typed}, signature=None)

    assert contact.phone == stored


def test_a_local_phone_without_a_known_time_zone_asks_for_the_international_format(visitor):
    with pytest.raises(InvalidInput, match=r"international format") as refused:
        identify_visitor(visitor, traits={"phone": "8 701 123 4567"}, signature=None)

    assert refused.value.code == "phone_needs_country"


@pytest.mark.parametrize("garbage", ["call me", "+1 23", "+7 000", "12345" * 10, ["+77011234567"]])
def test_garbage_phones_are_refused(visitor, garbage):
    in_time_zone(visitor, "Asia/Almaty")

    with pytest.raises(InvalidInput) as refused:
        identify_visitor(visitor, traits={"phone": garbage}, signature=None)

    assert refused.value.code == "invalid_phone"


@pytest.mark.parametrize(
    ("traits", "code"),
    [
        ({"name": "x" * 201}, "invalid_name"),
        ({"company": "x" * 201}, "invalid_company"),
        ({"avatar": "javascript:alert(1)"}, "invalid_avatar"),
        ({"avatar": "ftp://example.com/a.png"}, "invalid_avatar"),
        ({}, "empty_traits"),
        ({"email": None}, "empty_traits"),
        ({"bad key!": 1}, "invalid_attribute"),
        ({"notes": "x" * 1100}, "attribute_too_large"),
        ({"items": [1, 2]}, "invalid_attribute"),
        ({f"k{i}": i for i in range(60)}, "too_many_attributes"),
    ],
)
def test_bad_traits_are_refused_with_a_code(visitor, traits, code):
    with pytest.raises(InvalidInput) as refused:
        identify_visitor(visitor, traits=traits, signature=None)

    assert refused.value.code == code
    assert Contact.objects.count() == 0


@pytest.mark.parametrize("key", ["avatar", "avatar_url"])
def test_an_avatar_url_is_kept(visitor, key):
    contact = identify_visitor(visitor, traits={key: "https://cdn.example.com/mia.png"}, signature=None)

    assert contact.avatar_url == "https://cdn.example.com/mia.png"
    assert contact.attributes == {}


def test_unknown_attributes_are_defined_with_an_inferred_type(visitor):
    contact = identify_visitor(
        visitor,
        traits={"plan": "pro", "seats": 12, "mrr": 99.5, "trial": True, "signed_up": "2026-03-31"},
        signature=None,
    )

    types = dict(AttributeDefinition.objects.values_list("key", "type"))
    assert types == {"plan": "text", "seats": "number", "mrr": "number", "trial": "boolean", "signed_up": "date"}
    assert contact.attributes == {"plan": "pro", "seats": 12, "mrr": 99.5, "trial": True, "signed_up": "2026-03-31"}
    assert AttributeDefinition.objects.get(key="signed_up").label == "Signed up"


def test_values_are_coerced_to_the_defined_type(visitor):
    identify_visitor(visitor, traits={"seats": 1, "trial": False, "signed_up": "2026-01-01"}, signature=None)
    other = another_browser(visitor)

    contact = identify_visitor(
        other, traits={"seats": "42", "trial": "yes", "signed_up": "2026-03-31T10:00:00Z"}, signature=None
    )

    assert contact.attributes == {"seats": 42, "trial": True, "signed_up": "2026-03-31"}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("seats", "many", "expected a number"),
        ("seats", True, "expected a number"),
        ("trial", "maybe", "expected true or false"),
        ("signed_up", "31/03/2026", "expected a date"),
        ("tier", "platinum", "expected one of: free, pro"),
    ],
)
def test_values_that_do_not_fit_the_type_are_refused(visitor, workspace, key, value, message):
    AttributeDefinition.objects.create(workspace=workspace, key="seats", label="Seats", type="number")
    AttributeDefinition.objects.create(workspace=workspace, key="trial", label="Trial", type="boolean")
    AttributeDefinition.objects.create(workspace=workspace, key="signed_up", label="Signed up", type="date")
    AttributeDefinition.objects.create(
        workspace=workspace, key="tier", label="Tier", type="list", options=["free", "pro"]
    )

    with pytest.raises(InvalidInput, match=message) as refused:
        identify_visitor(visitor, traits={"email": "mia@example.com", key: value}, signature=None)

    assert refused.value.code == "invalid_attribute"
    assert Contact.objects.count() == 0


def test_a_list_attribute_takes_one_of_its_options(visitor, workspace):
    AttributeDefinition.objects.create(
        workspace=workspace, key="tier", label="Tier", type="list", options=["free", "pro"]
    )

    contact = identify_visitor(visitor, traits={"tier": "pro"}, signature=None)

    assert contact.attributes == {"tier": "pro"}


def test_a_workspace_has_at_most_50_attributes(visitor, workspace):
    AttributeDefinition.objects.bulk_create(
        AttributeDefinition(workspace=workspace, key=f"a{i}", label=f"A{i}") for i in range(MAX_ATTRIBUTES)
    )

    with pytest.raises(InvalidInput) as refused:
        identify_visitor(visitor, traits={"one_more": "x"}, signature=None)

    assert refused.value.code == "too_many_attributes"
    contact = identify_visitor(visitor, traits={"a1": "existing keys still work"}, signature=None)
    assert contact.attributes == {"a1": "existing keys still work"}


def test_attributes_of_another_workspace_do_not_count(visitor, other_inbox):
    stranger = visitor_actions.create_visitor(other_inbox, user_agent="", language="")
    identify_visitor(stranger, traits={"plan": 3}, signature=None)

    contact = identify_visitor(visitor, traits={"plan": "pro"}, signature=None)

    assert contact.attributes == {"plan": "pro"}
    assert AttributeDefinition.objects.filter(key="plan").count() == 2


def test_the_same_email_in_another_workspace_is_another_contact(visitor, other_inbox):
    stranger = visitor_actions.create_visitor(other_inbox, user_agent="", language="")
    theirs = identify_visitor(stranger, traits={"email": "mia@example.com"}, signature=None)

    ours = identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=None)

    assert ours.pk != theirs.pk
    assert ours.workspace_id == visitor.workspace_id


# ---------------------------------------------------------------- capture


def test_a_captured_email_creates_the_contact(visitor):
    contact = capture_contact_detail(visitor, email="Mia@Example.com")

    assert contact is not None and contact.email == "mia@example.com"
    visitor.refresh_from_db()
    assert visitor.contact == contact


def test_a_captured_phone_fills_an_empty_phone(visitor):
    in_time_zone(visitor, "Asia/Almaty")
    identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=None)

    contact = capture_contact_detail(visitor, phone="87011234567")

    assert contact is not None and contact.phone == "+77011234567"


def test_capture_off_does_nothing(visitor):
    visitor.inbox.capture_emails = False
    visitor.inbox.save(update_fields=["capture_emails"])

    assert capture_contact_detail(visitor, email="mia@example.com") is None
    visitor.refresh_from_db()
    assert visitor.contact is None
    assert Contact.objects.count() == 0


def test_capture_never_touches_a_verified_contact(visitor):
    verified = identify_visitor(
        visitor, traits={"email": "mia@example.com"}, signature=sign(visitor, "mia@example.com")
    )

    returned = capture_contact_detail(visitor, email="friend@example.com", phone="+77011234567")

    assert returned is not None and returned.pk == verified.pk
    verified.refresh_from_db()
    assert (verified.email, verified.phone) == ("mia@example.com", "")
    assert Contact.objects.count() == 1


def test_a_captured_email_never_replaces_a_known_one(visitor):
    mia = identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=None)

    returned = capture_contact_detail(visitor, email="friend@example.com")

    assert returned is not None and returned.pk == mia.pk
    assert list(Contact.objects.values_list("email", flat=True)) == ["mia@example.com"]


def test_a_captured_email_of_another_contact_does_not_move_a_known_visitor(visitor):
    mia = identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=None)
    leo = identify_visitor(another_browser(visitor), traits={"email": "leo@example.com"}, signature=None)

    returned = capture_contact_detail(visitor, email="leo@example.com")

    assert returned is not None and returned.pk == mia.pk
    visitor.refresh_from_db()
    assert visitor.contact_id == mia.pk != leo.pk


def test_capture_of_a_verified_email_by_another_browser_is_refused(visitor):
    identify_visitor(visitor, traits={"email": "mia@example.com"}, signature=sign(visitor, "mia@example.com"))
    intruder = another_browser(visitor)

    with pytest.raises(Forbidden, match="verified"):
        capture_contact_detail(intruder, email="mia@example.com")

    intruder.refresh_from_db()
    assert intruder.contact is None


@pytest.mark.parametrize(("email", "phone"), [("not-an-email", None), (None, "hello"), (None, None)])
def test_invalid_captured_values_are_refused(visitor, email, phone):
    with pytest.raises(InvalidInput):
        capture_contact_detail(visitor, email=email, phone=phone)

    assert Contact.objects.count() == 0
