from django.utils import timezone

from accounts.models import ApiToken, hash_token
from workspaces.models import Member


def member_for_api_token(raw: str) -> Member | None:
    token = (
        ApiToken.objects.select_related("member__workspace", "member__user")
        .filter(key_hash=hash_token(raw), revoked_at=None, member__user__is_active=True)
        .first()
    )
    if token is None:
        return None
    # Coarse last-use stamp: at most one write a minute per token.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.member
