"""Segments: saved rule sets over contacts, compiled to one database filter.

Rules are JSON: ``{"match": "all" | "any", "conditions": [...]}`` with at most 20 conditions, each one of:

- ``{"kind": "field", "field": "name|email|phone|company|verified", "op": ..., "value": ...}``; ops ``is_set``,
  ``is_not_set``, ``equals``, ``contains``, ``starts_with`` (case-insensitive). ``verified`` takes ``is_set``
  (verified), ``is_not_set`` (not verified) or ``equals`` with true/false.
- ``{"kind": "attribute", "key": "plan", "op": ..., "value": ...}``, by the workspace's AttributeDefinition type:
  text ``equals``/``not_equals``/``contains``; number and date ``gt``/``lt``/``between`` (value ``[low, high]``,
  both ends included) and ``equals``; boolean ``is_true``/``is_false``; list ``in`` (value: a list of options)
  and ``equals``/``not_equals``; every type ``is_set``/``is_not_set``. Validated rules record the key's
  ``type``, so stored segments compile without looking the definitions up again.
- ``{"kind": "event", "op": "did|did_not", "name": "signed_up", "count": 3, "days": 30}``: did (at least
  ``count`` times, default 1) within the last ``days`` days (optional); did_not is its negation.
- ``{"kind": "page", "op": "visited|not_visited", "value": "/pricing", "days": 7}``: a page view whose URL
  contains the text, on any of the contact's visitors.
- ``{"kind": "source", "op": "referrer_contains|utm_source_equals|direct", "value": "google"}``: the first touch
  of any of the contact's visitors; ``direct`` is no referrer and no utm_source.
- ``{"kind": "language", "op": "starts_with", "value": "ru"}``: the browser language of any visitor.
- ``{"kind": "last_seen", "op": "within_days|more_than_days_ago", "days": 7}``: over the latest ``last_seen_at``
  of the contact's visitors; a contact with no visitor was never seen and matches neither.

``segment_filter`` returns a ``Q`` built from ``Exists`` subqueries and JSON key lookups: the database decides
membership (SQLite and PostgreSQL alike), never a loop over contacts.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy, pgettext_lazy

from contacts.models import AttributeDefinition, Contact, Segment
from core.errors import InvalidInput
from visitors.models import Event, PageView, Visitor

MAX_CONDITIONS = 20
MAX_SEGMENTS = 50  # per workspace
MAX_DAYS = 3650
MAX_COUNT = 1_000_000
MAX_TEXT = 200
MAX_LIST = 50

KINDS = ("field", "attribute", "event", "page", "source", "language", "last_seen")
FIELDS = ("name", "email", "phone", "company", "verified")
TEXT_FIELD_OPS = ("is_set", "is_not_set", "equals", "contains", "starts_with")
VERIFIED_OPS = ("is_set", "is_not_set", "equals", "is_true", "is_false")
ATTRIBUTE_OPS: dict[str, tuple[str, ...]] = {
    AttributeDefinition.Type.TEXT: ("equals", "not_equals", "contains", "is_set", "is_not_set"),
    AttributeDefinition.Type.NUMBER: ("equals", "gt", "lt", "between", "is_set", "is_not_set"),
    AttributeDefinition.Type.DATE: ("equals", "gt", "lt", "between", "is_set", "is_not_set"),
    AttributeDefinition.Type.BOOLEAN: ("is_true", "is_false", "is_set", "is_not_set"),
    AttributeDefinition.Type.LIST: ("equals", "not_equals", "in", "is_set", "is_not_set"),
}
EVENT_OPS = ("did", "did_not")
PAGE_OPS = ("visited", "not_visited")
SOURCE_OPS = ("referrer_contains", "utm_source_equals", "direct")
LANGUAGE_OPS = ("starts_with",)
LAST_SEEN_OPS = ("within_days", "more_than_days_ago")
OPS_BY_KIND: dict[str, tuple[str, ...]] = {
    "field": tuple(dict.fromkeys(TEXT_FIELD_OPS + VERIFIED_OPS)),
    "attribute": tuple(dict.fromkeys(op for ops in ATTRIBUTE_OPS.values() for op in ops)),
    "event": EVENT_OPS,
    "page": PAGE_OPS,
    "source": SOURCE_OPS,
    "language": LANGUAGE_OPS,
    "last_seen": LAST_SEEN_OPS,
}


# What people see for each kind of condition, in messages and in the rule builder.
KIND_LABELS = {
    "field": pgettext_lazy("segment condition", "Contact field"),
    "attribute": pgettext_lazy("segment condition", "Attribute"),
    "event": pgettext_lazy("segment condition", "Event"),
    "page": pgettext_lazy("segment condition", "Page visit"),
    "source": pgettext_lazy("segment condition", "Source"),
    "language": pgettext_lazy("segment condition", "Language"),
    "last_seen": pgettext_lazy("segment condition", "Last seen"),
}

# The problems of each text in a condition, as whole sentences: (not text, empty, too long).
_TEXT_ERRORS = {
    "value": (
        gettext_lazy("The value must be text."),
        gettext_lazy("The value is empty."),
        ngettext_lazy(
            "The value is too long (at most %(max)d character).",
            "The value is too long (at most %(max)d characters).",
            "max",
        ),
    ),
    "list_value": (
        gettext_lazy("Each value of the list must be text."),
        gettext_lazy("A value of the list is empty."),
        ngettext_lazy(
            "A value of the list is too long (at most %(max)d character).",
            "A value of the list is too long (at most %(max)d characters).",
            "max",
        ),
    ),
    "event_name": (
        gettext_lazy("The event name must be text."),
        gettext_lazy("The event name is empty."),
        ngettext_lazy(
            "The event name is too long (at most %(max)d character).",
            "The event name is too long (at most %(max)d characters).",
            "max",
        ),
    ),
    "url_text": (
        gettext_lazy("The URL text must be text."),
        gettext_lazy("The URL text is empty."),
        ngettext_lazy(
            "The URL text is too long (at most %(max)d character).",
            "The URL text is too long (at most %(max)d characters).",
            "max",
        ),
    ),
    "language": (
        gettext_lazy("The language code must be text."),
        gettext_lazy("The language code is empty."),
        ngettext_lazy(
            "The language code is too long (at most %(max)d character).",
            "The language code is too long (at most %(max)d characters).",
            "max",
        ),
    ),
}

_WHOLE_ERRORS = {
    "count": gettext_lazy("The count must be a whole number from %(low)d to %(high)d."),
    "days": gettext_lazy("The number of days must be a whole number from %(low)d to %(high)d."),
}

# "“plan” is a text attribute; …": one sentence per type, so that a translation can word each.
_WRONG_ATTRIBUTE_OP: dict[str, Promise] = {
    AttributeDefinition.Type.TEXT: gettext_lazy("“%(key)s” is a text attribute; it takes %(ops)s."),
    AttributeDefinition.Type.NUMBER: gettext_lazy("“%(key)s” is a number attribute; it takes %(ops)s."),
    AttributeDefinition.Type.DATE: gettext_lazy("“%(key)s” is a date attribute; it takes %(ops)s."),
    AttributeDefinition.Type.BOOLEAN: gettext_lazy("“%(key)s” is a yes/no attribute; it takes %(ops)s."),
    AttributeDefinition.Type.LIST: gettext_lazy("“%(key)s” is a list attribute; it takes %(ops)s."),
}
_ATTRIBUTE_TAKES = gettext_lazy("“%(key)s” takes %(ops)s.")


class RuleError(InvalidInput):
    """Rules that do not validate; the message names the condition (1-based) and what is wrong with it."""

    def __init__(self, detail: str, *, index: int | None = None) -> None:
        super().__init__(detail, code="invalid_rules")
        self.index = index


def _error(index: int, kind: str, problem: str) -> RuleError:
    return RuleError(
        gettext("Condition %(number)d (%(kind)s): %(problem)s")
        % {"number": index + 1, "kind": KIND_LABELS.get(kind, kind), "problem": problem},
        index=index,
    )


# ---------------------------------------------------------------- validation


def attribute_types(workspace_id: int) -> dict[str, str]:
    """The workspace's attribute keys and their types (one query)."""
    return dict(AttributeDefinition.objects.filter(workspace_id=workspace_id).values_list("key", "type"))


