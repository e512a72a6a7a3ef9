"""POST /widget/api/v1/identify and /capture as the widget calls them from a visitor's browser."""

from typing import Any

import pytest
from django.test import Client

from contacts.actions import identity_signature
from contacts.models import Contact
from core.tests.fixtures import SITE
from visitors.models import Visitor
from widget.identity import sign_visitor_token

API = "/widget/api/v1"


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_ORIGIN=SITE)


def auth(visitor: Visitor) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {sign_visitor_token(visitor)}"}


def identify(browser: Client, visitor: Visitor, traits: dict[str, Any], signature: str | None = None):
    return browser.post(
        f"{API}/identify",
        {"traits": traits, "signature": signature},
        content_type="application/json",
        **auth(visitor),
    )


def capture(browser: Client, visitor: Visitor, **body: str):
    return browser.post(f"{API}/capture", body, content_type="application/json", **auth(visitor))


def test_identify_returns_the_contact(browser, visitor):
    response = identify(browser, visitor, {"email": "Mia@Example.com", "name": "Mia", "plan": "pro"})

    assert response.status_code == 200
    assert response.json() == {"contact": {"name": "Mia", "email": "mia@example.com", "phone": "", "verified": False}}
    visitor.refresh_from_db()
    assert visitor.contact.attributes == {"plan": "pro"}


def test_a_signed_identify_returns_a_verified_contact(browser, visitor):
    signature = identity_signature(visitor.inbox.identity_secret, "mia@example.com")

    response = identify(browser, visitor, {"email": "mia@example.com"}, signature)

    assert response.status_code == 200
    assert response.json()["contact"]["verified"] is True


@pytest.mark.parametrize(
    ("traits", "signature", "status", "code"),
    [
        ({"email": "mia@example.com"}, "f" * 64, 403, "invalid_signature"),
        ({"name": "Mia"}, "f" * 64, 422, "email_required"),
        ({"email": "mia@"}, None, 422, "invalid_email"),
        ({"phone": "12345"}, None, 422, "phone_needs_country"),
        ({"phone": "+1 2"}, None, 422, "invalid_phone"),
        ({}, None, 422, "empty_traits"),
        ({"seats": [1]}, None, 422, "invalid_attribute"),
    ],
)
def test_bad_identify_calls_get_clear_errors(browser, visitor, traits, signature, status, code):
    response = identify(browser, visitor, traits, signature)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert Contact.objects.count() == 0


def test_an_unsigned_identify_of_a_verified_email_is_refused(browser, visitor, inbox):
    signature = identity_signature(inbox.identity_secret, "mia@example.com")
    identify(browser, visitor, {"email": "mia@example.com"}, signature)
    intruder = Visitor.objects.create(workspace=inbox.workspace, inbox=inbox)

    response = identify(browser, intruder, {"email": "mia@example.com", "name": "Hacker"})

    assert response.status_code == 403
    assert response.json()["code"] == "identity_unverified"


def test_traits_must_be_an_object(browser, visitor):
    response = browser.post(
        f"{API}/identify", {"traits": "mia@example.com"}, content_type="application/json", **auth(visitor)
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_identify_needs_the_visitor_token(browser, visitor):
    response = browser.post(f"{API}/identify", {"traits": {"name": "Mia"}}, content_type="application/json")
    forged = browser.post(
        f"{API}/identify",
        {"traits": {"name": "Mia"}},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer forged",
    )

    assert (response.status_code, forged.status_code) == (401, 401)
    assert forged.json()["code"] == "invalid_token"


def test_identify_from_a_page_of_another_site_is_refused(visitor):
    response = identify(Client(HTTP_ORIGIN="https://evil.example.net"), visitor, {"name": "Mia"})

    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert Contact.objects.count() == 0


def test_capture_saves_a_typed_email(browser, visitor):
    response = capture(browser, visitor, email="Mia@Example.com")

    assert response.status_code == 200
    assert response.json()["contact"]["email"] == "mia@example.com"


def test_capture_is_204_when_the_inbox_turned_it_off(browser, visitor, inbox):
    inbox.capture_emails = False
    inbox.save(update_fields=["capture_emails"])

    response = capture(browser, visitor, email="mia@example.com")

    assert response.status_code == 204
    assert Contact.objects.count() == 0


def test_capture_of_an_invalid_email_is_422(browser, visitor):
    response = capture(browser, visitor, email="mia at example")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_email"


def test_capture_from_another_site_is_refused(visitor):
    response = capture(Client(HTTP_ORIGIN="https://evil.example.net"), visitor, email="mia@example.com")

    assert response.status_code == 403
    assert Contact.objects.count() == 0
