"""Email continuity: operators' replies reach a visitor who left the site, and their answer by email comes
back into the same conversation.

A reply to the visitor schedules a check EMAIL_REPLIES_AFTER_SECONDS later, unless one is already pending:
one per conversation, however many replies (a bot's turn is several). When it runs and the last reply is
younger than that, it looks again when it is not. If the visitor has had no widget open meanwhile,
everything they have not been emailed goes out in one email. Their answer arrives at
reply+<token>@INBOUND_EMAIL_DOMAIN.

In an email inbox (integrations.email_channel) every reply goes out at once, as a reply to the visitor's
email from the business's mailbox.
"""

import hashlib
from datetime import datetime, timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from conversations import actions as conversation_actions
from conversations.models import Attachment, Conversation, Message
from conversations.uploads import check_upload
from core.errors import DomainError
from integrations import tasks
from integrations.inbound import ParsedEmail, reply_token
from integrations.models import ConversationEmail, InboundEmail, OutboundEmail
from integrations.outbound import (
    ContinuityEmail,
    EmailFile,
    ReplyEmail,
    TranscriptLine,
    build_continuity_email,
    build_reply_email,
    continuity_subject,
)
from visitors.sockets import has_open_widget
from workspaces.models import Inbox

TRANSCRIPT_LINES = 10  # earlier messages quoted under the new ones
HELD_EXCERPT = 1000  # characters of a held email shown to operators in its note
DELIVERY_ATTEMPTS = 5
RETRY_AFTER = timedelta(seconds=30)  # doubled after each failed attempt
# A check's mark outlives its due time by this much: a check delayed longer (a worker backlog) lets the next
# reply schedule another, which does no harm (a check sends only what was not emailed yet).
PENDING_GRACE = timedelta(minutes=10)


def thread_of(conversation: Conversation, *, lock: bool = False) -> ConversationEmail:
    thread, _ = ConversationEmail.objects.get_or_create(conversation=conversation)
    if lock:
        thread = ConversationEmail.objects.select_for_update().get(pk=thread.pk)
    return thread


def reply_address(thread: ConversationEmail) -> str:
    return f"reply+{thread.token}@{settings.INBOUND_EMAIL_DOMAIN}"


def _visible_replies(conversation: Conversation, after_seq: int) -> list[Message]:
    return list(
        conversation.messages.filter(
            seq__gt=after_seq,
            private=False,
            author_kind__in=[Message.AuthorKind.OPERATOR, Message.AuthorKind.BOT],
        )
        .select_related("author_member")
        .order_by("seq")
    )


def check_replies_soon(conversation_id: int) -> None:
    """A reply to the visitor: in an email inbox it goes out now; from the web widget, look again once they
    have had time to read it there. A check already pending covers this reply too."""
    if not cache.add(_pending_key(conversation_id), True, timeout=PENDING_GRACE.total_seconds()):
        return
    if Conversation.objects.filter(pk=conversation_id, inbox__channel=Inbox.Channel.EMAIL).exists():
        tasks.email_unseen_replies.enqueue(conversation_id)
    elif settings.EMAIL_REPLIES_AFTER_SECONDS > 0:
        _check_replies_at(conversation_id, timezone.now() + timedelta(seconds=settings.EMAIL_REPLIES_AFTER_SECONDS))
    else:
        cache.delete(_pending_key(conversation_id))


def _check_replies_at(conversation_id: int, at: datetime) -> None:
    cache.set(_pending_key(conversation_id), True, timeout=(at - timezone.now() + PENDING_GRACE).total_seconds())
    tasks.email_unseen_replies.using(run_after=at).enqueue(conversation_id)


def _pending_key(conversation_id: int) -> str:
    return f"parley:email-replies-check:{conversation_id}"


@transaction.atomic
def email_unseen_replies(conversation_id: int, now: datetime | None = None) -> OutboundEmail | None:
    """Queue one email with the replies the visitor has neither seen live nor been emailed; None when there is
    nothing to send yet (then it looks again when there is), the visitor is on the site, or cannot be emailed."""
    cache.delete(_pending_key(conversation_id))  # before reading: a reply stored from now on schedules its own
    now = now or timezone.now()
    conversation = Conversation.objects.select_related("visitor__contact", "inbox").filter(pk=conversation_id).first()
    if conversation is None:
        return None
    by_email = conversation.inbox.is_email
    thread = thread_of(conversation, lock=True)
    replies = _visible_replies(conversation, thread.emailed_seq)
    wait = timedelta(seconds=0 if by_email else settings.EMAIL_REPLIES_AFTER_SECONDS)
    if not replies:
        return None
    if replies[-1].created_at > now - wait + timedelta(seconds=1):
        if cache.add(_pending_key(conversation_id), True):  # no newer reply scheduled a check meanwhile
            _check_replies_at(conversation_id, replies[-1].created_at + wait)
        return None
    thread.emailed_seq = replies[-1].seq
    thread.save(update_fields=["emailed_seq"])
    contact = conversation.visitor.contact
    if contact is None or not contact.email:
        return None
    if not by_email and (thread.unsubscribed_at or has_open_widget(conversation.visitor_id)):
        return None
    outbound = OutboundEmail.objects.create(
        conversation=conversation,
        to_address=contact.email,
        message_id=make_msgid("reply", domain=settings.INBOUND_EMAIL_DOMAIN)[1:-1],
        first_seq=replies[0].seq,
        last_seq=replies[-1].seq,
    )
    transaction.on_commit(lambda: tasks.deliver_email.enqueue(outbound.pk))
    return outbound


