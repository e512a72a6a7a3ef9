"""GDPR requests: everything stored about a person as JSON, and erasing them everywhere."""

import json

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.test import Client

from contacts import actions
from contacts.models import Contact, ContactMerge, ContactNote, ImportJob, Task
from conversations import actions as conversation_actions
from conversations.models import Attachment, Conversation, Message, Notification
from conversations.uploads import Upload
from core.errors import Forbidden
from visitors.actions import create_visitor
from visitors.models import Event, PageView, Visitor

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EMAIL = "aigerim.secret@example.com"
NAME = "Aigerim Zhanbyrbaeva"
PHONE = "+77011234567"


def login(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def person(member, visitor, inbox, agent):
    """A contact with two browsers, page views, events, a conversation with a private note and a file, a merge,
    a note and a task: everything the erasure must reach."""
    contact = actions.identify_visitor(visitor, traits={"email": EMAIL, "name": NAME, "phone": PHONE}, signature=None)
    visitor.refresh_from_db()
    second = create_visitor(inbox, user_agent="Phone UA", language="kk")
    Visitor.objects.filter(pk=second.pk).update(
        contact=contact, first_landing_url=f"https://shop.example.com/?email={EMAIL}"
    )
    PageView.objects.create(visitor=visitor, url="https://shop.example.com/cart", title=f"Cart of {NAME}")
    Event.objects.create(visitor=second, name="signup", properties={"email": EMAIL})
    conversation = conversation_actions.send_visitor_message(
        visitor, text=f"Hi, I am {NAME}", client_id="1"
    ).message.conversation
    Message.objects.create(
        conversation=conversation,
        seq=99,
        author_kind="operator",
        author_member=member,
        text=f"Note: {EMAIL}",
        private=True,
    )
    upload = Upload(
        name="passport.pdf", content_type="application/pdf", size=len(PDF), file=ContentFile(PDF, name="p.pdf")
    )
    sent = conversation_actions.reply_to_conversation(member, conversation, text="", client_id="3", attachment=upload)
    twin = Contact.objects.create(workspace=member.workspace, name="Twin", email="old.address@example.com")
    actions.merge_contacts(member, contact, twin)
    actions.add_contact_note(member, contact, text=f"{NAME} prefers calls")
    actions.create_task(member, contact, title=f"Call {NAME}", due_at=None, assignee=agent)
    Notification.objects.create(recipient=agent, kind="assigned", conversation=conversation, actor=member)
    job = actions.create_import_job(member, file_name="a.csv", text="email\n")
    ImportJob.objects.filter(pk=job.pk).update(
        errors=[
            {"row": 2, "column": "phone", "message": f"“{PHONE}x” for {EMAIL}"},
            {"row": 3, "column": "", "message": "other"},
        ]
    )
    contact.refresh_from_db()
    return {"contact": contact, "file": sent.message.attachment.file.name, "conversation": conversation}


def test_the_export_holds_everything_stored_about_the_person(member, person):
    contact = person["contact"]
    response = login(member).get(f"/inbox/people/{contact.public_id.hex}/export.json")
    assert response.status_code == 200 and response.streaming
    data = json.loads(b"".join(response.streaming_content))
    assert data["contact"]["email"] == EMAIL and data["contact"]["name"] == NAME and data["contact"]["phone"] == PHONE
    assert len(data["visitors"]) == 2 and {v["user_agent"] for v in data["visitors"]} == {
        "Mozilla/5.0 Test",
        "Phone UA",
    }
    assert data["page_views"][0]["title"] == f"Cart of {NAME}"
    assert data["events"][0]["properties"] == {"email": EMAIL}
    assert data["conversations"][0]["public_id"] == person["conversation"].public_id.hex
    texts = {m["text"]: m for m in data["messages"]}
    assert texts[f"Hi, I am {NAME}"]["private_note"] is False
    assert texts[f"Note: {EMAIL}"]["private_note"] is True
    assert any(m["attachment"] == "passport.pdf" for m in data["messages"])
    assert data["notes"][0]["text"] == f"{NAME} prefers calls"
    assert data["tasks"][0]["title"] == f"Call {NAME}"
    assert data["merges"][0]["merged_data"]["email"] == "old.address@example.com"


def test_only_admins_export_or_erase(member, agent, person):
    contact = person["contact"]
    client = login(agent)
    assert client.get(f"/inbox/people/{contact.public_id.hex}/export.json").status_code == 403
    assert client.post(f"/inbox/people/{contact.public_id.hex}/delete/", {"confirm": "DELETE"}).status_code == 403
    with pytest.raises(Forbidden):
        actions.erase_contact(agent, contact)
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_another_workspace_gets_not_found(other_member, person):
    contact = person["contact"]
    client = login(other_member)
    assert client.get(f"/inbox/people/{contact.public_id.hex}/export.json").status_code == 404
    assert client.post(f"/inbox/people/{contact.public_id.hex}/delete/", {"confirm": "DELETE"}).status_code == 404


def test_erasing_needs_the_typed_confirmation(member, person):
    contact = person["contact"]
    response = login(member).post(f"/inbox/people/{contact.public_id.hex}/delete/", {"confirm": "delete"})
    assert response.status_code == 422 and Contact.objects.filter(pk=contact.pk).exists()


def _text_values(model: type[models.Model]) -> list[str]:
    fields = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField | models.URLField)
    ]
    return (
        [json.dumps(row, ensure_ascii=False, default=str) for row in model._default_manager.values(*fields)]
        if fields
        else []
    )


def test_erasing_leaves_no_personal_data_anywhere_and_deletes_the_files(
    member, person, django_capture_on_commit_callbacks
):
    contact = person["contact"]
    assert default_storage.exists(person["file"])
    with django_capture_on_commit_callbacks(execute=True):
        response = login(member).post(f"/inbox/people/{contact.public_id.hex}/delete/", {"confirm": "DELETE"})
    assert response.status_code == 302 and response["Location"] == "/inbox/people/"

    assert not default_storage.exists(person["file"])
    gone = (Contact, ContactNote, Task, ContactMerge, Visitor, PageView, Event, Conversation, Message, Attachment)
    assert {model.__name__: model.objects.count() for model in (*gone, Notification)} == dict.fromkeys(
        [m.__name__ for m in (*gone, Notification)], 0
    )
    leftovers = [
        (model.__name__, value)
        for model in apps.get_models()
        for value in _text_values(model)
        if any(secret.lower() in value.lower() for secret in (EMAIL, NAME, PHONE, "old.address@example.com"))
    ]
    assert leftovers == []
    assert [e["message"] for e in ImportJob.objects.get().errors] == ["other"]
