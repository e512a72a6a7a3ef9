"""Email inboxes: a business's mailbox whose mail becomes conversations, answered by email from that mailbox."""

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from contacts.models import Contact
from conversations import actions
from conversations.models import Conversation, Message
from conversations.uploads import check_upload
from integrations import actions as integration_actions
from integrations import continuity, email_channel, mailroom
from integrations.inbound import parse_email
from integrations.models import EmailMailbox, InboundEmail, OutboundEmail
from workspaces.models import Inbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _email_settings(settings):
    settings.INBOUND_EMAIL_DOMAIN = "in.parley.example"
    settings.INBOUND_EMAIL_SECRET = "s3cret-inbound"
    settings.PUBLIC_URL = "https://chat.shop.example.com"


@pytest.fixture
def support(member) -> EmailMailbox:
    inbox = integration_actions.create_email_inbox(member, name="Support email", address="Support@Shop.example.com")
    return inbox.mailbox


def email(
    text: str,
    *,
    to: str = "support@shop.example.com",
    sender: str = "Dana Frost <dana@example.com>",
    subject: str = "Order 1042 has not arrived",
    message_id: str = "first@mail.example.com",
    in_reply_to: str | None = None,
    **headers: str,
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
        message["References"] = f"<first@mail.example.com> <{in_reply_to}>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return parse_email(message.as_bytes())


def conversation_of(stored: InboundEmail) -> Conversation:
    assert stored.conversation_id is not None
    return Conversation.objects.select_related("visitor__contact", "inbox").get(pk=stored.conversation_id)


def send_replies() -> list[mail.EmailMessage]:
    for outbound in OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING):
        continuity.deliver(outbound.pk)
    return mail.outbox


# Inbound


def test_a_new_email_starts_a_conversation_in_the_email_inbox(support):
    stored = mailroom.receive(email("Hello,\n\nmy order 1042 has not arrived yet.\n\nDana"))

    conversation = conversation_of(stored)
    assert stored.status == InboundEmail.Status.ACCEPTED
    assert conversation.inbox == support.inbox and conversation.inbox.channel == Inbox.Channel.EMAIL
    contact = conversation.visitor.contact
    assert (contact.email, contact.name) == ("dana@example.com", "Dana Frost")
    [message] = conversation.messages.all()
    assert message.author_kind == Message.AuthorKind.VISITOR
    assert "my order 1042 has not arrived yet." in message.text
    assert conversation.email_thread.subject == "Order 1042 has not arrived"
    assert conversation.waiting_since is not None and conversation.unread_count == 1


def test_mail_forwarded_to_the_forwarding_address_lands_too(support):
    forwarded = email("Hi there", to="someone-else@shop.example.com")
    stored = mailroom.receive(forwarded, recipients=[email_channel.forwarding_address(support)])

    assert conversation_of(stored).inbox_id == support.inbox_id


def test_a_known_contact_is_reused_and_each_new_email_is_its_own_conversation(support, workspace):
    Contact.objects.create(workspace=workspace, email="dana@example.com", name="Dana F.")

    first = conversation_of(mailroom.receive(email("One")))
    second = conversation_of(mailroom.receive(email("Two", subject="Invoice", message_id="second@mail.example.com")))

    assert Contact.objects.filter(workspace=workspace).count() == 1
    assert first.visitor_id == second.visitor_id and first.pk != second.pk
    assert first.visitor.contact.name == "Dana F."  # what the team wrote stays


def test_the_same_email_delivered_twice_is_stored_once(support):
    first = mailroom.receive(email("Hello"))
    again = mailroom.receive(email("Hello"))

    assert first.pk == again.pk
    assert Conversation.objects.count() == 1 and Message.objects.count() == 1


def test_an_auto_reply_to_the_mailbox_starts_no_conversation(support):
    stored = mailroom.receive(email("I am out of office", Auto_Submitted="auto-replied"))

    assert stored.status == InboundEmail.Status.IGNORED and stored.conversation is None
    assert not Conversation.objects.exists()


def test_mail_to_an_address_nobody_connected_is_refused(support):
    with pytest.raises(mailroom.UnknownReplyAddress):
        mailroom.receive(email("Hello", to="sales@shop.example.com"))
    with pytest.raises(mailroom.UnknownReplyAddress):
        mailroom.receive(email("Hello", to="nobody@example.org"), recipients=["inbox+0000@in.parley.example"])


