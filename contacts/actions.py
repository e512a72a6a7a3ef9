"""Every write to contacts: identifying visitors from the site, captured details, operator edits and merges.

Rules of identity (docs/widget-api.md, "Identifying visitors"):

- A signature is HMAC-SHA256 (hex) of the lower-cased email with the inbox's
  identity secret. A valid one marks the contact verified and may overwrite
  its fields; a wrong one is refused (`invalid_signature`).
- An unsigned call only fills empty fields. It may not name the email of a
  verified contact (`identity_unverified`) unless this visitor is already
  linked to that contact, nor move a visitor off a verified contact.
- An email that belongs to a contact of the workspace links the visitor to it
  instead of creating a second contact; several visitors share one contact.
"""

import hashlib
import hmac
import json
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from contacts.events import ContactMerged, ContactUpdated, VisitorIdentified
from contacts.models import AttributeDefinition, Contact, ContactMerge, ContactNote, ImportJob, Task
from conversations.models import Attachment
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from realtime.bus import emit
from visitors.countries import country_code
from visitors.models import Visitor
from workspaces.models import Inbox, Member
from workspaces.queries import require_admin

NAME_MAX = 200
COMPANY_MAX = 200
EMAIL_MAX = 254
AVATAR_MAX = 1000
PHONE_INPUT_MAX = 40
MAX_ATTRIBUTES = 50  # definitions per workspace
ATTRIBUTE_VALUE_MAX = 1024  # bytes of one value, as JSON
STANDARD_TRAITS = frozenset({"email", "name", "phone", "company", "avatar"})
PROFILE_FIELDS = ("name", "email", "phone", "company", "avatar_url")

_ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}

_email_validator = EmailValidator()
_url_validator = URLValidator(schemes=["http", "https"])


# ---------------------------------------------------------------- validation


def clean_email(value: object) -> str:
    """A valid email, lower-cased; "" stays "" (no email)."""
    if not isinstance(value, str):
        raise InvalidInput(gettext("The email must be text."), code="invalid_email")
    email = value.strip().lower()
    if not email:
        return ""
    if len(email) > EMAIL_MAX:
        raise InvalidInput(gettext("The email is too long."), code="invalid_email")
    try:
        _email_validator(email)
    except ValidationError:
        raise InvalidInput(
            gettext("“%(email)s” is not a valid email address.") % {"email": value.strip()[:100]},
            code="invalid_email",
        ) from None
    return email


def clean_phone(value: object, *, time_zone: str = "") -> str:
    """A valid phone number in E.164; a number without + is read as local to the time zone's country."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidInput(gettext("The phone number must be text."), code="invalid_phone")
    raw = value.strip()
    if not raw:
        return ""
    if len(raw) > PHONE_INPUT_MAX:
        raise InvalidInput(gettext("The phone number is too long."), code="invalid_phone")
    international = raw.startswith("+")
    region = None if international else country_code(time_zone)
    if not international and region is None:
        raise InvalidInput(
            gettext("Enter the phone number in international format, starting with + and the country code."),
            code="phone_needs_country",
        )
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            (
                gettext("“%(phone)s” is not a valid phone number.")
                if international
                else gettext("“%(phone)s” is not a valid phone number. Try the international format, starting with +.")
            )
            % {"phone": raw},
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# The two errors of each short text field, "not text" and "too long", as whole sentences:
# a translation words and declines each one its own way.
_TEXT_FIELD_ERRORS = {
    "name": (
        gettext_lazy("The name must be text."),
        ngettext_lazy(
            "The name can be at most %(max)d character long.", "The name can be at most %(max)d characters long.", "max"
        ),
    ),
    "company": (
        gettext_lazy("The company must be text."),
        ngettext_lazy(
            "The company can be at most %(max)d character long.",
            "The company can be at most %(max)d characters long.",
            "max",
        ),
    ),
    "task_title": (
        gettext_lazy("The task title must be text."),
        ngettext_lazy(
            "The task title can be at most %(max)d character long.",
            "The task title can be at most %(max)d characters long.",
            "max",
        ),
    ),
    "segment_name": (
        gettext_lazy("The segment name must be text."),
        ngettext_lazy(
            "The segment name can be at most %(max)d character long.",
            "The segment name can be at most %(max)d characters long.",
            "max",
        ),
    ),
    "attribute_label": (
        gettext_lazy("The attribute label must be text."),
        ngettext_lazy(
            "The attribute label can be at most %(max)d character long.",
            "The attribute label can be at most %(max)d characters long.",
            "max",
        ),
    ),
}


def _clean_text(value: object, *, max_length: int, field: str, code: str) -> str:
    not_text, too_long = _TEXT_FIELD_ERRORS[field]
    if not isinstance(value, str):
        raise InvalidInput(str(not_text), code=code)
    text = " ".join(value.split())
    if len(text) > max_length:
        raise InvalidInput(too_long % {"max": max_length}, code=code)
    return text


def clean_name(value: object) -> str:
    return _clean_text(value, max_length=NAME_MAX, field="name", code="invalid_name")


def clean_company(value: object) -> str:
    return _clean_text(value, max_length=COMPANY_MAX, field="company", code="invalid_company")


def clean_avatar(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(gettext("The avatar must be a URL."), code="invalid_avatar")
    url = value.strip()
    if not url:
        return ""
    try:
        if len(url) > AVATAR_MAX:
            raise ValidationError("too long")
        _url_validator(url)
    except ValidationError:
        raise InvalidInput(
            gettext("The avatar must be an http or https URL of at most %(max)d characters.") % {"max": AVATAR_MAX},
            code="invalid_avatar",
        ) from None
    return url


def _attribute_error(key: str, problem: str) -> InvalidInput:
    return InvalidInput(
        gettext("Attribute “%(key)s”: %(problem)s") % {"key": key, "problem": problem}, code="invalid_attribute"
    )


def infer_attribute_type(value: object) -> str:
    """The type of a new attribute, from its first value: bool, number, ISO date, else text."""
    if isinstance(value, bool):
        return AttributeDefinition.Type.BOOLEAN
    if isinstance(value, int | float):
        return AttributeDefinition.Type.NUMBER
    if isinstance(value, str) and _parse_date(value) is not None:
        return AttributeDefinition.Type.DATE
    return AttributeDefinition.Type.TEXT


def _parse_date(value: str) -> date | None:
    text = value.strip()
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        if _ISO_DATETIME.match(text):
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None
    return None


def coerce_attribute(definition: AttributeDefinition, value: object) -> Any:
    """The value as stored for the definition's type; InvalidInput (invalid_attribute) when it does not fit."""
    key, kind = definition.key, definition.type
    if isinstance(value, list | dict):
        raise _attribute_error(key, gettext("a value must be text, a number, yes/no or a date."))
    if kind == AttributeDefinition.Type.NUMBER:
        if isinstance(value, bool):
            raise _attribute_error(key, gettext("expected a number."))
        number: int | float
        if isinstance(value, int | float):
            number = value
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                raise _attribute_error(key, gettext("expected a number.")) from None
            if number.is_integer() and re.fullmatch(r"-?\d+", str(value).strip()):
                number = int(number)
        if isinstance(number, float) and not math.isfinite(number):
            raise _attribute_error(key, gettext("expected a finite number."))
        return number
    if kind == AttributeDefinition.Type.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _attribute_error(key, gettext("expected true or false."))
    if kind == AttributeDefinition.Type.DATE:
        parsed = _parse_date(value) if isinstance(value, str) else None
        if parsed is None:
            raise _attribute_error(key, gettext("expected a date such as 2026-03-31."))
        return parsed.isoformat()
    text = value if isinstance(value, str) else json.dumps(value)
    text = text.strip()
    if kind == AttributeDefinition.Type.LIST:
        options = [str(o) for o in definition.options or []]
        if options and text not in options:
            raise _attribute_error(key, gettext("expected one of: %(options)s.") % {"options": ", ".join(options[:20])})
    return text


