"""Email continuity: replies a visitor missed go out in one email; their answer by email comes back into the
same conversation, once, from the right address only."""

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from asgiref.sync import async_to_sync
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from contacts import actions as contact_actions
from conversations import actions
from conversations.models import Conversation, Message
from integrations import continuity, mailroom
from integrations.inbound import parse_email
from integrations.models import ConversationEmail, InboundEmail, OutboundEmail
from visitors import sockets

LATER = timedelta(seconds=121)  # past EMAIL_REPLIES_AFTER_SECONDS (120)


@pytest.fixture(autouse=True)
def _email_settings(settings):
    settings.EMAIL_REPLIES_AFTER_SECONDS = 120
    settings.INBOUND_EMAIL_DOMAIN = "reply.shop.example.com"
    settings.DEFAULT_FROM_EMAIL = "chat@shop.example.com"
    settings.PUBLIC_URL = "https://chat.shop.example.com"
    settings.INBOUND_EMAIL_SECRET = "s3cret-inbound"


@pytest.fixture
def conversation(visitor) -> Conversation:
    contact_actions.leave_email(visitor, "dana@example.com")
    return actions.send_visitor_message(visitor, text="Do you ship to Almaty?", client_id="v1").message.conversation


def reply(member, conversation, text: str, *, ago: timedelta = LATER) -> Message:
    message = actions.reply_to_conversation(member, conversation, text=text, client_id=None).message
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - ago)
    return message


def deliver_queued() -> None:
    for outbound in OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING):
        continuity.deliver(outbound.pk)


def answer(thread: ConversationEmail, text: str, *, sender: str = "dana@example.com", message_id: str = "a1@mail"):
    email = EmailMessage()
    email["From"] = f"Dana <{sender}>"
    email["To"] = continuity.reply_address(thread)
    email["Subject"] = "Re: Your conversation with Shop"
    email["Message-ID"] = f"<{message_id}>"
    email.set_content(f"{text}\n\nOn Mon, 1 Dec 2026 at 10:00, Shop <{continuity.reply_address(thread)}> wrote:\n> Hi")
    return parse_email(email.as_bytes())


# Outbound