def deliver(outbound_id: int) -> None:
    """Send a queued email; a failure is retried with backoff, then shown on the conversation."""
    outbound = OutboundEmail.objects.select_related(
        "conversation__visitor__contact", "conversation__workspace", "conversation__inbox__mailbox"
    ).get(pk=outbound_id)
    if outbound.status != OutboundEmail.Status.PENDING:
        return
    try:
        if outbound.conversation.inbox.is_email:
            build_reply_email(_compose_reply(outbound)).send()
        else:
            build_continuity_email(_compose(outbound)).send()
    except Exception as error:  # any transport error: the SMTP server, the network, a bad address
        _failed(outbound, f"{error.__class__.__name__}: {error}"[:500])
        return
    outbound.status, outbound.sent_at = OutboundEmail.Status.SENT, timezone.now()
    outbound.attempts += 1
    outbound.save(update_fields=["status", "sent_at", "attempts"])


def _failed(outbound: OutboundEmail, reason: str) -> None:
    outbound.attempts += 1
    outbound.error = reason
    if outbound.attempts < DELIVERY_ATTEMPTS:
        outbound.save(update_fields=["attempts", "error"])
        delay = RETRY_AFTER * 2 ** (outbound.attempts - 1)
        tasks.deliver_email.using(run_after=timezone.now() + delay).enqueue(outbound.pk)
        return
    outbound.status = OutboundEmail.Status.FAILED
    outbound.save(update_fields=["attempts", "error", "status"])
    conversation_actions.add_activity_note(
        outbound.conversation,
        gettext("The email with the replies to %(address)s could not be sent: %(reason)s")
        % {"address": outbound.to_address, "reason": reason},
    )


def _line(message: Message) -> TranscriptLine:
    from_visitor = message.author_kind == Message.AuthorKind.VISITOR
    name = message.author_name or message.conversation.workspace.name
    return TranscriptLine(
        author="" if from_visitor else name,
        from_visitor=from_visitor,
        text=message.text or getattr(getattr(message, "attachment", None), "name", ""),
        html=message.html,
        at=message.created_at,
    )


def _recent(outbound: OutboundEmail) -> tuple[list[Message], list[Message]]:
    """The replies this email carries, and the messages before them (the last TRANSCRIPT_LINES)."""
    conversation = outbound.conversation
    shown = conversation.messages.filter(private=False, seq__lte=outbound.last_seq).exclude(
        author_kind=Message.AuthorKind.SYSTEM
    )
    recent = list(shown.select_related("author_member", "attachment").order_by("-seq")[: TRANSCRIPT_LINES + 20])
    recent.reverse()
    for message in recent:
        message.conversation = conversation
    new = [m for m in recent if m.seq >= outbound.first_seq and m.author_kind != Message.AuthorKind.VISITOR]
    earlier = [m for m in recent if m.seq < outbound.first_seq][-TRANSCRIPT_LINES:]
    return new, earlier


def _compose_reply(outbound: OutboundEmail) -> ReplyEmail:
    conversation = outbound.conversation
    visitor, workspace = conversation.visitor, conversation.workspace
    new, earlier = _recent(outbound)
    theirs = [m for m in earlier if m.author_kind == Message.AuthorKind.VISITOR]
    earlier_ids = _thread_message_ids(conversation, before=outbound)
    contact = visitor.contact
    return ReplyEmail(
        business_name=workspace.name,
        to_address=outbound.to_address,
        to_name=contact.name if contact else "",
        from_address=conversation.inbox.mailbox.address,
        subject=thread_of(conversation).subject,
        message_id=outbound.message_id,
        in_reply_to=earlier_ids[-1] if earlier_ids else None,
        references=earlier_ids,
        new_messages=[_line(m) for m in new],
        quoted=_line(theirs[-1]) if theirs else None,
        language=visitor.language[:2] or "en",
        time_zone=visitor.time_zone,
        files=[_file(m.attachment) for m in new if getattr(m, "attachment", None)],
    )


def _file(attachment: Attachment) -> EmailFile:
    with attachment.file.open("rb") as stored:
        return EmailFile(attachment.name, attachment.content_type, stored.read())


def _compose(outbound: OutboundEmail) -> ContinuityEmail:
    conversation = outbound.conversation
    visitor, workspace = conversation.visitor, conversation.workspace
    thread = thread_of(conversation)
    new, earlier = _recent(outbound)
    earlier_ids = _thread_message_ids(conversation, before=outbound)
    contact = visitor.contact
    return ContinuityEmail(
        business_name=workspace.name,
        to_address=outbound.to_address,
        to_name=contact.name if contact else "",
        from_address=settings.DEFAULT_FROM_EMAIL,
        reply_to=reply_address(thread),
        subject=continuity_subject(workspace.name),
        message_id=outbound.message_id,
        in_reply_to=earlier_ids[-1] if earlier_ids else None,
        references=earlier_ids,
        new_messages=[_line(m) for m in new],
        earlier=[_line(m) for m in earlier],
        unsubscribe_url=settings.PUBLIC_URL + reverse("email-unsubscribe", args=[thread.token]),
        language=visitor.language[:2] or "en",
        time_zone=visitor.time_zone,
    )