def _check_value_size(key: str, value: object) -> None:
    if len(json.dumps(value, ensure_ascii=False).encode()) > ATTRIBUTE_VALUE_MAX:
        raise InvalidInput(
            gettext("Attribute “%(key)s”: a value can be at most 1 KB.") % {"key": key}, code="attribute_too_large"
        )


@dataclass
class Traits:
    """What an identify call says about the visitor, validated; None means "not given"."""

    email: str | None = None
    name: str | None = None
    phone: str | None = None
    company: str | None = None
    avatar_url: str | None = None
    attributes: dict[str, object] = field(default_factory=dict)  # raw values, typed by resolve_attributes

    def profile(self) -> dict[str, str]:
        values = {f: getattr(self, f) for f in PROFILE_FIELDS}
        return {k: v for k, v in values.items() if v}


def clean_traits(traits: dict[str, Any], *, time_zone: str = "") -> Traits:
    """Validate the standard traits; custom keys are checked for shape and size here, typed later."""
    if not isinstance(traits, dict):
        raise InvalidInput(gettext("traits must be an object."), code="invalid_traits")
    if len(traits) > MAX_ATTRIBUTES + len(STANDARD_TRAITS):
        raise InvalidInput(gettext("Too many traits in one call."), code="too_many_attributes")
    cleaned = Traits()
    for key, value in traits.items():
        if value is None:
            continue
        if key == "email":
            cleaned.email = clean_email(value) or None
        elif key == "name":
            cleaned.name = clean_name(value) or None
        elif key == "phone":
            cleaned.phone = clean_phone(value, time_zone=time_zone) or None
        elif key == "company":
            cleaned.company = clean_company(value) or None
        elif key in ("avatar", "avatar_url"):
            cleaned.avatar_url = clean_avatar(value) or None
        else:
            if not isinstance(key, str) or not _ATTRIBUTE_KEY.match(key):
                raise InvalidInput(
                    gettext("“%(key)s” is not a valid attribute name: use up to 50 letters, digits, _ or -.")
                    % {"key": str(key)[:60]},
                    code="invalid_attribute",
                )
            _check_value_size(key, value)
            cleaned.attributes[key] = value
    if not cleaned.profile() and not cleaned.attributes:
        raise InvalidInput(gettext("Pass at least one trait: email, name, phone, …"), code="empty_traits")
    return cleaned


def resolve_attributes(workspace_id: int, raw: dict[str, object]) -> dict[str, Any]:
    """Typed values for the workspace's attributes; unknown keys get a definition with an inferred type."""
    if not raw:
        return {}
    definitions = {d.key: d for d in AttributeDefinition.objects.filter(workspace_id=workspace_id, key__in=list(raw))}
    missing = [k for k in raw if k not in definitions]
    if missing:
        for key in missing:
            if isinstance(raw[key], list | dict):
                raise _attribute_error(key, gettext("a value must be text, a number, yes/no or a date."))
        existing = AttributeDefinition.objects.filter(workspace_id=workspace_id).count()
        if existing + len(missing) > MAX_ATTRIBUTES:
            raise InvalidInput(
                gettext("A workspace can have at most %(max)d custom attributes.") % {"max": MAX_ATTRIBUTES},
                code="too_many_attributes",
            )
        for key in missing:
            definitions[key] = _define_attribute(workspace_id, key, infer_attribute_type(raw[key]))
    typed = {}
    for key, value in raw.items():
        typed[key] = coerce_attribute(definitions[key], value)
        _check_value_size(key, typed[key])
    return typed


