"""The morning digest: each operator who wants it gets one email a day listing the conversations that wait
for an answer and are theirs to answer (assigned to them, or to nobody in an inbox they work).

The clock looks every few minutes; a member is claimed for the day by one conditional update before the
email is sent, so several workers never send it twice, and a member with nothing waiting is marked too.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from conversations.models import Conversation, Message
from workspaces.models import Member
from workspaces.queries import conversation_scope

log = logging.getLogger(__name__)
SHOWN = 20  # the oldest-waiting ones; the rest are counted


@dataclass(frozen=True)
class Waiting:
    name: str
    since: datetime
    text: str
    link: str


def send_daily_digests(now: datetime | None = None) -> int:
    """Send today's digests that are due; how many emails went out."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if timezone.localtime(now).hour < settings.DIGEST_HOUR:
        return 0
    due = Member.objects.filter(
        Q(digest_sent_on__lt=today) | Q(digest_sent_on=None), notify_digest=True, user__is_active=True
    )
    sent = 0
    for member in due.select_related("user", "workspace"):
        claimed = Member.objects.filter(Q(digest_sent_on__lt=today) | Q(digest_sent_on=None), pk=member.pk)
        if not claimed.update(digest_sent_on=today):
            continue  # another worker has it
        try:
            sent += _send_digest(member, now)
        except Exception:  # the mail server refused: tomorrow's digest will list them again
            log.exception("The digest for member %s could not be sent", member.pk)
    return sent


def _send_digest(member: Member, now: datetime) -> int:
    waiting = (
        Conversation.objects.filter(conversation_scope(member))
        .filter(Q(assignee=member) | Q(assignee=None), status=Conversation.Status.OPEN, waiting_since__isnull=False)
        .order_by("waiting_since", "pk")
    )
    total = waiting.count()
    if not total:
        return 0
    last_words = Message.objects.filter(conversation=OuterRef("pk"), author_kind=Message.AuthorKind.VISITOR)
    shown = waiting.select_related("visitor__contact").annotate(
        last_text=Subquery(last_words.order_by("-seq").values("text")[:1])
    )[:SHOWN]
    inbox = settings.PUBLIC_URL + reverse("conversations:inbox")
    context = {
        "member": member,
        "now": now,
        "workspace": member.workspace,
        "total": total,
        "more": total - SHOWN if total > SHOWN else 0,
        "conversations": [
            Waiting(
                name=c.visitor.display_name,
                since=c.waiting_since or now,  # the query only takes waiting ones
                text=" ".join((c.last_text or "").split())[:120],  # type: ignore[attr-defined]
                link=settings.PUBLIC_URL + reverse("conversations:conversation", args=[c.public_id.hex]),
            )
            for c in shown
        ],
        "unassigned_link": f"{inbox}?{urlencode({'assignee': 'unassigned'})}",
        "mine_link": f"{inbox}?{urlencode({'assignee': 'me'})}",
    }
    subject = render_to_string("integrations/email/digest_subject.txt", context).strip()
    body = render_to_string("integrations/email/digest.txt", context)
    EmailMessage(subject=subject, body=body, to=[member.user.email]).send()
    return 1
