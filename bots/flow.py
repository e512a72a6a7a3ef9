"""A bot's flow: the blocks it is made of, as validated JSON.

    {"start": "hello", "blocks": [
        {"id": "hello", "type": "message", "text": "Hi {{contact.name}}!", "next": "email"},
        {"id": "email", "type": "ask", "kind": "email", "text": "Your email?", "save_to": "contact.email",
         "skip_if_known": true, "next": "sales"},
        {"id": "sales", "type": "handoff", "team": "<team public id>", "text": "Passing you to sales."}]}

A block without `next` ends the flow there (the conversation goes to people). `check_flow` rejects what could
not run, naming the block and the reason: unknown fields, a branch leading nowhere, an attribute or team that
does not exist, a loop that never waits for the visitor.
"""

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from django.utils.translation import gettext
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

BlockId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
Text = Annotated[str, Field(max_length=2000)]
CONTACT_FIELDS = ("name", "email", "phone", "company")
MAX_BLOCKS = 200


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    label: Annotated[str, Field(min_length=1, max_length=80)]
    next: BlockId | None = None  # None: the block's own `next`
    score: Annotated[int, Field(ge=-100, le=100)] = 0  # added to {{var.score}} when chosen (questionnaires)


class Block(_Strict):
    id: BlockId
    next: BlockId | None = None


Url = Annotated[str, Field(max_length=500, pattern=r"^https?://")]


class Link(_Strict):
    label: Annotated[str, Field(min_length=1, max_length=30)]
    url: Url


class Card(_Strict):
    """A product or article: title, text, picture and up to three links."""

    title: Annotated[str, Field(min_length=1, max_length=80)]
    text: Annotated[str, Field(max_length=300)] = ""
    image_url: Url | None = None
    links: Annotated[list[Link], Field(max_length=3)] = []


class MessageBlock(Block):
    """Say something: text with {{variables}}, an image or GIF, a card, and quick-reply buttons that suggest
    answers (a tap sends the label, heard by whatever the bot asks next or by people)."""

    type: Literal["message"]
    text: Text = ""
    image_url: Url | None = None
    card: Card | None = None
    buttons: Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(max_length=10)] = []
    typing_seconds: Annotated[float, Field(ge=0, le=10)] = 0


class AskBlock(Block):
    """Ask and wait: the answer is checked against `kind`, saved to `save_to`, asked again up to `max_retries`."""

    type: Literal["ask"]
    text: Text
    kind: Literal["text", "email", "phone", "number", "date", "choice", "multi_choice", "file"] = "text"
    choices: list[Choice] = []
    save_to: Annotated[str, Field(pattern=r"^(contact|var)\.[a-z][a-z0-9_]{0,49}$")] | None = None
    skip_if_known: bool = False
    retry_text: Text = ""
    max_retries: Annotated[int, Field(ge=0, le=5)] = 2
    on_fail: BlockId | None = None  # None: hand the conversation to a person


class KnowledgeBlock(Block):
    """Answer the visitor's questions from the knowledge base, in their language: a sure answer with “did this
    help?”; when unsure, the closest entries to pick from and a person. `max_misses` questions in a row it could
    not answer lead to `on_miss` (None: people take over). A helpful answer leads to `next` (None: it waits for
    the next question)."""

    type: Literal["knowledge"]
    text: Text = ""  # said first, e.g. "What would you like to know?"
    max_misses: Annotated[int, Field(ge=1, le=5)] = 2
    on_miss: BlockId | None = None


WAITING_BLOCKS = (AskBlock, KnowledgeBlock)  # they wait for the visitor: a loop through one is no loop


FACTS = ("segment", "business_hours", "operators_online")  # yes or no: is_true / is_false
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELD_PATTERN = (
    r"^(contact\.[a-z][a-z0-9_]{0,49}|var\.[a-z][a-z0-9_]{0,49}|language|page_url|time|weekday|"
    + "|".join(FACTS)
    + ")$"
)


class Rule(_Strict):
    """`segment is_true VIP` (the contact is in the segment named VIP), `business_hours is_false` (the inbox's
    hours), `operators_online is_true`, `time greater 18:00` and `weekday equals sat` (the inbox's time zone),
    or an attribute, variable, language or page address compared with `value`."""

    field: Annotated[str, Field(pattern=FIELD_PATTERN)]
    op: Literal[
        "equals",
        "not_equals",
        "contains",
        "not_contains",
        "is_set",
        "is_not_set",
        "greater",
        "less",
        "is_true",
        "is_false",
    ]
    value: Annotated[str, Field(max_length=500)] = ""
    next: BlockId | None = None  # None: the flow ends on this branch


class ConditionBlock(Block):
    """Branch: the first rule that holds picks the next block; none: `next`."""

    type: Literal["condition"]
    rules: Annotated[list[Rule], Field(min_length=1, max_length=20)]


class Assignment(_Strict):
    target: Annotated[str, Field(pattern=r"^(contact|var)\.[a-z][a-z0-9_]{0,49}$")]
    value: Text