def _define_attribute(workspace_id: int, key: str, kind: str) -> AttributeDefinition:
    label = key.replace("_", " ").replace("-", " ").strip().capitalize()[:100] or key
    try:
        with transaction.atomic():  # a savepoint: a concurrent call may define the same key first
            return AttributeDefinition.objects.create(workspace_id=workspace_id, key=key, label=label, type=kind)
    except IntegrityError:
        return AttributeDefinition.objects.get(workspace_id=workspace_id, key=key)


# ---------------------------------------------------------------- signatures


def identity_signature(secret: str, email: str) -> str:
    """What the site's server computes: HMAC-SHA256 hex of the lower-cased email with the inbox's secret."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def check_signature(inbox: Inbox, email: str | None, signature: str) -> None:
    if not email:
        raise InvalidInput(
            gettext("A signature signs the visitor's email: pass the email with it."), code="email_required"
        )
    expected = identity_signature(inbox.identity_secret, email)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise Forbidden(
            gettext("The identity signature does not match this email (HMAC-SHA256 of the email, hex)."),
            code="invalid_signature",
        )


# ---------------------------------------------------------------- identify


def _lock(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.select_for_update() if connection.features.has_select_for_update else qs


def _locked_visitor(visitor: Visitor) -> Visitor:
    fresh = _lock(Visitor.objects.filter(pk=visitor.pk)).get()
    visitor.contact_id = fresh.contact_id
    visitor.time_zone = fresh.time_zone
    return visitor


def _unverified_refusal() -> Forbidden:
    return Forbidden(
        gettext("This email belongs to a verified contact: identify it with a signature from your server."),
        code="identity_unverified",
    )


@transaction.atomic
def identify_visitor(visitor: Visitor, *, traits: dict[str, Any], signature: str | None) -> Contact:
    """Link the visitor to the contact the site says they are, creating or updating it."""
    visitor = _locked_visitor(visitor)
    cleaned = clean_traits(traits, time_zone=visitor.time_zone)
    signed = bool(signature)
    if signature:
        check_signature(visitor.inbox, cleaned.email, signature)
    return _identify(visitor, cleaned, signed=signed, capture=False)


def _serialise_email(workspace_id: int, email: str) -> None:
    """Hold off concurrent transactions looking up or claiming the same email until this one commits.

    Contacts have no unique constraint on email. SQLite's IMMEDIATE transactions already run writers one at a
    time; on PostgreSQL a transaction-scoped advisory lock does it per email.
    """
    if connection.vendor == "postgresql":
        digest = hashlib.sha256(f"parley.contact-email:{workspace_id}:{email}".encode()).digest()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])


def _identify(visitor: Visitor, cleaned: Traits, *, signed: bool, capture: bool) -> Contact:
    if cleaned.email:
        _serialise_email(visitor.workspace_id, cleaned.email)
    current = _lock(Contact.objects.filter(pk=visitor.contact_id)).first() if visitor.contact_id else None
    someone_else = bool(cleaned.email and current is not None and current.email and current.email != cleaned.email)
    if capture and someone_else and current is not None:
        return current  # an email typed into a form may be a friend's: it never moves a known visitor
    owner = (
        _lock(Contact.objects.filter(workspace_id=visitor.workspace_id, email=cleaned.email)).order_by("pk").first()
        if cleaned.email
        else None
    )
    if not signed:
        if owner is not None and owner.verified and owner != current:
            raise _unverified_refusal()
        if current is not None and current.verified and cleaned.email and cleaned.email != current.email:
            raise _unverified_refusal()

    if owner is not None:
        contact = owner
    elif current is not None and not someone_else:
        contact = current
    else:
        # Nobody yet, or the site names someone other than the person this browser was.
        contact = Contact(workspace_id=visitor.workspace_id)

    changed = _apply(contact, cleaned, overwrite=signed)
    if signed and not contact.verified:
        contact.verified, changed = True, True
    attributes = resolve_attributes(visitor.workspace_id, cleaned.attributes)
    for key, value in attributes.items():
        if (signed or key not in contact.attributes) and contact.attributes.get(key) != value:
            contact.attributes = {**contact.attributes, key: value}
            changed = True
    if contact.pk is None or changed:
        contact.updated_at = timezone.now()
        contact.save()
        changed = True
    if visitor.contact_id != contact.pk:
        visitor.contact = contact
        visitor.save(update_fields=["contact"])
        changed = True
    visitor.contact = contact
    if changed:  # a site calls identify on every page: say nothing when nothing changed
        emit(VisitorIdentified(visitor.workspace_id, visitor.pk, contact.pk), subject=contact)
    return contact


def _apply(contact: Contact, cleaned: Traits, *, overwrite: bool) -> bool:
    changed = False
    for name, value in cleaned.profile().items():
        if getattr(contact, name) != value and (overwrite or not getattr(contact, name)):
            setattr(contact, name, value)
            changed = True
    return changed


@transaction.atomic
def contact_for_sender(workspace_id: int, *, email: str, name: str) -> Contact:
    """Who an email to one of the business's mailboxes is from: the contact with that address, else a new one
    (named as the sender's mail client names them). A known contact's details stay as they are."""
    email = clean_email(email)
    if not email:
        raise InvalidInput(gettext("The email has no sender address."), code="invalid_email")
    _serialise_email(workspace_id, email)
    contact = _lock(Contact.objects.filter(workspace_id=workspace_id, email=email)).order_by("pk").first()
    if contact is None:
        contact = Contact.objects.create(workspace_id=workspace_id, email=email, name=" ".join(name.split())[:NAME_MAX])
    return contact


@transaction.atomic
def record_answer(visitor: Visitor, field: str, value: object) -> Contact:
    """What the visitor told a bot, on their contact (created when they have none yet). An email or phone
    never moves the visitor to someone else's contact; a name or company fills only an empty one, so what the
    team or the site wrote stays; a custom attribute takes the new value."""
    if field in ("email", "phone"):
        return _take_detail(visitor, **{field: str(value)})
    visitor = _locked_visitor(visitor)
    contact = _lock(Contact.objects.filter(pk=visitor.contact_id)).first() if visitor.contact_id else None
    if contact is None:
        contact = Contact.objects.create(workspace_id=visitor.workspace_id)
        visitor.contact = contact
        visitor.save(update_fields=["contact"])
    if field in ("name", "company"):
        cleaned = clean_name(value) if field == "name" else clean_company(value)
        changed = bool(cleaned) and not getattr(contact, field)
        if changed:
            setattr(contact, field, cleaned)
    else:
        typed = resolve_attributes(visitor.workspace_id, {field: value})[field]
        changed = contact.attributes.get(field) != typed
        contact.attributes = {**contact.attributes, field: typed}
    if changed:
        contact.updated_at = timezone.now()
        contact.save()
        emit(VisitorIdentified(visitor.workspace_id, visitor.pk, contact.pk), subject=contact)
    return contact


@transaction.atomic
def capture_contact_detail(visitor: Visitor, *, email: str | None = None, phone: str | None = None) -> Contact | None:
    """An email or phone the visitor typed into a field of the site: saved when the inbox allows it.

    None when capture is off for the inbox. A verified contact is returned unchanged.
    """
    if not visitor.inbox.capture_emails:
        return None
    return _take_detail(visitor, email=email, phone=phone)


@transaction.atomic
def leave_email(visitor: Visitor, email: str) -> Contact:
    """An email the visitor typed into the widget itself (the offline form, "get the reply by email")."""
    if not clean_email(email):
        raise InvalidInput(gettext("Enter your email address."), code="invalid_email")
    return _take_detail(visitor, email=email)


def _take_detail(visitor: Visitor, *, email: str | None = None, phone: str | None = None) -> Contact:
    """An email or phone the visitor gave without proof: links or creates their contact, never moves a known one."""
    visitor = _locked_visitor(visitor)
    cleaned = Traits(
        email=clean_email(email) or None if email is not None else None,
        phone=clean_phone(phone, time_zone=visitor.time_zone) or None if phone is not None else None,
    )
    if not cleaned.email and not cleaned.phone:
        raise InvalidInput(gettext("Pass an email or a phone number."), code="empty_traits")
    current = Contact.objects.filter(pk=visitor.contact_id).first() if visitor.contact_id else None
    if current is not None and current.verified:
        return current
    return _identify(visitor, cleaned, signed=False, capture=True)


# ---------------------------------------------------------------- operators


def _in_workspace(member: Member, contact: Contact) -> None:
    if contact.workspace_id != member.workspace_id:
        raise NotFound(gettext("Contact not found."))


def _operator_time_zone(contact: Contact) -> str:
    """Where a number typed without + is most likely from: the contact's latest browser."""
    latest = contact.visitors.exclude(time_zone="").order_by("-last_seen_at").values_list("time_zone", flat=True)
    return latest.first() or ""


@transaction.atomic
def update_contact(member: Member, contact: Contact, *, name: str, email: str, phone: str, company: str) -> Contact:
    """An operator's edit of the contact card; "" clears a field."""
    _in_workspace(member, contact)
    locked = _lock(Contact.objects.filter(pk=contact.pk, workspace_id=member.workspace_id)).first()
    if locked is None:
        raise NotFound(gettext("Contact not found."))
    values = {
        "name": clean_name(name),
        "email": clean_email(email),
        "phone": clean_phone(phone, time_zone=_operator_time_zone(locked)) if phone.strip() else "",
        "company": clean_company(company),
    }
    if values["email"] and values["email"] != locked.email:
        _serialise_email(member.workspace_id, values["email"])
    if (
        values["email"]
        and values["email"] != locked.email
        and Contact.objects.filter(workspace_id=member.workspace_id, email=values["email"])
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise Conflict(
            gettext("Another contact has the email %(email)s: merge the two contacts instead.")
            % {"email": values["email"]},
            code="email_taken",
        )
    changed = [f for f, v in values.items() if getattr(locked, f) != v]
    if changed:
        if "email" in changed and locked.verified:
            locked.verified = False  # the site's signature vouched for the old email, not this one
            changed.append("verified")
        for f in changed:
            if f != "verified":
                setattr(locked, f, values[f])
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*changed, "updated_at"])
        emit(ContactUpdated(member.workspace_id, locked.pk, member.pk), subject=locked)
    _copy_fields(locked, contact)
    return contact


