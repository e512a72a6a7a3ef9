"""Events of the contacts domain. Catalogue: docs/events.md."""

from dataclasses import dataclass


@dataclass(frozen=True)
class VisitorIdentified:
    """A visitor was linked to a contact, or their contact's details changed, from the site."""

    name = "visitor.identified"
    workspace_id: int
    visitor_id: int
    contact_id: int


@dataclass(frozen=True)
class ContactUpdated:
    """An operator edited the contact card."""

    name = "contact.updated"
    workspace_id: int
    contact_id: int
    member_id: int


@dataclass(frozen=True)
class ContactMerged:
    """Two contacts were made one: `contact_id` was kept, `merged_contact_id` no longer exists."""

    name = "contact.merged"
    workspace_id: int
    contact_id: int
    merged_contact_id: int
    member_id: int