class SetBlock(Block):
    """Remember: set contact attributes or variables (values may use {{variables}}), tag the conversation, and
    record events on the visitor: segments are rules over contacts, so recording `lead_qualified` puts the
    contact in every segment whose rules say "did lead_qualified"."""

    type: Literal["set"]
    assign: list[Assignment] = []
    add_tags: list[Annotated[str, Field(min_length=1, max_length=50)]] = []
    record_events: list[Annotated[str, Field(pattern=r"^[\w.:-]{1,100}$")]] = []


class TaskBlock(Block):
    """Leave a follow-up task on the contact for an operator (public id) or for whoever takes it."""

    type: Literal["task"]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    assignee: str | None = None
    due_in_days: Annotated[int, Field(ge=0, le=365)] = 1


class Mapping(_Strict):
    path: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$", max_length=200)]  # in the JSON answer
    to: Annotated[str, Field(pattern=r"^(contact|var)\.[a-z][a-z0-9_]{0,49}$")]


class HttpBlock(Block):
    """Call a web service: JSON body and URL may use {{variables}}; values of its JSON answer are saved. A slow,
    failed, huge or non-JSON answer takes `on_error` (none: the conversation goes to people)."""

    type: Literal["http"]
    method: Literal["GET", "POST"] = "GET"
    url: Annotated[str, Field(max_length=1000, pattern=r"^https?://")]
    headers: dict[Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=1000)]] = {}
    body: dict[Annotated[str, Field(max_length=100)], Text] = {}
    save: list[Mapping] = []
    timeout_seconds: Annotated[float, Field(gt=0, le=10)] = 5
    on_error: BlockId | None = None


class HandoffBlock(_Strict):
    """Give the conversation to people: a team and/or an operator (public ids), or whoever is on duty. When
    the inbox is away (out of hours, nobody online), `when_away` leads on instead (e.g. ask for an email);
    without it the conversation is handed over all the same and the visitor told when to expect an answer."""

    id: BlockId
    type: Literal["handoff"]
    text: Text = ""
    team: str | None = None
    assignee: str | None = None
    when_away: BlockId | None = None


class GoalBlock(Block):
    type: Literal["goal"]
    name: Annotated[str, Field(min_length=1, max_length=80)]


class JumpBlock(_Strict):
    id: BlockId
    type: Literal["jump"]
    to: BlockId


class EndBlock(_Strict):
    """The bot is done: a last message, and the conversation closed or left to people."""

    id: BlockId
    type: Literal["end"]
    text: Text = ""
    close: bool = False


AnyBlock = Annotated[
    MessageBlock
    | AskBlock
    | KnowledgeBlock
    | ConditionBlock
    | SetBlock
    | TaskBlock
    | HttpBlock
    | HandoffBlock
    | GoalBlock
    | JumpBlock
    | EndBlock,
    Field(discriminator="type"),
]


class Flow(_Strict):
    start: BlockId
    blocks: Annotated[list[AnyBlock], Field(min_length=1, max_length=MAX_BLOCKS)]

    def block(self, block_id: str) -> AnyBlock | None:
        return next((b for b in self.blocks if b.id == block_id), None)


@dataclass(frozen=True)
class FlowError:
    block: str | None  # None: the flow as a whole
    message: str