@transaction.atomic
def create_contact_for_visitor(
    member: Member, visitor: Visitor, *, name: str, email: str, phone: str, company: str
) -> Contact:
    """An operator fills the card of an anonymous visitor: the visitor gets a contact.

    An email that already belongs to a contact of the workspace links the visitor
    to that contact (filling only its empty fields) instead of making a second one.
    A visitor who has a contact by now gets `update_contact`.
    """
    if visitor.workspace_id != member.workspace_id:
        raise NotFound(gettext("Visitor not found."))
    visitor = _locked_visitor(visitor)
    if visitor.contact_id:
        return update_contact(
            member, Contact.objects.get(pk=visitor.contact_id), name=name, email=email, phone=phone, company=company
        )
    cleaned = Traits(
        name=clean_name(name) or None,
        email=clean_email(email) or None,
        phone=clean_phone(phone, time_zone=visitor.time_zone) or None if phone.strip() else None,
        company=clean_company(company) or None,
    )
    if not cleaned.profile():
        raise InvalidInput(gettext("Enter a name, email, phone or company to save."), code="empty_traits")
    contact = None
    if cleaned.email:
        _serialise_email(member.workspace_id, cleaned.email)
        contact = (
            _lock(Contact.objects.filter(workspace_id=member.workspace_id, email=cleaned.email)).order_by("pk").first()
        )
    if contact is None:
        contact = Contact(workspace_id=member.workspace_id)
    _apply(contact, cleaned, overwrite=False)
    contact.updated_at = timezone.now()
    contact.save()
    visitor.contact = contact
    visitor.save(update_fields=["contact"])
    emit(ContactUpdated(member.workspace_id, contact.pk, member.pk), subject=contact)
    return contact