def clean_rules(workspace_id: int, rules: object) -> dict[str, Any]:
    """Validated, normalised rules (attribute conditions carry their key's type); RuleError naming the condition."""
    needs_types = (
        isinstance(rules, dict)
        and isinstance(rules.get("conditions"), list)
        and any(isinstance(c, dict) and c.get("kind") == "attribute" for c in rules["conditions"])
    )
    return normalise_rules(rules, attribute_types(workspace_id) if needs_types else {})


def normalise_rules(rules: object, types: Mapping[str, str]) -> dict[str, Any]:
    """Check the rules against the attribute types given (no query); RuleError naming the bad condition."""
    if not isinstance(rules, dict):
        raise RuleError(gettext("Rules must be an object with “match” and “conditions”."))
    unknown = set(rules) - {"match", "conditions"}
    if unknown:
        raise RuleError(gettext("Unknown rule setting: %(names)s.") % {"names": ", ".join(sorted(map(str, unknown)))})
    match = rules.get("match", "all")
    if match not in ("all", "any"):
        raise RuleError(gettext("“match” must be “all” or “any”."))
    conditions = rules.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        raise RuleError(gettext("Add at least one condition."))
    if len(conditions) > MAX_CONDITIONS:
        raise RuleError(gettext("A segment can have at most %(max)d conditions.") % {"max": MAX_CONDITIONS})
    return {"match": match, "conditions": [_clean_condition(i, c, types) for i, c in enumerate(conditions)]}


