from django.utils import timezone

from visitors.models import Visitor
from workspaces.models import Inbox


def create_visitor(inbox: Inbox, *, user_agent: str, language: str) -> Visitor:
    return Visitor.objects.create(
        workspace_id=inbox.workspace_id, inbox=inbox, user_agent=user_agent[:500], language=language[:35]
    )


def touch_visitor(visitor: Visitor, *, user_agent: str, language: str) -> Visitor:
    """Record a returning visit."""
    visitor.last_seen_at = timezone.now()
    visitor.user_agent = user_agent[:500] or visitor.user_agent
    visitor.language = language[:35] or visitor.language
    visitor.save(update_fields=["last_seen_at", "user_agent", "language"])
    return visitor