def _copy_fields(source: Model, target: Model) -> None:
    for f in (*PROFILE_FIELDS, "attributes", "verified", "updated_at"):
        setattr(target, f, getattr(source, f))


def contact_snapshot(contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "company": contact.company,
        "avatar_url": contact.avatar_url,
        "attributes": contact.attributes,
        "verified": contact.verified,
        "created_at": contact.created_at.isoformat(),
    }


@transaction.atomic
def merge_contacts(member: Member, keep: Contact, merge: Contact) -> Contact:
    """Make `merge` part of `keep`: its visitors (and their conversations, page views, events) move; it is deleted."""
    _in_workspace(member, keep)
    _in_workspace(member, merge)
    if keep.pk == merge.pk:
        raise InvalidInput(gettext("A contact cannot be merged into itself."), code="same_contact")
    rows = {
        c.pk: c
        for c in _lock(Contact.objects.filter(workspace_id=member.workspace_id, pk__in=[keep.pk, merge.pk])).order_by(
            "pk"
        )
    }
    if len(rows) != 2:
        raise NotFound(gettext("Contact not found."))
    kept, merged = rows[keep.pk], rows[merge.pk]
    snapshot = contact_snapshot(merged)
    merged_pk, merged_public_id = merged.pk, merged.public_id

    Visitor.objects.filter(contact_id=merged_pk).update(contact=kept)
    ContactMerge.objects.filter(kept_id=merged_pk).update(kept=kept)  # earlier merges into it stay on record
    for f in PROFILE_FIELDS:
        if not getattr(kept, f) and getattr(merged, f):
            setattr(kept, f, getattr(merged, f))
    kept.attributes = {**merged.attributes, **kept.attributes}
    kept.verified = kept.verified or merged.verified
    ContactMerge.objects.create(
        workspace_id=member.workspace_id,
        kept=kept,
        merged_public_id=merged_public_id,
        merged_data=snapshot,
        merged_by=member,
    )
    merged.delete()
    kept.updated_at = timezone.now()
    kept.save()
    emit(ContactMerged(member.workspace_id, kept.pk, merged_pk, member.pk), subject=kept)
    _copy_fields(kept, keep)
    return keep


# ---------------------------------------------------------------- notes and tasks

NOTE_MAX = 5000
TASK_TITLE_MAX = 200


