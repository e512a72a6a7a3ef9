"""Visitors send files from the widget and download the files of their own conversation."""

import time
from pathlib import Path

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conversations import actions
from conversations.models import Attachment, Message
from conversations.tests.test_uploads import EXE, PDF, png_bytes
from conversations.uploads import check_upload
from core.tests.fixtures import SITE
from visitors.actions import create_visitor
from widget.identity import sign_file_token
from widget.tests.test_api import API, auth, start


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_ORIGIN=SITE)


@pytest.fixture
def token(browser, inbox) -> str:
    return start(browser, inbox).json()["token"]


def send_file(browser: Client, token: str, name: str, content: bytes, **fields: str):
    data = {"file": SimpleUploadedFile(name, content, "image/png"), **fields}
    return browser.post(f"{API}/messages/attachments", data, **auth(token))


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def operator_file(member, conversation, name: str, content: bytes, *, note: bool = False) -> Message:
    send = actions.add_note if note else actions.reply_to_conversation
    upload = check_upload(SimpleUploadedFile(name, content), max_bytes=2 * 1024 * 1024)
    return send(member, conversation, text="", client_id=None, attachment=upload).message


def test_a_visitor_sends_an_image_with_text(browser, token, media):
    response = send_file(browser, token, "box.png", png_bytes(), text="It arrived broken", client_id="f-1")

    assert response.status_code == 201
    body = response.json()
    assert body["client_id"] == "f-1" and body["text"] == "It arrived broken"
    assert body["author"]["kind"] == "visitor"
    file = body["attachment"]
    assert {k: file[k] for k in ("name", "content_type", "size", "is_image")} == {
        "name": "box.png",
        "content_type": "image/png",
        "size": len(png_bytes()),
        "is_image": True,
    }
    assert file["url"].startswith("/widget/files/")
    message = Message.objects.get()
    assert message.attachment.file.read() == png_bytes()
    assert len(stored_files(media)) == 1


