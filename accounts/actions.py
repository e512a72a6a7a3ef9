from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token, new_raw_token
from core.errors import InvalidInput
from workspaces.models import Member


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once, never stored


@transaction.atomic
def create_user(*, email: str, name: str, password: str) -> User:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email=email).exists():
        raise InvalidInput(f"A user with the email {email} already exists.")
    return User.objects.create_user(email, password, name=name)


def issue_api_token(member: Member, *, name: str) -> IssuedToken:
    raw = new_raw_token()
    token = ApiToken.objects.create(member=member, name=name, key_hash=hash_token(raw), key_hint=raw[:10])
    return IssuedToken(token, raw)


def revoke_api_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