class InvalidFlow(Exception):
    def __init__(self, errors: list[FlowError]) -> None:
        super().__init__("; ".join(f"{e.block or 'flow'}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Known:
    """What a flow may refer to in its workspace."""

    attributes: frozenset[str]  # custom contact attribute keys
    teams: frozenset[str]  # public ids (hex)
    members: frozenset[str]
    segments: frozenset[str] = frozenset()  # names


_adapter = TypeAdapter(Flow)


def starter_flow() -> dict[str, object]:
    """A new bot's draft: a greeting, then the conversation goes to people."""
    return {"start": "welcome", "blocks": [{"id": "welcome", "type": "message", "text": "Hi! How can we help?"}]}


def targets(block: AnyBlock) -> list[str]:
    """The blocks this one may lead to."""
    found = [getattr(block, "next", None), getattr(block, "to", None)]
    found += [getattr(block, "on_fail", None), getattr(block, "on_error", None), getattr(block, "when_away", None)]
    found += [getattr(block, "on_miss", None)]
    found += [c.next for c in getattr(block, "choices", [])]
    found += [r.next for r in getattr(block, "rules", [])]
    return [t for t in found if t]


def check_flow(data: object, known: Known) -> Flow:
    """The flow, or InvalidFlow listing every problem with the block it is in."""
    try:
        flow = _adapter.validate_python(data)
    except ValidationError as error:
        raise InvalidFlow([_schema_error(data, e) for e in error.errors()]) from None
    errors = _reference_errors(flow, known) + _loop_errors(flow)
    if errors:
        raise InvalidFlow(errors)
    return flow


def _schema_error(data: object, error: ErrorDetails) -> FlowError:
    """Name the block by its id, and the field without pydantic's union tag: "kind: Input should be …"."""
    loc = list(error["loc"])
    block = None
    if len(loc) >= 2 and loc[0] == "blocks" and isinstance(loc[1], int):
        raw = data.get("blocks") if isinstance(data, dict) else None
        item = raw[loc[1]] if isinstance(raw, list) and loc[1] < len(raw) else None
        block = str(item.get("id") or f"#{loc[1] + 1}") if isinstance(item, dict) else f"#{loc[1] + 1}"
        loc = loc[2:]
        if loc and isinstance(item, dict) and loc[0] == item.get("type"):
            loc = loc[1:]
    where = ".".join(str(part) for part in loc)
    return FlowError(block, f"{where}: {error['msg']}" if where else error["msg"])


def _reference_errors(flow: Flow, known: Known) -> list[FlowError]:
    errors: list[FlowError] = []
    ids = [b.id for b in flow.blocks]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        errors.append(FlowError(duplicate, gettext("Two blocks have this id.")))
    if flow.start not in ids:
        errors.append(FlowError(None, gettext("The start block “%(id)s” does not exist.") % {"id": flow.start}))
    for block in flow.blocks:
        for target in targets(block):
            if target not in ids:
                errors.append(
                    FlowError(block.id, gettext("It leads to “%(id)s”, which does not exist.") % {"id": target})
                )
        errors += [FlowError(block.id, message) for message in _block_errors(block, known)]
    return errors


def _attribute_known(path: str, known: Known) -> bool:
    kind, _, key = path.partition(".")
    return kind == "var" or key in CONTACT_FIELDS or key in known.attributes


def _block_errors(block: AnyBlock, known: Known) -> list[str]:
    errors = []
    unknown = gettext("The contact attribute “%(key)s” does not exist.")
    paths = [getattr(block, "save_to", None)] + [a.target for a in getattr(block, "assign", [])]
    paths += [m.to for m in getattr(block, "save", [])]
    paths += [r.field for r in getattr(block, "rules", []) if "." in r.field]
    for path in paths:
        if path and not _attribute_known(path, known):
            errors.append(unknown % {"key": path.partition(".")[2]})
    for rule in getattr(block, "rules", []):
        errors += _rule_errors(rule, known)
    if isinstance(block, AskBlock) and block.kind in ("choice", "multi_choice") and not block.choices:
        errors.append(gettext("A choice question needs its choices."))
    if isinstance(block, HandoffBlock) and block.team and block.team not in known.teams:
        errors.append(gettext("The team it hands over to does not exist."))
    if isinstance(block, HandoffBlock | TaskBlock) and block.assignee and block.assignee not in known.members:
        errors.append(gettext("The operator it names is not a member of the workspace."))
    return errors


def _rule_errors(rule: Rule, known: Known) -> list[str]:
    if rule.field in FACTS:
        if rule.op not in ("is_true", "is_false"):
            return [gettext("“%(field)s” takes is_true or is_false.") % {"field": rule.field}]
        if rule.field == "segment" and rule.value not in known.segments:
            return [gettext("The segment “%(name)s” does not exist.") % {"name": rule.value}]
    elif rule.op in ("is_true", "is_false"):
        return [gettext("is_true and is_false are for segment, business_hours and operators_online.")]
    elif rule.field == "time" and (rule.op not in ("equals", "greater", "less") or not _TIME.match(rule.value)):
        return [gettext("Compare the time with equals, greater or less and a time like 18:00.")]
    elif rule.field == "weekday" and (rule.op not in ("equals", "not_equals") or rule.value not in WEEKDAYS):
        return [gettext("Compare the weekday with equals or not_equals and one of mon, tue, wed, thu, fri, sat, sun.")]
    return []


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _loop_errors(flow: Flow) -> list[FlowError]:
    """A cycle of blocks with no question in it would run forever without the visitor."""
    steps = {b.id: targets(b) for b in flow.blocks if not isinstance(b, WAITING_BLOCKS)}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(block_id: str) -> str | None:
        state[block_id] = 1
        for target in steps.get(block_id, []):
            if target in steps and state.get(target) == 1:
                return target
            if target in steps and target not in state and (found := visit(target)):
                return found
        state[block_id] = 2
        return None

    for block_id in steps:
        if block_id not in state and (looping := visit(block_id)):
            return [FlowError(looping, gettext("It is part of a loop that never waits for the visitor."))]
    return []


_variable = re.compile(r"\{\{\s*([a-z]+)\.([a-z][a-z0-9_]*)\s*\}\}")


def render(text: str, values: dict[str, dict[str, object]]) -> str:
    """Fill {{contact.name}}, {{var.coupon}}, …; an unknown or empty one becomes nothing."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1), {}).get(match.group(2))
        return "" if found is None else str(found)

    return re.sub(r"[ \t]{2,}", " ", _variable.sub(value, text)).strip()