def _text(index: int, kind: str, value: object, what: str) -> str:
    """A non-empty text of at most MAX_TEXT characters; `what` is a key of _TEXT_ERRORS."""
    not_text, empty, too_long = _TEXT_ERRORS[what]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _error(index, kind, str(not_text))
    text = str(value).strip()
    if not text:
        raise _error(index, kind, str(empty))
    if len(text) > MAX_TEXT:
        raise _error(index, kind, too_long % {"max": MAX_TEXT})
    return text


def _whole(index: int, kind: str, value: object, what: str, *, low: int, high: int) -> int:
    """A whole number from low to high; `what` is a key of _WHOLE_ERRORS."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _error(index, kind, _WHOLE_ERRORS[what] % {"low": low, "high": high})
    return value


def _optional_whole(
    index: int, kind: str, condition: dict[str, Any], key: str, what: str, *, low: int, high: int
) -> int | None:
    value = condition.get(key)
    if value is None or value == "":
        return None
    return _whole(index, kind, value, what, low=low, high=high)


def _number(index: int, kind: str, value: object) -> int | float:
    if isinstance(value, bool):
        raise _error(index, kind, gettext("expected a number."))
    if isinstance(value, int | float):
        number: int | float = value
    else:
        try:
            text = str(value).strip()
            number = int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:
            raise _error(index, kind, gettext("expected a number.")) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _error(index, kind, gettext("expected a finite number."))
    return number


def _date(index: int, kind: str, value: object) -> str:
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise _error(index, kind, gettext("expected a date such as 2026-03-31.")) from None


def _clean_condition(index: int, condition: object, types: Mapping[str, str]) -> dict[str, Any]:
    if not isinstance(condition, dict):
        raise RuleError(gettext("Condition %(number)d: must be an object.") % {"number": index + 1}, index=index)
    kind = condition.get("kind")
    if kind not in KINDS:
        raise RuleError(
            gettext("Condition %(number)d: unknown kind “%(kind)s”; use one of %(kinds)s.")
            % {"number": index + 1, "kind": str(kind)[:40], "kinds": ", ".join(KINDS)},
            index=index,
        )
    op = condition.get("op")
    if op not in OPS_BY_KIND[kind]:
        raise _error(
            index,
            kind,
            gettext("unknown operator “%(op)s”; use one of %(ops)s.")
            % {"op": str(op)[:40], "ops": ", ".join(OPS_BY_KIND[kind])},
        )
    cleaner = {
        "field": _clean_field,
        "attribute": _clean_attribute,
        "event": _clean_event,
        "page": _clean_page,
        "source": _clean_source,
        "language": _clean_language,
        "last_seen": _clean_last_seen,
    }[kind]
    return cleaner(index, op, condition, types)


def _clean_field(index: int, op: str, c: dict[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
    name = c.get("field")
    if name not in FIELDS:
        raise _error(
            index,
            "field",
            gettext("unknown field “%(field)s”; use one of %(fields)s.")
            % {"field": str(name)[:40], "fields": ", ".join(FIELDS)},
        )
    if name == "verified":
        if op not in VERIFIED_OPS:
            raise _error(index, "field", gettext("“verified” takes is_set, is_not_set, equals, is_true or is_false."))
        if op == "equals":
            value = c.get("value")
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
                value = value.strip().lower() in ("true", "yes", "1")
            if not isinstance(value, bool):
                raise _error(index, "field", gettext("“verified” equals true or false."))
            op = "is_true" if value else "is_false"
        elif op in ("is_set", "is_not_set"):
            op = "is_true" if op == "is_set" else "is_false"
        return {"kind": "field", "field": name, "op": op}
    if op not in TEXT_FIELD_OPS:
        raise _error(
            index, "field", gettext("“%(field)s” takes %(ops)s.") % {"field": name, "ops": ", ".join(TEXT_FIELD_OPS)}
        )
    cleaned = {"kind": "field", "field": name, "op": op}
    if op not in ("is_set", "is_not_set"):
        cleaned["value"] = _text(index, "field", c.get("value"), "value")
    return cleaned


def _clean_attribute(index: int, op: str, c: dict[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
    key = c.get("key")
    if not isinstance(key, str) or not key.strip():
        raise _error(index, "attribute", gettext("name the attribute."))
    key = key.strip()
    if key not in types:
        raise _error(index, "attribute", gettext("there is no attribute “%(key)s”.") % {"key": key[:60]})
    kind = types[key]
    allowed = ATTRIBUTE_OPS.get(kind, ())
    if op not in allowed:
        raise _error(
            index,
            "attribute",
            _WRONG_ATTRIBUTE_OP.get(kind, _ATTRIBUTE_TAKES) % {"key": key, "ops": ", ".join(allowed) or "—"},
        )
    cleaned: dict[str, Any] = {"kind": "attribute", "key": key, "type": kind, "op": op}
    value = c.get("value")
    if op in ("is_set", "is_not_set", "is_true", "is_false"):
        return cleaned
    if op == "between":
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise _error(index, "attribute", gettext("“between” takes two values: from and to."))
        ends = [_scalar(index, kind, v) for v in value]
        if ends[0] > ends[1]:
            raise _error(index, "attribute", gettext("the first value of “between” must not be above the second."))
        cleaned["value"] = ends
    elif op == "in":
        items = value if isinstance(value, list) else [v for v in str(value or "").split(",")]
        items = [_text(index, "attribute", v, "list_value") for v in items if str(v).strip()]
        if not items:
            raise _error(index, "attribute", gettext("“in” takes at least one value."))
        if len(items) > MAX_LIST:
            raise _error(index, "attribute", gettext("“in” takes at most %(max)d values.") % {"max": MAX_LIST})
        cleaned["value"] = items
    else:
        cleaned["value"] = _scalar(index, kind, value)
    return cleaned


def _scalar(index: int, kind: str, value: object) -> Any:
    if kind == AttributeDefinition.Type.NUMBER:
        return _number(index, "attribute", value)
    if kind == AttributeDefinition.Type.DATE:
        return _date(index, "attribute", value)
    return _text(index, "attribute", value, "value")


def _clean_event(index: int, op: str, c: dict[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {
        "kind": "event",
        "op": op,
        "name": _text(index, "event", c.get("name"), "event_name"),
    }
    count = _optional_whole(index, "event", c, "count", "count", low=1, high=MAX_COUNT)
    days = _optional_whole(index, "event", c, "days", "days", low=1, high=MAX_DAYS)
    if count is not None and count > 1:
        cleaned["count"] = count
    if days is not None:
        cleaned["days"] = days
    return cleaned


def _clean_page(index: int, op: str, c: dict[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {
        "kind": "page",
        "op": op,
        "value": _text(index, "page", c.get("value"), "url_text"),
    }
    days = _optional_whole(index, "page", c, "days", "days", low=1, high=MAX_DAYS)
    if days is not None:
        cleaned["days"] = days
    return cleaned


def _clean_source(index: int, op: str, c: dict[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
    if op == "direct":
        return {"kind": "source", "op": op}
    return {"kind": "source", "op": op, "value": _text(index, "source", c.get("value"), "value")}


def _clean_language(index: int, op: str, c: dict[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
    value = _text(index, "language", c.get("value"), "language")
    if len(value) > 35:
        raise _error(index, "language", gettext("a language code is at most 35 characters, e.g. “ru” or “en-GB”."))
    return {"kind": "language", "op": op, "value": value}


def _clean_last_seen(index: int, op: str, c: dict[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
    days = _whole(index, "last_seen", c.get("days"), "days", low=0, high=MAX_DAYS)
    return {"kind": "last_seen", "op": op, "days": days}


# ---------------------------------------------------------------- compiling


@dataclass(frozen=True)
class _Context:
    workspace_id: int
    now: Any


def segment_filter(workspace_id: int, rules: object) -> Q:
    """The filter on Contact selecting the rules' members: ``Contact.objects.filter(workspace_id=w, <Q>)``.

    Validates first (RuleError naming the condition); looks the attribute types up when there are attribute
    conditions (one query).
    """
    return compile_rules(workspace_id, clean_rules(workspace_id, rules))


def stored_filter(segment: Segment) -> Q:
    """The filter of a saved segment, from its validated rules, without a query."""
    types = {
        c["key"]: c["type"]
        for c in (segment.rules or {}).get("conditions", [])
        if isinstance(c, dict) and c.get("kind") == "attribute" and isinstance(c.get("key"), str) and "type" in c
    }
    return compile_rules(segment.workspace_id, normalise_rules(segment.rules, types))


def compile_rules(workspace_id: int, cleaned: dict[str, Any]) -> Q:
    """The Q of rules that went through normalise_rules."""
    ctx = _Context(workspace_id, timezone.now())
    parts = [_compile(ctx, c) for c in cleaned["conditions"]]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined | part if cleaned["match"] == "any" else combined & part
    return combined


def _visitors(ctx: _Context) -> QuerySet[Visitor]:
    return Visitor.objects.filter(workspace_id=ctx.workspace_id, contact_id=OuterRef("pk"))


def _cutoff(ctx: _Context, days: int) -> Any:
    return ctx.now - timedelta(days=days)


def _compile(ctx: _Context, c: dict[str, Any]) -> Q:
    kind, op = c["kind"], c["op"]
    if kind == "field":
        return _compile_field(c["field"], op, c.get("value"))
    if kind == "attribute":
        return _compile_attribute(c["key"], c["type"], op, c.get("value"))
    if kind == "event":
        events = Event.objects.filter(
            visitor__workspace_id=ctx.workspace_id, visitor__contact_id=OuterRef("pk"), name=c["name"]
        )
        if "days" in c:
            events = events.filter(created_at__gte=_cutoff(ctx, c["days"]))
        subquery: QuerySet[Any, Any] = events
        if c.get("count", 1) > 1:
            subquery = (
                events.order_by()
                .values("visitor__contact_id")
                .annotate(times=Count("pk"))
                .filter(times__gte=c["count"])
            )
        did = Q(Exists(subquery))
        return did if op == "did" else ~did
    if kind == "page":
        pages = PageView.objects.filter(
            visitor__workspace_id=ctx.workspace_id, visitor__contact_id=OuterRef("pk"), url__icontains=c["value"]
        )
        if "days" in c:
            pages = pages.filter(created_at__gte=_cutoff(ctx, c["days"]))
        visited = Q(Exists(pages))
        return visited if op == "visited" else ~visited
    if kind == "source":
        if op == "referrer_contains":
            return Q(Exists(_visitors(ctx).filter(first_referrer__icontains=c["value"])))
        if op == "utm_source_equals":
            return Q(Exists(_visitors(ctx).filter(utm__utm_source__iexact=c["value"])))
        no_utm = ~Q(utm__has_key="utm_source") | Q(utm__utm_source="")
        return Q(Exists(_visitors(ctx).filter(no_utm, first_referrer="")))
    if kind == "language":
        return Q(Exists(_visitors(ctx).filter(language__istartswith=c["value"])))
    # last_seen: the latest last_seen_at of the contact's visitors against the cutoff
    cutoff = _cutoff(ctx, c["days"])
    recent = Q(Exists(_visitors(ctx).filter(last_seen_at__gte=cutoff)))
    if op == "within_days":
        return recent
    return Q(Exists(_visitors(ctx))) & ~recent


def _compile_field(name: str, op: str, value: Any) -> Q:
    if name == "verified":
        return Q(verified=op == "is_true")
    if op == "is_set":
        return ~Q(**{name: ""})
    if op == "is_not_set":
        return Q(**{name: ""})
    lookup = {"equals": "iexact", "contains": "icontains", "starts_with": "istartswith"}[op]
    return Q(**{f"{name}__{lookup}": value})


def _compile_attribute(key: str, kind: str, op: str, value: Any) -> Q:
    path = f"attributes__{key}"
    has = Q(attributes__has_key=key)
    if op == "is_set":
        return has & ~Q(**{path: None}) & ~Q(**{path: ""})
    if op == "is_not_set":
        return ~(has & ~Q(**{path: None}) & ~Q(**{path: ""}))
    if op in ("is_true", "is_false"):
        return Q(**{path: op == "is_true"})
    if kind == AttributeDefinition.Type.DATE:
        text = KeyTextTransform(key, "attributes")
        if op == "equals":
            return Q(**{path: value})
        if op == "gt":
            return Q(GreaterThan(text, Value(value)))
        if op == "lt":
            return Q(LessThan(text, Value(value)))
        return Q(GreaterThanOrEqual(text, Value(value[0]))) & Q(LessThanOrEqual(text, Value(value[1])))
    if kind == AttributeDefinition.Type.NUMBER:
        if op == "equals":
            return Q(**{path: value})
        if op == "gt":
            return Q(**{f"{path}__gt": value})
        if op == "lt":
            return Q(**{f"{path}__lt": value})
        return Q(**{f"{path}__gte": value[0], f"{path}__lte": value[1]})
    # text and list values are stored as strings
    if op == "equals":
        return Q(**{f"{path}__iexact": value})
    if op == "not_equals":
        return ~Q(**{f"{path}__iexact": value}) | ~has
    if op == "contains":
        return Q(**{f"{path}__icontains": value})
    return Q(**{f"{path}__in": list(value)})


# ---------------------------------------------------------------- members


def segment_members(segment: Segment) -> QuerySet[Contact]:
    """The segment's contacts, decided by the database in one query when evaluated."""
    return Contact.objects.filter(stored_filter(segment), workspace_id=segment.workspace_id)