def test_a_reply_schedules_a_check_after_the_delay(member, conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_to_conversation(member, conversation, text="Yes, in 5 days.", client_id=None)

    task = DBTaskResult.objects.get(task_path="integrations.tasks.email_unseen_replies")
    assert task.args_kwargs["args"] == [conversation.pk]
    assert timedelta(seconds=110) < task.run_after - timezone.now() <= timedelta(seconds=120)


def test_notes_and_visitor_messages_schedule_nothing(member, conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_note(member, conversation, text="internal", client_id=None)
        actions.send_visitor_message(conversation.visitor, text="More", client_id="v2")

    assert not DBTaskResult.objects.filter(task_path="integrations.tasks.email_unseen_replies").exists()


def test_replies_the_visitor_missed_go_out_in_one_threaded_email(member, conversation):
    reply(member, conversation, "Yes, we ship to Almaty.", ago=LATER + timedelta(seconds=20))
    reply(member, conversation, "Delivery takes **5 days**.")

    outbound = continuity.email_unseen_replies(conversation.pk)
    deliver_queued()

    assert outbound is not None and (outbound.first_seq, outbound.last_seq) == (2, 3)
    [sent] = mail.outbox
    assert sent.to == ["dana@example.com"]
    assert sent.reply_to == [continuity.reply_address(conversation.email_thread)]
    body = sent.body
    assert "Yes, we ship to Almaty." in body and "Delivery takes" in body and "Do you ship to Almaty?" in body
    html = sent.alternatives[0][0]
    assert "<strong>5 days</strong>" in html
    headers = message_from_bytes(sent.message().as_bytes(), policy=policy.default)
    assert headers["Message-ID"].strip() == f"<{outbound.message_id}>"
    assert headers["List-Unsubscribe"].strip() == (
        f"<https://chat.shop.example.com/email/unsubscribe/{conversation.email_thread.token}/>"
    )
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENT


def test_replies_while_a_check_is_pending_schedule_no_other(member, conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("Yes.", "In 5 days.", "Anything else?"):  # a bot's turn is several messages
            actions.reply_to_conversation(member, conversation, text=text, client_id=None)

    assert DBTaskResult.objects.filter(task_path="integrations.tasks.email_unseen_replies").count() == 1


def test_a_check_that_finds_a_newer_reply_looks_again_when_that_one_is_due(member, conversation):
    reply(member, conversation, "First")
    latest = reply(member, conversation, "Second, just now", ago=timedelta(seconds=5))
    latest.refresh_from_db()

    assert continuity.email_unseen_replies(conversation.pk) is None
    task = DBTaskResult.objects.get(task_path="integrations.tasks.email_unseen_replies")
    assert task.run_after == latest.created_at + timedelta(seconds=120)
    assert continuity.email_unseen_replies(conversation.pk, now=timezone.now() + LATER) is not None
    assert OutboundEmail.objects.get().last_seq == 3


def test_a_reply_after_a_check_ran_schedules_the_next(member, conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_to_conversation(member, conversation, text="Yes.", client_id=None)
    assert continuity.email_unseen_replies(conversation.pk, now=timezone.now() + LATER) is not None
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_to_conversation(member, conversation, text="One more thing.", client_id=None)

    assert DBTaskResult.objects.filter(task_path="integrations.tasks.email_unseen_replies").count() == 1


def test_nothing_is_emailed_twice(member, conversation):
    reply(member, conversation, "Yes.")
    continuity.email_unseen_replies(conversation.pk)

    assert continuity.email_unseen_replies(conversation.pk) is None
    assert OutboundEmail.objects.count() == 1


def test_a_visitor_with_the_widget_open_gets_no_email(member, conversation):
    async_to_sync(sockets.check_in)(conversation.visitor_id)
    reply(member, conversation, "Yes.")

    assert continuity.email_unseen_replies(conversation.pk) is None
    assert conversation.email_thread.emailed_seq == 2  # counted as seen live: not emailed later either


def test_no_email_without_an_address_or_after_unsubscribing(member, visitor, conversation):
    thread = continuity.thread_of(conversation)
    Client().post(f"/email/unsubscribe/{thread.token}/")
    reply(member, conversation, "Yes.")

    assert continuity.email_unseen_replies(conversation.pk) is None
    assert ConversationEmail.objects.get().unsubscribed_at is not None


def test_the_unsubscribe_link_asks_before_it_acts(conversation):
    thread = continuity.thread_of(conversation)

    page = Client().get(f"/email/unsubscribe/{thread.token}/")

    assert page.status_code == 200 and b"Stop the emails" in page.content
    assert ConversationEmail.objects.get().unsubscribed_at is None
    assert Client().get("/email/unsubscribe/not-a-token/").status_code == 404


def test_a_failing_mail_server_is_retried_then_shown_on_the_conversation(member, conversation, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    reply(member, conversation, "Yes.")
    outbound = continuity.email_unseen_replies(conversation.pk)
    assert outbound is not None

    for _ in range(continuity.DELIVERY_ATTEMPTS):
        continuity.deliver(outbound.pk)

    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.FAILED, continuity.DELIVERY_ATTEMPTS)
    retries = DBTaskResult.objects.filter(task_path="integrations.tasks.deliver_email")
    assert retries.count() >= continuity.DELIVERY_ATTEMPTS - 1
    note = conversation.messages.filter(author_kind="system", private=True).last()
    assert note is not None and "could not be sent" in note.text and "dana@example.com" in note.text


# Inbound


def test_an_answer_by_email_lands_in_its_conversation_without_the_quoted_history(conversation):
    thread = continuity.thread_of(conversation)

    stored = mailroom.receive(answer(thread, "Great, thanks! Two mugs please."))

    assert stored.status == InboundEmail.Status.ACCEPTED
    message = conversation.messages.order_by("seq").last()
    assert (message.author_kind, message.text) == ("visitor", "Great, thanks! Two mugs please.")
    assert stored.message == message


def test_a_closed_conversation_reopens_when_the_answer_arrives(member, conversation):
    thread = continuity.thread_of(conversation)
    actions.close_conversation(member, conversation)

    mailroom.receive(answer(thread, "One more question"))

    assert Conversation.objects.get(pk=conversation.pk).status == Conversation.Status.OPEN


def test_the_same_email_delivered_twice_is_stored_once(conversation):
    thread = continuity.thread_of(conversation)

    first = mailroom.receive(answer(thread, "Thanks"))
    again = mailroom.receive(answer(thread, "Thanks"))

    assert first.pk == again.pk
    assert conversation.messages.filter(text="Thanks").count() == 1


def test_an_answer_from_another_address_is_held_for_the_operators_not_attached(conversation):
    thread = continuity.thread_of(conversation)

    stored = mailroom.receive(answer(thread, "I am someone else", sender="mallory@example.net"))

    assert stored.status == InboundEmail.Status.FLAGGED
    assert not conversation.messages.filter(private=False, text__contains="someone else").exists()
    note = conversation.messages.filter(author_kind="system", private=True).last()
    assert note is not None and "mallory@example.net" in note.text
    assert "I am someone else" in note.text  # operators can read what was held


def test_an_unknown_reply_address_is_refused(conversation):
    email = EmailMessage()
    email["From"] = "dana@example.com"
    email["To"] = "reply+unknowntoken123@reply.shop.example.com"
    email.set_content("hello")

    with pytest.raises(mailroom.UnknownReplyAddress):
        mailroom.receive(parse_email(email.as_bytes()))


def test_the_webhook_takes_raw_mime_with_the_secret_only(conversation):
    thread = continuity.thread_of(conversation)
    email = EmailMessage()
    email["From"] = "dana@example.com"
    email["To"] = continuity.reply_address(thread)
    email["Message-ID"] = "<w1@mail>"
    email.set_content("Answer by webhook")
    raw = email.as_bytes()
    url = "/integrations/email/inbound"

    refused = Client().post(url, raw, content_type="message/rfc822", HTTP_AUTHORIZATION="Bearer wrong")
    accepted = Client().post(url, raw, content_type="message/rfc822", HTTP_AUTHORIZATION="Bearer s3cret-inbound")
    malformed = Client().post(
        url, b"\x00\x01", content_type="message/rfc822", HTTP_AUTHORIZATION="Bearer s3cret-inbound"
    )

    assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized")
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    assert malformed.status_code == 422
    assert conversation.messages.filter(text="Answer by webhook").count() == 1
