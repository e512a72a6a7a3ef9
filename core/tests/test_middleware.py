"""Responses are gzipped when it is worth it."""

import gzip
import json

from django.test import Client

from core.tests.fixtures import SITE


def test_a_sent_message_is_answered_uncompressed(inbox):
    # given a visitor on the site, whose browser takes gzip
    browser = Client(HTTP_ORIGIN=SITE, HTTP_ACCEPT_ENCODING="gzip")
    session = browser.post("/widget/api/v1/sessions", {"key": inbox.widget_key}, content_type="application/json")
    token = session.json()["token"]

    # when they send a message
    response = browser.post(
        "/widget/api/v1/messages",
        {"text": "Hello", "client_id": "c-1"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    # then its answer, a few hundred bytes, is not worth compressing
    assert response.status_code == 201 and 200 < len(response.content) < 1024
    assert not response.has_header("Content-Encoding")
    assert json.loads(response.content)["text"] == "Hello"


def test_a_long_response_is_gzipped_for_clients_that_take_it(operator_client):
    response = operator_client.get("/inbox/", HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"<html" in gzip.decompress(response.content)
    assert not operator_client.get("/inbox/").has_header("Content-Encoding")