def _clean_note(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(gettext("Write the note first."), code="empty_note")
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(
            gettext("A note can be at most %(max)d characters long.") % {"max": NOTE_MAX}, code="note_too_long"
        )
    return text


@transaction.atomic
def add_contact_note(member: Member, contact: Contact, *, text: str) -> ContactNote:
    """A note about the person, shown on their timeline."""
    _in_workspace(member, contact)
    return ContactNote.objects.create(contact=contact, author=member, text=_clean_note(text))


def _clean_assignee(member: Member, assignee: Member | None) -> Member | None:
    if assignee is not None and assignee.workspace_id != member.workspace_id:
        raise InvalidInput(gettext("Assign the task to someone of your team."), code="invalid_assignee")
    return assignee


@transaction.atomic
def create_task(
    member: Member, contact: Contact, *, title: str, due_at: datetime | None, assignee: Member | None
) -> Task:
    """A follow-up on the contact; with no assignee it is nobody's yet."""
    _in_workspace(member, contact)
    cleaned = _clean_text(title, max_length=TASK_TITLE_MAX, field="task_title", code="invalid_title")
    if not cleaned:
        raise InvalidInput(gettext("Give the task a title."), code="empty_title")
    if due_at is not None and timezone.is_naive(due_at):
        raise InvalidInput(gettext("The due date needs a time zone."), code="invalid_due_at")
    return Task.objects.create(
        workspace_id=member.workspace_id,
        contact=contact,
        title=cleaned,
        due_at=due_at,
        assignee=_clean_assignee(member, assignee),
        created_by=member,
    )


def create_task_for_bot(visitor: Visitor, *, title: str, due_at: datetime | None, assignee: Member | None) -> Task:
    """A follow-up a bot leaves on the visitor's contact (created when they have none yet)."""
    cleaned = _clean_text(title, max_length=TASK_TITLE_MAX, field="task_title", code="invalid_title")
    contact = Contact.objects.filter(pk=visitor.contact_id).first() if visitor.contact_id else None
    if contact is None:
        contact = Contact.objects.create(workspace_id=visitor.workspace_id)
        Visitor.objects.filter(pk=visitor.pk).update(contact=contact)
        visitor.contact = contact
    return Task.objects.create(
        workspace_id=visitor.workspace_id,
        contact=contact,
        title=cleaned or gettext("Follow up"),
        due_at=due_at,
        assignee=assignee if assignee and assignee.workspace_id == visitor.workspace_id else None,
    )


def _task_in_workspace(member: Member, task: Task) -> None:
    if task.workspace_id != member.workspace_id:
        raise NotFound(gettext("Task not found."))


@transaction.atomic
def complete_task(member: Member, task: Task) -> Task:
    _task_in_workspace(member, task)
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
    return task


@transaction.atomic
def reopen_task(member: Member, task: Task) -> Task:
    _task_in_workspace(member, task)
    if task.done_at is not None:
        task.done_at = None
        task.save(update_fields=["done_at"])
    return task


@transaction.atomic
def delete_task(member: Member, task: Task) -> None:
    _task_in_workspace(member, task)
    task.delete()


# ---------------------------------------------------------------- CSV import

IMPORT_TARGETS = ("name", "email", "phone", "company")  # besides attribute keys and "" (ignore)


@transaction.atomic
def create_import_job(member: Member, *, file_name: str, text: str) -> ImportJob:
    """A CSV waiting for its column mapping; the text is stored as UTF-8, whatever it was uploaded in."""
    require_admin(member)
    job = ImportJob(workspace_id=member.workspace_id, created_by=member, file_name=file_name[:200])
    job.file.save(f"{job.public_id.hex}.csv", ContentFile(text.encode("utf-8")), save=False)
    job.save()
    return job


@transaction.atomic
def start_import(member: Member, job: ImportJob, *, columns: list[str], mapping: dict[str, str]) -> ImportJob:
    """Save the column mapping and queue the import (on commit)."""
    from contacts.tasks import import_contacts

    require_admin(member)
    if job.workspace_id != member.workspace_id:
        raise NotFound(gettext("Import not found."))
    job = _lock(ImportJob.objects.filter(pk=job.pk)).get()
    if job.mapping or job.status != ImportJob.Status.PENDING:
        raise Conflict(gettext("This import has started already."), code="import_started")
    keys = set(AttributeDefinition.objects.filter(workspace_id=member.workspace_id).values_list("key", flat=True))
    cleaned: dict[str, str] = {}
    used: dict[str, str] = {}
    for column in columns:
        target = (mapping.get(column) or "").strip()
        if not target:
            continue
        if target not in IMPORT_TARGETS and target not in keys:
            raise InvalidInput(
                gettext("Column “%(column)s”: “%(target)s” is not a field of contacts.")
                % {"column": column, "target": target},
                code="invalid_mapping",
            )
        if target in used:
            raise InvalidInput(
                gettext("Columns “%(a)s” and “%(b)s” both go to %(target)s: choose one.")
                % {"a": used[target], "b": column, "target": target},
                code="duplicate_mapping",
            )
        used[target] = column
        cleaned[column] = target
    if "email" not in used and "phone" not in used:
        raise InvalidInput(
            gettext("Map a column to email or phone: contacts are matched by them."), code="mapping_needs_key"
        )
    job.mapping = cleaned
    job.save(update_fields=["mapping"])
    transaction.on_commit(lambda: import_contacts.enqueue(job.pk))
    return job


def import_contact_row(workspace_id: int, values: dict[str, str], definitions: dict[str, AttributeDefinition]) -> bool:
    """Validate one CSV row and upsert its contact by email, then phone; True when a contact was created.

    Raises RowError for the first bad cell, before anything is written. Empty cells change nothing.
    """
    cleaned: dict[str, str] = {}
    for target, clean in (
        ("name", clean_name),
        ("email", clean_email),
        ("phone", clean_phone),
        ("company", clean_company),
    ):
        raw = values.get(target, "")
        if raw.strip():
            try:
                cleaned[target] = clean(raw)
            except InvalidInput as error:
                raise RowError(target, error.detail) from None
    if not cleaned.get("email") and not cleaned.get("phone"):
        raise RowError("", gettext("The row has neither an email nor a phone number."))
    attributes: dict[str, Any] = {}
    for key, definition in definitions.items():
        raw = values.get(key, "")
        if raw.strip():
            try:
                attributes[key] = coerce_attribute(definition, raw)
                _check_value_size(key, attributes[key])
            except InvalidInput as error:
                raise RowError(key, error.detail) from None
    contacts = Contact.objects.filter(workspace_id=workspace_id)
    contact = None
    if cleaned.get("email"):
        _serialise_email(workspace_id, cleaned["email"])
        contact = _lock(contacts.filter(email=cleaned["email"])).order_by("pk").first()
    if contact is None and cleaned.get("phone"):
        # A phone names the same person unless that contact has another email.
        by_phone = _lock(contacts.filter(phone=cleaned["phone"])).order_by("pk").first()
        if by_phone is not None and (not by_phone.email or not cleaned.get("email")):
            contact = by_phone
    created = contact is None
    if contact is None:
        contact = Contact(workspace_id=workspace_id)
    if contact.verified and cleaned.get("email", contact.email) != contact.email:
        contact.verified = False  # the site's signature vouched for the old email, not this one
    for name, value in cleaned.items():
        setattr(contact, name, value)
    contact.attributes = {**contact.attributes, **attributes}
    contact.updated_at = timezone.now()
    contact.save()
    return created


class RowError(Exception):
    """A cell of an imported row that does not fit; the row is skipped and reported."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


# ---------------------------------------------------------------- GDPR erasure

logger = logging.getLogger("parley.gdpr")


@transaction.atomic
def erase_contact(member: Member, contact: Contact) -> None:
    """Delete the contact and every row holding their personal data; stored files go once this commits.

    Gone: the contact, its notes and tasks, merge records into it (they hold the merged contact's details), its
    visitors with their page views, events, conversations, messages (private notes included), notifications
    and attachments (and the attachments' files), and lines of import reports naming its email or phone.
    Only an anonymous line is logged: who erased a contact of which workspace, and when.
    """
    require_admin(member)
    _in_workspace(member, contact)
    locked = _lock(Contact.objects.filter(pk=contact.pk, workspace_id=member.workspace_id)).first()
    if locked is None:
        raise NotFound(gettext("Contact not found."))
    visitors = Visitor.objects.filter(contact_id=locked.pk)
    files = list(Attachment.objects.filter(message__conversation__visitor__in=visitors).values_list("file", flat=True))
    identifiers = [v for v in (locked.email, locked.phone) if v]
    Visitor.objects.filter(pk__in=list(visitors.values_list("pk", flat=True))).delete()
    locked.delete()  # notes, tasks and merge records go with it
    if identifiers:
        for job in ImportJob.objects.filter(workspace_id=member.workspace_id).exclude(errors=[]):
            kept = [e for e in job.errors if not any(i in json.dumps(e, ensure_ascii=False) for i in identifiers)]
            if len(kept) != len(job.errors):
                job.errors = kept
                job.save(update_fields=["errors"])

    def delete_files() -> None:
        for name in files:
            if name:
                default_storage.delete(name)

    transaction.on_commit(delete_files)
    logger.info("contact erased", extra={"workspace_id": member.workspace_id, "member_id": member.pk})


# ---------------------------------------------------------------- segments

from contacts.models import Segment  # noqa: E402  (kept with the section it serves)
from contacts.segments import MAX_SEGMENTS, clean_rules  # noqa: E402

SEGMENT_NAME_MAX = 100


def _clean_segment(member: Member, name: object, rules: object, *, exclude_pk: int | None = None) -> tuple[str, Any]:
    cleaned = _clean_text(name, max_length=SEGMENT_NAME_MAX, field="segment_name", code="invalid_name")
    if not cleaned:
        raise InvalidInput(gettext("Give the segment a name."), code="empty_name")
    others = Segment.objects.filter(workspace_id=member.workspace_id, name__iexact=cleaned)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise Conflict(
            gettext("There is a segment named “%(name)s” already.") % {"name": cleaned}, code="segment_exists"
        )
    return cleaned, clean_rules(member.workspace_id, rules)


@transaction.atomic
def create_segment(member: Member, *, name: str, rules: Any) -> Segment:
    """A saved rule set over the workspace's contacts; admins only, names unique per workspace."""
    require_admin(member)
    if Segment.objects.filter(workspace_id=member.workspace_id).count() >= MAX_SEGMENTS:
        raise Conflict(
            gettext("A workspace can have at most %(max)d segments.") % {"max": MAX_SEGMENTS}, code="too_many_segments"
        )
    cleaned_name, cleaned_rules = _clean_segment(member, name, rules)
    try:
        with transaction.atomic():
            return Segment.objects.create(
                workspace_id=member.workspace_id, name=cleaned_name, rules=cleaned_rules, created_by=member
            )
    except IntegrityError:
        raise Conflict(
            gettext("There is a segment named “%(name)s” already.") % {"name": cleaned_name}, code="segment_exists"
        ) from None


def _segment_in_workspace(member: Member, segment: Segment) -> None:
    if segment.workspace_id != member.workspace_id:
        raise NotFound(gettext("Segment not found."))


@transaction.atomic
def update_segment(member: Member, segment: Segment, *, name: str, rules: Any) -> Segment:
    require_admin(member)
    _segment_in_workspace(member, segment)
    segment.name, segment.rules = _clean_segment(member, name, rules, exclude_pk=segment.pk)
    try:
        with transaction.atomic():
            segment.save(update_fields=["name", "rules"])
    except IntegrityError:
        raise Conflict(
            gettext("There is a segment named “%(name)s” already.") % {"name": segment.name}, code="segment_exists"
        ) from None
    return segment


@transaction.atomic
def delete_segment(member: Member, segment: Segment) -> None:
    require_admin(member)
    _segment_in_workspace(member, segment)
    segment.delete()


# ---------------------------------------------------------------- custom attribute definitions

ATTRIBUTE_LABEL_MAX = 100
ATTRIBUTE_OPTION_MAX = 100  # characters of one option of a list attribute
ATTRIBUTE_OPTIONS_MAX = 100  # options of one list attribute
RESERVED_ATTRIBUTE_KEYS = STANDARD_TRAITS | {"avatar_url"}
_REMOVE_BATCH = 500


def _clean_attribute_label(label: object) -> str:
    cleaned = _clean_text(label, max_length=ATTRIBUTE_LABEL_MAX, field="attribute_label", code="invalid_label")
    if not cleaned:
        raise InvalidInput(gettext("Give the attribute a label."), code="empty_label")
    return cleaned


def _clean_attribute_type(kind: object) -> str:
    if kind not in AttributeDefinition.Type.values:
        raise InvalidInput(
            gettext("The type must be one of: %(types)s.") % {"types": ", ".join(AttributeDefinition.Type.values)},
            code="invalid_type",
        )
    return str(kind)


def _clean_attribute_options(kind: str, options: object) -> list[str]:
    """The allowed values of a list attribute: at least one, trimmed, unique; other types take none."""
    if kind != AttributeDefinition.Type.LIST:
        return []
    if not isinstance(options, list | tuple) or not all(isinstance(o, str) for o in options):
        raise InvalidInput(gettext("The options must be a list of texts."), code="invalid_options")
    cleaned: list[str] = []
    for option in options:
        text = " ".join(option.split())
        if not text or text in cleaned:
            continue
        if len(text) > ATTRIBUTE_OPTION_MAX:
            raise InvalidInput(
                gettext("An option can be at most %(max)d characters long.") % {"max": ATTRIBUTE_OPTION_MAX},
                code="invalid_options",
            )
        cleaned.append(text)
    if not cleaned:
        raise InvalidInput(gettext("Give a list attribute at least one option."), code="empty_options")
    if len(cleaned) > ATTRIBUTE_OPTIONS_MAX:
        raise InvalidInput(
            gettext("A list attribute can have at most %(max)d options.") % {"max": ATTRIBUTE_OPTIONS_MAX},
            code="too_many_options",
        )
    return cleaned


def _attribute_in_workspace(member: Member, definition: AttributeDefinition) -> None:
    if definition.workspace_id != member.workspace_id:
        raise NotFound(gettext("Attribute not found."))


def _attribute_taken(key: str) -> Conflict:
    return Conflict(gettext("There is an attribute “%(key)s” already.") % {"key": key}, code="attribute_exists")


@transaction.atomic
def create_attribute(member: Member, *, key: str, label: str, type: str, options: list[str]) -> AttributeDefinition:
    """A custom attribute of the workspace's contacts; admins only, keys unique per workspace."""
    require_admin(member)
    cleaned_key = key.strip() if isinstance(key, str) else ""
    if not _ATTRIBUTE_KEY.match(cleaned_key):
        raise InvalidInput(
            gettext("The key must be 1 to 50 letters, digits, _ or - (the name sites use, e.g. plan)."),
            code="invalid_key",
        )
    if cleaned_key.lower() in RESERVED_ATTRIBUTE_KEYS:
        raise InvalidInput(
            gettext("“%(key)s” is a standard field of contacts: choose another key.") % {"key": cleaned_key},
            code="reserved_key",
        )
    kind = _clean_attribute_type(type)
    values = {"label": _clean_attribute_label(label), "type": kind, "options": _clean_attribute_options(kind, options)}
    definitions = AttributeDefinition.objects.filter(workspace_id=member.workspace_id)
    if definitions.filter(key=cleaned_key).exists():
        raise _attribute_taken(cleaned_key)
    if definitions.count() >= MAX_ATTRIBUTES:
        raise Conflict(
            gettext("A workspace can have at most %(max)d custom attributes.") % {"max": MAX_ATTRIBUTES},
            code="too_many_attributes",
        )
    try:
        with transaction.atomic():
            return AttributeDefinition.objects.create(workspace_id=member.workspace_id, key=cleaned_key, **values)
    except IntegrityError:
        raise _attribute_taken(cleaned_key) from None


def _attribute_has_values(definition: AttributeDefinition) -> bool:
    return Contact.objects.filter(workspace_id=definition.workspace_id, attributes__has_key=definition.key).exists()


@transaction.atomic
def update_attribute(
    member: Member, definition: AttributeDefinition, *, label: str, type: str, options: list[str]
) -> AttributeDefinition:
    """Change the label and the options; the type only while no contact has a value (the key never changes)."""
    require_admin(member)
    _attribute_in_workspace(member, definition)
    locked = _lock(AttributeDefinition.objects.filter(pk=definition.pk)).get()
    kind = _clean_attribute_type(type)
    cleaned_label = _clean_attribute_label(label)
    cleaned_options = _clean_attribute_options(kind, options)
    if kind != locked.type and _attribute_has_values(locked):
        raise Conflict(
            gettext(
                "Contacts have values for “%(key)s”: its type cannot change. Delete the attribute and create it "
                "again to start over."
            )
            % {"key": locked.key},
            code="attribute_in_use",
        )
    locked.label, locked.type, locked.options = cleaned_label, kind, cleaned_options
    locked.save(update_fields=["label", "type", "options"])
    for f in ("label", "type", "options"):
        setattr(definition, f, getattr(locked, f))
    return definition


def remove_attribute_values(workspace_id: int, key: str) -> int:
    """Take the key out of every contact's attributes: one UPDATE on SQLite and PostgreSQL, else batches of 500.

    Returns how many contacts had a value.
    """
    table = connection.ops.quote_name(Contact._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET attributes = attributes - %s WHERE workspace_id = %s AND attributes ? %s",  # noqa: S608
                [key, workspace_id, key],
            )
            return cursor.rowcount
    if connection.vendor == "sqlite":
        path = '$."' + key + '"'  # keys are letters, digits, _ and - (_ATTRIBUTE_KEY): nothing to escape
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET attributes = json_remove(attributes, %s) "  # noqa: S608
                "WHERE workspace_id = %s AND json_type(attributes, %s) IS NOT NULL",
                [path, workspace_id, path],
            )
            return cursor.rowcount
    removed = 0
    holders = Contact.objects.filter(workspace_id=workspace_id, attributes__has_key=key).order_by("pk")
    while batch := list(_lock(holders)[:_REMOVE_BATCH]):
        for contact in batch:
            contact.attributes = {k: v for k, v in contact.attributes.items() if k != key}
        Contact.objects.bulk_update(batch, ["attributes"])
        removed += len(batch)
    return removed


@transaction.atomic
def delete_attribute(member: Member, definition: AttributeDefinition) -> int:
    """Delete the definition and its values on every contact of the workspace; how many contacts had one."""
    require_admin(member)
    _attribute_in_workspace(member, definition)
    locked = _lock(AttributeDefinition.objects.filter(pk=definition.pk)).first()
    if locked is None:
        raise NotFound(gettext("Attribute not found."))
    removed = remove_attribute_values(member.workspace_id, locked.key)
    locked.delete()
    return removed