def test_a_retried_upload_is_stored_once(browser, token, media):
    first = send_file(browser, token, "receipt.pdf", PDF, client_id="f-1")
    again = send_file(browser, token, "receipt.pdf", PDF, client_id="f-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_history_carries_the_files(browser, token, member):
    send_file(browser, token, "receipt.pdf", PDF, client_id="f-1")
    conversation = Message.objects.get().conversation
    operator_file(member, conversation, "label.png", png_bytes())

    messages = browser.get(f"{API}/messages?after=0", **auth(token)).json()["messages"]

    assert [(m["author"]["kind"], m["attachment"]["name"], m["attachment"]["is_image"]) for m in messages] == [
        ("visitor", "receipt.pdf", False),
        ("operator", "label.png", True),
    ]


def test_a_file_over_the_workspace_limit_is_refused_and_nothing_is_stored(browser, token, workspace, media):
    workspace.attachment_max_bytes = 1024
    workspace.save()

    response = send_file(browser, token, "big.pdf", PDF + b"\x00" * 4096, client_id="f-1")

    assert response.status_code == 422
    assert response.json()["code"] == "file_too_large"
    assert "1 KB" in response.json()["detail"]
    assert not Message.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_request_far_over_the_limit_is_refused_before_its_body_is_read(browser, token, workspace, media):
    workspace.attachment_max_bytes = 1024
    workspace.save()

    response = send_file(browser, token, "huge.pdf", PDF + b"\x00" * 300_000)

    assert response.status_code == 422
    assert response.json()["code"] == "file_too_large"
    assert not Message.objects.exists()


def test_the_default_limit_is_2_mb(browser, token):
    response = send_file(browser, token, "big.pdf", PDF + b"\x00" * (2 * 1024 * 1024))

    assert response.status_code == 422
    assert response.json() == {"code": "file_too_large", "detail": "The file is too large: the limit is 2 MB."}


def test_a_disguised_file_is_refused(browser, token, media):
    response = send_file(browser, token, "cute-cat.png", EXE, client_id="f-1")

    assert response.status_code == 422
    assert response.json()["code"] == "file_type_not_allowed"
    assert not Message.objects.exists()
    assert stored_files(media) == []


def test_an_empty_file_or_no_file_is_refused(browser, token):
    assert send_file(browser, token, "empty.txt", b"").json()["code"] == "file_empty"
    missing = browser.post(f"{API}/messages/attachments", {"text": "hi"}, **auth(token))
    assert (missing.status_code, missing.json()["code"]) == (422, "file_missing")


def test_uploads_need_the_visitor_token_and_an_allowed_origin(browser, token, inbox):
    assert send_file(browser, "forged", "a.pdf", PDF).status_code == 401
    foreign = Client(HTTP_ORIGIN="https://evil.example.com")
    assert send_file(foreign, token, "a.pdf", PDF).json()["code"] == "origin_not_allowed"
    assert not Message.objects.exists()


def test_the_signed_link_downloads_the_file_without_any_other_credential(browser, token):
    url = send_file(browser, token, "receipt.pdf", PDF).json()["attachment"]["url"]

    response = Client().get(url)  # a plain <a> or <img> load: no token, no cookies

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


def test_the_operators_image_downloads_inline_for_the_visitor(browser, token, member):
    send_file(browser, token, "receipt.pdf", PDF)
    operator_file(member, Message.objects.get().conversation, "label.png", png_bytes())
    url = browser.get(f"{API}/messages?after=1", **auth(token)).json()["messages"][0]["attachment"]["url"]

    response = Client().get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")


def test_a_tampered_link_is_refused(browser, token):
    url = send_file(browser, token, "receipt.pdf", PDF).json()["attachment"]["url"]
    signed = url.removeprefix("/widget/files/").rstrip("/")
    tampered = signed[:-1] + ("A" if signed[-1] != "A" else "B")

    assert Client().get(f"/widget/files/{tampered}/").status_code == 404
    assert Client().get("/widget/files/garbage/").status_code == 404


def test_an_expired_link_is_refused(browser, token, monkeypatch):
    send_file(browser, token, "receipt.pdf", PDF)
    attachment = Attachment.objects.select_related("message__conversation__visitor").get()
    two_days_ago = int(time.time()) - 2 * 24 * 3600
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(two_days_ago))
    old = sign_file_token(attachment.public_id.hex, attachment.message.conversation.visitor.public_id.hex)
    monkeypatch.undo()

    response = Client().get(f"/widget/files/{old}/")

    assert response.status_code == 410
    assert response.content.decode().startswith("This link has expired")


def test_a_link_only_opens_files_of_the_visitor_it_was_given_to(browser, token, inbox):
    send_file(browser, token, "receipt.pdf", PDF)
    attachment = Attachment.objects.get()
    stranger = create_visitor(inbox, user_agent="", language="")

    forged = sign_file_token(attachment.public_id.hex, stranger.public_id.hex)

    assert Client().get(f"/widget/files/{forged}/").status_code == 404


def test_an_operators_note_with_a_file_never_reaches_the_visitor(browser, token, member):
    send_file(browser, token, "receipt.pdf", PDF)
    conversation = Message.objects.get().conversation
    note = operator_file(member, conversation, "internal.png", png_bytes(), note=True)
    actions.reply_to_conversation(member, conversation, text="We are on it", client_id=None)

    messages = browser.get(f"{API}/messages?after=0", **auth(token)).json()["messages"]

    assert [m["text"] for m in messages] == ["", "We are on it"]
    assert all(m["attachment"] is None or m["attachment"]["name"] != "internal.png" for m in messages)
    # Even a correctly signed link to the note's file opens nothing
    link = sign_file_token(note.attachment.public_id.hex, conversation.visitor.public_id.hex)
    assert Client().get(f"/widget/files/{link}/").status_code == 404