def _compiled(segments: Sequence[Segment]) -> list[tuple[Segment, Q]]:
    compiled = []
    for segment in segments:
        try:
            compiled.append((segment, stored_filter(segment)))
        except InvalidInput:
            continue  # rules saved before a change of the schema: the segment matches nobody
    return compiled


def segments_of(contact: Contact, segments: Sequence[Segment] | None = None) -> list[Segment]:
    """The workspace's segments the contact belongs to: one query for the segments (unless given), one to test all."""
    if segments is None:
        segments = list(Segment.objects.filter(workspace_id=contact.workspace_id).order_by("name")[:MAX_SEGMENTS])
    compiled = _compiled(segments)
    if not compiled:
        return []
    flags = {
        f"s{i}": Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())
        for i, (_, q) in enumerate(compiled)
    }
    contacts = Contact.objects.filter(pk=contact.pk, workspace_id=contact.workspace_id)
    row = cast(dict[str, Any] | None, contacts.values(**flags).first())
    if row is None:
        return []
    return [segment for i, (segment, _) in enumerate(compiled) if row[f"s{i}"]]


def count_members(workspace_id: int, segments: Sequence[Segment], scope: Q | None = None) -> dict[int, int | None]:
    """Members per segment (by pk), all counted by the database in one query; None for rules that do not compile."""
    compiled = _compiled(segments)
    counts: dict[int, int | None] = {segment.pk: None for segment in segments}
    if not compiled:
        return counts
    contacts = Contact.objects.filter(workspace_id=workspace_id)
    if scope is not None:
        contacts = contacts.filter(scope)
    row = contacts.aggregate(**{f"s{i}": Count("pk", filter=q) for i, (_, q) in enumerate(compiled)})
    for i, (segment, _) in enumerate(compiled):
        counts[segment.pk] = row[f"s{i}"] or 0
    return counts


