"""Operators send files from the inbox and download them; nobody else can."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts import actions as account_actions
from accounts.actions import issue_api_token
from conversations import actions
from conversations.models import Attachment, Message
from conversations.tests.test_uploads import EXE, PDF, png_bytes
from conversations.uploads import check_upload
from workspaces import actions as workspace_actions
from workspaces.models import Member


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def conversation(visitor):
    return actions.send_visitor_message(visitor, text="Here is my order", client_id="v1").message.conversation


def reply_url(conversation) -> str:
    return f"/inbox/c/{conversation.public_id.hex}/reply/"


def file_url(attachment: Attachment) -> str:
    return f"/inbox/files/{attachment.public_id.hex}/"


def send_from_inbox(client: Client, conversation, name: str, content: bytes, text: str = "", **extra: str):
    data = {"text": text, "client_id": "r1", "file": SimpleUploadedFile(name, content, "application/octet-stream")}
    return client.post(reply_url(conversation), {**data, **extra}, HTTP_HX_REQUEST="true")


def reply_with_file(member: Member, conversation, name: str, content: bytes) -> Attachment:
    upload = check_upload(SimpleUploadedFile(name, content), max_bytes=2 * 1024 * 1024)
    sent = actions.reply_to_conversation(member, conversation, text="", client_id=None, attachment=upload)
    return sent.message.attachment


def test_an_operator_sends_a_pdf_from_the_reply_form(operator_client, conversation, media):
    response = send_from_inbox(operator_client, conversation, "Invoice 1042.pdf", PDF, text="Your invoice")

    assert response.status_code == 200
    message = Message.objects.get(client_id="r1")
    attachment = message.attachment
    assert (message.text, message.author_kind, message.private) == ("Your invoice", "operator", False)
    assert (attachment.name, attachment.content_type, attachment.size) == (
        "Invoice 1042.pdf",
        "application/pdf",
        len(PDF),
    )
    # Stored through the storage API under a random name, not the sender's
    assert default_storage.exists(attachment.file.name)
    assert attachment.file.name == f"attachments/{attachment.workspace_id}/{attachment.public_id.hex}"
    assert (Path(media) / attachment.file.name).read_bytes() == PDF
    # The fragment shows a download link with the name and size
    html = response.content.decode()
    assert f'href="{file_url(attachment)}"' in html
    assert "Invoice 1042.pdf" in html and "Your invoice" in html
    assert "<img" not in html


def test_an_image_is_shown_inline_with_its_name_as_alt_text(operator_client, conversation):
    response = send_from_inbox(operator_client, conversation, "box.png", png_bytes())

    attachment = Attachment.objects.get()
    html = response.content.decode()
    assert f'<img src="{file_url(attachment)}" alt="box.png" loading="lazy"' in html
    assert Message.objects.get(client_id="r1").text == ""  # a file alone is a message


def test_a_private_note_can_carry_a_file(operator_client, conversation):
    response = send_from_inbox(operator_client, conversation, "internal.pdf", PDF, note="1")

    assert response.status_code == 200
    assert Attachment.objects.get().message.private is True


def test_a_disguised_file_is_refused_and_nothing_is_stored(operator_client, conversation, media):
    response = send_from_inbox(operator_client, conversation, "photo.png", EXE)

    assert response.status_code == 422
    assert "cannot be sent" in response.content.decode()
    assert not Message.objects.filter(client_id="r1").exists()
    assert not Path(media).exists() or not any(Path(media).rglob("*.*"))


def test_a_file_over_the_workspace_limit_is_refused(operator_client, conversation, workspace):
    workspace.attachment_max_bytes = 1024
    workspace.save()

    response = send_from_inbox(operator_client, conversation, "big.pdf", PDF + b"\x00" * 2048)

    assert response.status_code == 422
    assert "the limit is 1 KB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_operator_downloads_a_document_as_an_attachment(operator_client, conversation, member):
    attachment = reply_with_file(member, conversation, "Invoice 1042.pdf", PDF)

    response = operator_client.get(file_url(attachment))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Invoice 1042.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


def test_an_image_is_served_inline(operator_client, conversation, member):
    attachment = reply_with_file(member, conversation, "box.png", png_bytes())

    response = operator_client.get(file_url(attachment))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"] == "sandbox"


def test_a_text_file_is_served_as_plain_text_never_as_a_page(operator_client, conversation, member):
    attachment = reply_with_file(member, conversation, "page.txt", b"<script>alert(1)</script>")

    response = operator_client.get(file_url(attachment))

    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_operator_of_another_workspace_gets_404(conversation, member, other_member):
    attachment = reply_with_file(member, conversation, "Invoice.pdf", PDF)
    rival = Client()
    rival.force_login(other_member.user)

    assert rival.get(file_url(attachment)).status_code == 404


def test_an_agent_who_does_not_work_the_inbox_gets_404(conversation, member, workspace, inbox):
    attachment = reply_with_file(member, conversation, "Invoice.pdf", PDF)
    user = account_actions.create_user(email="carl@shop.example.com", name="Carl", password="s3cret-pass")
    agent = workspace_actions.add_member(workspace, user, role=Member.Role.AGENT)
    client = Client()
    client.force_login(user)
    assert client.get(file_url(attachment)).status_code == 200  # while he works the inbox

    inbox.members.remove(agent)

    assert client.get(file_url(attachment)).status_code == 404


def test_downloads_need_a_signed_in_operator(conversation, member):
    attachment = reply_with_file(member, conversation, "Invoice.pdf", PDF)

    response = Client().get(file_url(attachment))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_unknown_or_malformed_file_id_is_404(operator_client):
    assert operator_client.get("/inbox/files/0123456789abcdef0123456789abcdef/").status_code == 404
    assert operator_client.get("/inbox/files/not-an-id/").status_code == 404


def test_the_conversation_pane_shows_files_and_the_reply_form_takes_them(operator_client, conversation, member):
    attachment = reply_with_file(member, conversation, "box.png", png_bytes())

    html = operator_client.get(f"/inbox/c/{conversation.public_id.hex}/").content.decode()

    assert f'<img src="{file_url(attachment)}" alt="box.png"' in html
    assert 'hx-encoding="multipart/form-data"' in html
    assert 'type="file" name="file"' in html


def test_the_rest_api_lists_a_message_with_its_file(conversation, member):
    attachment = reply_with_file(member, conversation, "Invoice.pdf", PDF)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(member, name='script').raw}")

    items = api.get(f"/api/v1/conversations/{conversation.public_id.hex}/messages").json()["items"]

    assert items[0]["attachment"] is None
    assert items[1]["attachment"] == {
        "name": "Invoice.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "url": file_url(attachment),
        "is_image": False,
    }
