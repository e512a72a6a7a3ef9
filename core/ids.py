from typing import TypeVar
from uuid import UUID

from django.db.models import Model, QuerySet

from core.errors import NotFound

M = TypeVar("M", bound=Model)


def parse_public_id(value: str | UUID | None) -> UUID | None:
    """The UUID a URL or API names, or None when it is not one (callers answer "not found")."""
    if isinstance(value, UUID) or value is None:
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return None


def get_by_public_id(qs: QuerySet[M], public_id: str | UUID | None, what: str) -> M:
    """The row of `qs` with this public id; NotFound (naming only `what`) when there is none or it is not an id."""
    uid = parse_public_id(public_id)
    found = qs.filter(public_id=uid).first() if uid else None
    if found is None:
        raise NotFound(f"{what} not found.")
    return found