def test_a_revoked_inbox_takes_no_more_mail(support):
    Inbox.objects.filter(pk=support.inbox_id).update(revoked_at="2026-12-01T00:00:00Z")

    with pytest.raises(mailroom.UnknownReplyAddress):
        mailroom.receive(email("Hello"))


def test_the_webhook_routes_a_new_email_to_its_mailbox(support):
    message = EmailMessage()
    message["From"] = "dana@example.com"
    message["To"] = "support@shop.example.com"
    message["Subject"] = "Question"
    message.set_content("Do you ship to Almaty?")

    response = Client().post(
        "/integrations/email/inbound",
        message.as_bytes(),
        content_type="message/rfc822",
        headers={"Authorization": "Bearer s3cret-inbound"},
    )

    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert Conversation.objects.get().inbox_id == support.inbox_id


# Replies go out as email replies


@pytest.fixture
def conversation(support) -> Conversation:
    return conversation_of(mailroom.receive(email("Where is my order?\n\n-- \nDana")))


def test_an_operator_reply_is_queued_at_once(member, conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_to_conversation(member, conversation, text="It ships today.", client_id=None)

    ready = DBTaskResult.objects.ready().filter(task_path="integrations.tasks.email_unseen_replies")
    assert ready.count() == 1


def test_the_reply_is_an_email_reply_from_the_mailbox(member, conversation):
    actions.reply_to_conversation(member, conversation, text="It ships **today**.", client_id=None)

    outbound = continuity.email_unseen_replies(conversation.pk)
    [sent] = send_replies()

    assert outbound is not None
    assert sent.from_email == "Shop <support@shop.example.com>"
    assert sent.to == ["Dana Frost <dana@example.com>"]
    assert sent.subject == "Re: Order 1042 has not arrived"
    assert sent.reply_to == []  # answers go to the mailbox, which forwards them here
    headers = message_from_bytes(sent.message().as_bytes(), policy=policy.default)
    assert headers["In-Reply-To"].strip() == "<first@mail.example.com>"
    assert "<first@mail.example.com>" in headers["References"]
    assert headers["List-Unsubscribe"] is None
    assert sent.body.startswith("It ships **today**.")
    assert "Dana Frost wrote:" in sent.body and "> Where is my order?" in sent.body
    assert "<strong>today</strong>" in sent.alternatives[0][0]


def test_files_the_operator_attached_go_with_the_reply(member, conversation):
    pdf = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4\n% invoice 1042\n%%EOF\n", "application/pdf")
    upload = check_upload(pdf, max_bytes=member.workspace.attachment_max_bytes)
    actions.reply_to_conversation(member, conversation, text="Here is the invoice.", client_id=None, attachment=upload)

    continuity.email_unseen_replies(conversation.pk)
    [sent] = send_replies()

    [(name, data, content_type)] = sent.attachments
    assert (name, content_type) == ("invoice.pdf", "application/pdf") and b"invoice 1042" in data


def test_the_customers_answer_threads_into_the_conversation_and_reopens_it(member, conversation):
    actions.reply_to_conversation(member, conversation, text="It ships today.", client_id=None)
    outbound = continuity.email_unseen_replies(conversation.pk)
    actions.close_conversation(member, conversation)

    answer = email(
        "Thanks!\n\nOn Tue, Shop <support@shop.example.com> wrote:\n> It ships today.",
        subject="Re: Order 1042 has not arrived",
        message_id="answer@mail.example.com",
        in_reply_to=outbound.message_id,
    )
    stored = mailroom.receive(answer)

    assert stored.conversation_id == conversation.pk
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN
    assert conversation.messages.filter(author_kind=Message.AuthorKind.VISITOR).last().text == "Thanks!"


def test_an_answer_from_someone_else_is_held(member, conversation):
    actions.reply_to_conversation(member, conversation, text="It ships today.", client_id=None)
    outbound = continuity.email_unseen_replies(conversation.pk)

    stored = mailroom.receive(
        email("Me too", sender="eve@example.net", message_id="eve@mail", in_reply_to=outbound.message_id)
    )

    assert stored.status == InboundEmail.Status.FLAGGED and stored.conversation_id == conversation.pk
    assert not conversation.messages.filter(text="Me too").exists()


def test_threading_headers_never_reach_into_another_mailbox(member, conversation, other_member):
    rival = integration_actions.create_email_inbox(other_member, name="Rival", address="help@rival.example.com")
    actions.reply_to_conversation(member, conversation, text="It ships today.", client_id=None)
    outbound = continuity.email_unseen_replies(conversation.pk)

    stored = mailroom.receive(
        email("Hi", to="help@rival.example.com", message_id="x@mail", in_reply_to=outbound.message_id)
    )

    assert conversation_of(stored).inbox_id == rival.pk


def test_the_widget_refuses_an_email_inboxs_key(support):
    response = Client().post(
        "/widget/api/v1/sessions",
        {"key": support.inbox.widget_key, "token": None, "language": "en"},
        content_type="application/json",
        headers={"Origin": "https://shop.example.com"},
    )

    assert response.status_code == 403 and response.json()["code"] == "invalid_key"


# The list


def test_email_conversations_show_their_channel_and_can_be_filtered(operator_client, conversation, visitor):
    actions.send_visitor_message(visitor, text="From the site", client_id="w1")

    both = operator_client.get("/inbox/").content.decode()
    only_email = operator_client.get("/inbox/?channel=email").content.decode()
    only_web = operator_client.get("/inbox/?channel=web").content.decode()

    assert 'data-channel="email"' in both and 'data-channel="web"' in both
    assert 'name="channel"' in both  # the filter shows once there are two channels
    assert 'data-channel="email"' in only_email and 'data-channel="web"' not in only_email
    assert 'data-channel="web"' in only_web and 'data-channel="email"' not in only_web
    assert (
        "Order 1042 has not arrived" in operator_client.get(f"/inbox/c/{conversation.public_id.hex}/").content.decode()
    )


# Settings


def test_an_admin_connects_a_mailbox_and_sees_where_to_forward_it(operator_client):
    response = operator_client.post(
        "/settings/email-inboxes/new/", {"name": "Sales", "address": "Sales@Shop.example.com"}, follow=True
    )

    mailbox = EmailMailbox.objects.get()
    assert mailbox.address == "sales@shop.example.com" and mailbox.inbox.channel == Inbox.Channel.EMAIL
    page = response.content.decode()
    assert email_channel.forwarding_address(mailbox) in page
    assert "sales@shop.example.com" in operator_client.get("/settings/inboxes/").content.decode()


@pytest.mark.parametrize(
    ("address", "status", "message"),
    [
        ("not an address", 422, "Enter a valid email address."),
        ("support@shop.example.com", 409, "is already connected to an inbox"),
        ("inbox+abc@in.parley.example", 422, "not an address of this server"),
    ],
)
def test_bad_mailbox_addresses_are_refused_clearly(operator_client, support, address, status, message):
    response = operator_client.post("/settings/email-inboxes/new/", {"name": "Sales", "address": address})

    assert response.status_code == status and message in response.content.decode()
    assert EmailMailbox.objects.count() == 1


def test_agents_may_look_but_not_connect_mailboxes(workspace, support, agent):
    client = Client()
    client.force_login(agent.user)

    assert client.get(f"/settings/email-inboxes/{support.inbox.public_id.hex}/").status_code == 200
    refused = client.post("/settings/email-inboxes/new/", {"name": "Sales", "address": "sales@shop.example.com"})
    assert refused.status_code == 403 and EmailMailbox.objects.count() == 1


def test_widget_settings_pages_do_not_open_for_an_email_inbox(operator_client, support):
    response = operator_client.get(f"/settings/inboxes/{support.inbox.public_id.hex}/appearance/")

    assert response.status_code == 404


def test_imap_settings_keep_the_password_and_restart_from_recent_mail_on_another_server(member, support):
    values = {
        "imap_host": "imap.shop.example.com",
        "imap_port": 993,
        "imap_ssl": True,
        "imap_username": "support",
        "imap_password": "pw-1",
        "imap_folder": "INBOX",
    }
    integration_actions.set_imap(member, support, **values)
    EmailMailbox.objects.filter(pk=support.pk).update(imap_last_uid=41, imap_uidvalidity=7)
    support.refresh_from_db()

    integration_actions.set_imap(member, support, **{**values, "imap_password": ""})
    support.refresh_from_db()
    assert support.imap_password == "pw-1" and support.imap_last_uid == 41

    integration_actions.set_imap(member, support, **{**values, "imap_host": "mail.other.example", "imap_password": ""})
    support.refresh_from_db()
    assert (support.imap_last_uid, support.imap_uidvalidity) == (0, None)