def _thread_message_ids(conversation: Conversation, *, before: OutboundEmail) -> list[str]:
    """Message-IDs of the emails of this conversation so far, both ways, oldest first: mail clients thread on them."""
    ours = OutboundEmail.objects.filter(conversation=conversation, created_at__lt=before.created_at)
    theirs = InboundEmail.objects.filter(conversation=conversation).exclude(email_message_id="")
    ids = [*ours.values_list("created_at", "message_id"), *theirs.values_list("created_at", "email_message_id")]
    return [message_id for _, message_id in sorted(ids)][-20:]


# Inbound


def thread_for(addresses: list[str]) -> ConversationEmail | None:
    """The conversation thread whose reply address is among these, if one is."""
    token = next((t for address in addresses if (t := reply_token(address, settings.INBOUND_EMAIL_DOMAIN))), None)
    if token is None:
        return None
    return (
        ConversationEmail.objects.select_related(
            "conversation__visitor__contact", "conversation__workspace", "conversation__inbox"
        )
        .filter(token=token)
        .first()
    )


def receive_reply(conversation: Conversation, parsed: ParsedEmail) -> InboundEmail:
    """An answer in an email thread of this conversation: the visitor's message there, stored once per
    Message-ID. From another address than the contact's it is held for the operators (never attached); an
    auto-reply is dropped."""
    try:
        with transaction.atomic():
            return _store_email(conversation, parsed)
    except IntegrityError:  # the same email delivered twice at once: the other delivery stored it
        return InboundEmail.objects.get(workspace=conversation.workspace, email_message_id=parsed.message_id)


def _store_email(conversation: Conversation, parsed: ParsedEmail) -> InboundEmail:
    if parsed.message_id:
        stored = InboundEmail.objects.filter(
            workspace=conversation.workspace, email_message_id=parsed.message_id
        ).first()
        if stored is not None:
            return stored
    contact = conversation.visitor.contact
    expected = contact.email if contact else ""
    status = (
        InboundEmail.Status.IGNORED
        if parsed.auto_submitted
        else InboundEmail.Status.ACCEPTED
        if expected and parsed.from_address == expected
        else InboundEmail.Status.FLAGGED
    )
    inbound = InboundEmail.objects.create(
        workspace=conversation.workspace,
        conversation=conversation,
        email_message_id=parsed.message_id[:255],
        from_address=parsed.from_address[:254],
        subject=parsed.subject[:300],
        text=parsed.full_text,
        status=status,
    )
    if status == InboundEmail.Status.FLAGGED:
        held = gettext("An email from %(sender)s to this conversation was held: it is not from the contact's address.")
        excerpt = parsed.text or parsed.full_text
        if len(excerpt) > HELD_EXCERPT:
            excerpt = excerpt[:HELD_EXCERPT] + "…"
        conversation_actions.add_activity_note(
            conversation, f"{held % {'sender': parsed.from_address}}\n\n{excerpt}".strip()
        )
    elif status == InboundEmail.Status.ACCEPTED:
        inbound.message = _add_messages(conversation, parsed)
        inbound.save(update_fields=["message"])
    return inbound


def _add_messages(conversation: Conversation, parsed: ParsedEmail) -> Message | None:
    """The text, then each attachment, as the visitor's messages; an attachment that may not be sent is noted.

    A reply keeps only what is new in it; the first email of a conversation all its text when the reply
    parser finds nothing new in it (a forwarded message)."""
    key = hashlib.sha256((parsed.message_id or parsed.full_text).encode()).hexdigest()[:40]
    first: Message | None = None
    text = parsed.text or ("" if conversation.last_seq else parsed.full_text)
    if text:
        first = conversation_actions.add_visitor_email(conversation, text=text, client_id=f"email:{key}").message
    for i, attachment in enumerate(parsed.attachments):
        file = SimpleUploadedFile(attachment.name, attachment.data, attachment.content_type)
        try:
            upload = check_upload(file, max_bytes=conversation.workspace.attachment_max_bytes)
        except DomainError as error:
            conversation_actions.add_activity_note(
                conversation,
                gettext("The attachment %(name)s of the visitor's email was not kept: %(reason)s")
                % {"name": attachment.name, "reason": error.detail},
            )
            continue
        sent = conversation_actions.add_visitor_email(
            conversation, text="", client_id=f"email:{key[:30]}:{i}", attachment=upload
        )
        first = first or sent.message
    return first


def unsubscribe(thread: ConversationEmail) -> None:
    """No more replies of this conversation by email (the visitor can still chat on the site)."""
    ConversationEmail.objects.filter(pk=thread.pk, unsubscribed_at=None).update(unsubscribed_at=timezone.now())