# ---------------------------------------------------------------- the rule builder form

ROW_FIELDS = ("kind", "subject", "op", "value", "value2", "count", "days")


def rules_from_rows(match: str, rows: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """Rules from the builder's rows of plain strings (rows without a kind are skipped); validate them after."""
    conditions: list[dict[str, Any]] = []
    for row in rows:
        kind = (row.get("kind") or "").strip()
        if not kind:
            continue
        subject, value, value2 = (row.get(k, "").strip() for k in ("subject", "value", "value2"))
        condition: dict[str, Any] = {"kind": kind, "op": (row.get("op") or "").strip()}
        if kind == "field":
            condition["field"] = subject
            condition["value"] = value
        elif kind == "attribute":
            condition["key"] = subject
            if condition["op"] == "between":
                condition["value"] = [value, value2]
            elif condition["op"] == "in":
                condition["value"] = [v for v in value.split(",") if v.strip()]
            else:
                condition["value"] = value
        elif kind == "event":
            condition.update(name=subject, count=row.get("count", ""), days=row.get("days", ""))
        elif kind == "page":
            condition.update(value=value, days=row.get("days", ""))
        elif kind == "last_seen":
            condition["days"] = row.get("days", "")
        else:
            condition["value"] = value
        conditions.append(condition)
    return {"match": match, "conditions": conditions}


def rows_from_rules(rules: object) -> list[dict[str, str]]:
    """The builder's rows showing saved rules."""
    rows = []
    conditions = rules.get("conditions", []) if isinstance(rules, dict) else []
    for c in conditions if isinstance(conditions, list) else []:
        if not isinstance(c, dict):
            continue
        value = c.get("value", "")
        row = dict.fromkeys(ROW_FIELDS, "")
        row.update(kind=str(c.get("kind", "")), op=str(c.get("op", "")))
        row["subject"] = str(c.get("field") or c.get("key") or c.get("name") or "")
        if isinstance(value, list):
            if c.get("op") == "between" and len(value) == 2:
                row["value"], row["value2"] = str(value[0]), str(value[1])
            else:
                row["value"] = ", ".join(map(str, value))
        else:
            row["value"] = "" if value is None else str(value)
        row["count"] = str(c.get("count", "") or "")
        row["days"] = str(c.get("days", "") if c.get("days") is not None else "")
        rows.append(row)
    return rows
