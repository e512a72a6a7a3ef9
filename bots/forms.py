"""Forms of the bot pages. A block's form turns its fields into the block's JSON, which bots.flow checks
after; lists are written one item per line, as their help texts show."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bots.editing import BLOCK_TYPES
from bots.models import Bot

ARROW = re.compile(r"\s*(?:->|→)\s*")
TARGET = re.compile(r"^(contact|var)\.[a-z][a-z0-9_]*$")


class BotForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    persona_name = forms.CharField(
        label=_("Persona name"), max_length=80, help_text=_("Visitors see it on the bot's messages.")
    )


class PersonaForm(BotForm):
    """The editor's: names, and the persona's picture."""

    persona_avatar = forms.FileField(
        label=_("Persona picture"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, up to 512 KB. Visitors see it beside the bot's messages."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(label=_("No picture"), required=False)


class SilenceForm(forms.Form):
    """What the bot does when the visitor stops answering (bots.actions.set_silence)."""

    remind_after_minutes = forms.IntegerField(
        label=_("Remind after (minutes)"), min_value=0, help_text=_("0: no reminder.")
    )
    remind_text = forms.CharField(
        label=_("Reminder"),
        required=False,
        max_length=500,
        help_text=_("Empty: “Are you still there? Just answer here when you are ready.” in the visitor's language."),
    )
    give_up_after_minutes = forms.IntegerField(
        label=_("Then, after (minutes)"), min_value=0, help_text=_("0: the bot waits for as long as it takes.")
    )
    then = forms.ChoiceField(
        label=_("It"),
        choices=[("hand_over", _("hands the conversation to people")), ("close", _("closes the conversation"))],
        widget=forms.RadioSelect,
        help_text=_("Closing suits a bot that answers questions: a visitor who got the answer often just leaves."),
    )


class TriggerForm(forms.Form):
    trigger = forms.ChoiceField(label=_("Starts when"), choices=Bot.Trigger.choices)
    event = forms.CharField(label=_("Event name"), required=False, help_text=_("For “The site reports an event”."))
    url_contains = forms.CharField(
        label=_("Page address contains"), required=False, help_text=_("For “A visitor opens a page”.")
    )
    after_seconds = forms.IntegerField(
        label=_("After seconds on the page"),
        required=False,
        min_value=0,
        max_value=3600,
        help_text=_("For “A visitor opens a page”: 0 writes at once; 30 waits until they have stayed 30 seconds."),
    )
    inboxes = forms.MultipleChoiceField(
        label=_("Inboxes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every inbox."),
    )

    def __init__(self, *args: Any, inbox_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inboxes"].choices = inbox_choices  # type: ignore[attr-defined]


BLOCK_NAMES = {
    "message": _("Message"),
    "ask": _("Question"),
    "knowledge": _("Answer from the knowledge base"),
    "condition": _("Condition"),
    "set": _("Remember"),
    "task": _("Task"),
    "http": _("Web service"),
    "handoff": _("To people"),
    "goal": _("Goal"),
    "jump": _("Go to"),
    "end": _("End"),
}


class NewBlockForm(forms.Form):
    type = forms.ChoiceField(label=_("Add a block"), choices=[(t, BLOCK_NAMES[t]) for t in BLOCK_TYPES])
    after = forms.CharField(required=False)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _arrow(line: str) -> tuple[str, str]:
    """ "left -> right" (or →): both sides; "left" alone: right is ""."""
    parts = ARROW.split(line, maxsplit=1)
    return parts[0].strip(), parts[1].strip() if len(parts) > 1 else ""


def _pairs(value: str, separator: str) -> list[tuple[str, str]]:
    pairs = []
    for line in _lines(value):
        if separator not in line:
            raise forms.ValidationError(_("Write each line as “name%(sep)s value”.") % {"sep": separator})
        left, _sep, right = line.partition(separator)
        pairs.append((left.strip(), right.strip()))
    return pairs


class BlockForm(forms.Form):
    """The fields every block of a type has; `next` leads on (empty: the flow ends there)."""

    FIELDS: tuple[str, ...] = ()

    def __init__(self, *args: Any, targets: list[tuple[str, str]], people: dict[str, list[tuple[str, str]]], **kw: Any):
        super().__init__(*args, **kw)
        for name, field in self.fields.items():
            if isinstance(field, forms.ChoiceField) and name in ("next", "on_fail", "on_error", "on_miss", "to"):
                field.choices = [("", _("— the end: hand the conversation to people —")), *targets]
            elif isinstance(field, forms.ChoiceField) and name == "when_away":
                field.choices = [("", _("— hand it over all the same —")), *targets]
            elif name in people:
                field.choices = [("", _("— nobody in particular —")), *people[name]]  # type: ignore[attr-defined]

    def block(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.fields}

    @classmethod
    def initial_from(cls, block: dict[str, Any]) -> dict[str, Any]:
        """The block's values; the field's default where the block leaves it out (it means the default)."""
        return {name: block.get(name, field.initial) for name, field in cls.base_fields.items()}


THEN = _("Then")


def _next(label: Any = THEN) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False)


def _text(label: Any, *, required: bool = False, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


VARIABLES = _("Use {{contact.name}}, {{contact.email}}, {{var.order}}… to fill in what is known.")


class MessageForm(BlockForm):
    text = _text(_("Message"), help_text=VARIABLES)
    image_url = forms.URLField(label=_("Image or GIF (URL)"), required=False, assume_scheme="https")
    buttons = _text(
        _("Quick replies"),
        rows=2,
        help_text=_("One per line: buttons that suggest an answer; a tap sends the label."),
    )
    card_title = forms.CharField(label=_("Card title"), required=False, max_length=80, help_text=VARIABLES)
    card_text = forms.CharField(label=_("Card text"), required=False, max_length=300)
    card_image_url = forms.URLField(label=_("Card picture (URL)"), required=False, assume_scheme="https")
    card_links = _text(_("Card links"), rows=2, help_text=_("One per line, at most 3: “Order now -> https://…”."))
    typing_seconds = forms.FloatField(label=_("Typing pause (seconds)"), required=False, min_value=0, max_value=10)
    next = _next()

    def clean_buttons(self) -> list[str]:
        return _lines(self.cleaned_data["buttons"])

    def clean_card_links(self) -> list[dict[str, str]]:
        return [{"label": label, "url": url} for label, url in map(_arrow, _lines(self.cleaned_data["card_links"]))]

    def block(self) -> dict[str, Any]:
        """The card's fields make one card (none without a title)."""
        fields = super().block()
        card = {key.removeprefix("card_"): fields.pop(key) for key in CARD_FIELDS}
        if card["title"]:
            fields["card"] = {k: v for k, v in card.items() if v}
        return fields

    @classmethod
    def initial_from(cls, block: dict[str, Any]) -> dict[str, Any]:
        card = block.get("card") or {}
        return {
            **super().initial_from(block),
            "buttons": "\n".join(block.get("buttons", [])),
            "card_title": card.get("title", ""),
            "card_text": card.get("text", ""),
            "card_image_url": card.get("image_url", ""),
            "card_links": "\n".join(f"{link['label']} -> {link['url']}" for link in card.get("links", [])),
        }


CARD_FIELDS = ("card_title", "card_text", "card_image_url", "card_links")


class AskForm(BlockForm):
    text = _text(_("Question"), required=True, help_text=VARIABLES)
    kind = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            ("text", _("Text")),
            ("email", _("Email")),
            ("phone", _("Phone")),
            ("number", _("Number")),
            ("date", _("Date")),
            ("choice", _("One of the buttons")),
            ("multi_choice", _("Several of the buttons")),
            ("file", _("A file")),
        ],
    )
    choices = _text(
        _("Buttons"),
        rows=4,
        help_text=_("One per line: “Label”, or “Label -> block” to branch, with “(+2)” at the end to score it."),
    )
    save_to = forms.CharField(
        label=_("Save the answer to"),
        required=False,
        help_text=_("contact.name, contact.phone, contact.<attribute> or var.<name>"),
    )
    skip_if_known = forms.BooleanField(label=_("Skip the question when this is already known"), required=False)
    retry_text = _text(_("When the answer does not fit, ask again with"), rows=2)
    max_retries = forms.IntegerField(label=_("Ask again at most"), min_value=0, max_value=5, initial=2)
    next = _next()
    on_fail = _next(_("When it still does not fit"))

    def clean_choices(self) -> list[dict[str, Any]]:
        choices = []
        for line in _lines(self.cleaned_data["choices"]):
            score = 0
            if match := re.search(r"\(([+-]?\d+)\)\s*$", line):
                score, line = int(match.group(1)), line[: match.start()].strip()
            label, target = _arrow(line)
            choices.append(
                {"label": label, **({"next": target} if target else {}), **({"score": score} if score else {})}
            )
        return choices

    @classmethod
    def initial_from(cls, block: dict[str, Any]) -> dict[str, Any]:
        lines = []
        for c in block.get("choices", []):
            line = f"{c['label']} -> {c['next']}" if c.get("next") else c["label"]
            lines.append(f"{line} ({c['score']:+d})" if c.get("score") else line)
        return {**super().initial_from(block), "choices": "\n".join(lines), "max_retries": block.get("max_retries", 2)}


class ConditionForm(BlockForm):
    rules = _text(
        _("Rules"),
        rows=4,
        help_text=_(
            "One per line, the first that holds wins: “field operator value -> block”, e.g. “var.score greater 3 -> "
            "pass” or “language equals ru -> russian”. Operators: equals, not_equals, contains, not_contains, "
            "is_set, is_not_set, greater, less. Also: “segment is_true VIP -> vip” (the contact is in that "
            "segment), “business_hours is_false -> after_hours”, “operators_online is_true -> people”, "
            "“time greater 18:00 -> evening”, “weekday equals sat -> weekend” (the inbox's time zone)."
        ),
    )
    next = _next(_("When no rule holds"))

    def clean_rules(self) -> list[dict[str, Any]]:
        rules = []
        for line in _lines(self.cleaned_data["rules"]):
            condition, target = _arrow(line)
            field, op, value = ([*condition.split(maxsplit=2), "", ""])[:3]
            rules.append(
                {
                    "field": field,
                    "op": op,
                    **({"value": value} if value else {}),
                    **({"next": target} if target else {}),
                }
            )
        return rules

    @classmethod
    def initial_from(cls, block: dict[str, Any]) -> dict[str, Any]:
        lines = [
            " ".join(p for p in (r["field"], r["op"], r.get("value", "")) if p)
            + (f" -> {r['next']}" if r.get("next") else "")
            for r in block.get("rules", [])
        ]
        return {**super().initial_from(block), "rules": "\n".join(lines)}


class SetForm(BlockForm):
    assign = _text(_("Set"), rows=3, help_text=_("One per line: “contact.plan = pro” or “var.coupon = MUG5”."))
    add_tags = forms.CharField(
        label=_("Tag the conversation"), required=False, help_text=_("Tags, separated by commas.")
    )
    record_events = forms.CharField(
        label=_("Record events (add to segments)"),
        required=False,
        help_text=_(
            "Event names, separated by commas, e.g. lead_qualified: segments with the rule “did lead_qualified” "
            "then include the contact."
        ),
    )
    next = _next()

    def clean_record_events(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["record_events"].split(",") if name.strip()]

    def clean_assign(self) -> list[dict[str, str]]:
        return [{"target": target, "value": value} for target, value in _pairs(self.cleaned_data["assign"], "=")]

    def clean_add_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["add_tags"].split(",") if tag.strip()]

    @classmethod
    def initial_from(cls, block: dict[str, Any]) -> dict[str, Any]:
        assign = "\n".join(f"{a['target']} = {a['value']}" for a in block.get("assign", []))
        return {
            "assign": assign,
            "add_tags": ", ".join(block.get("add_tags", [])),
            "record_events": ", ".join(block.get("record_events", [])),
            "next": block.get("next"),
        }


class TaskForm(BlockForm):
    title = forms.CharField(label=_("Task"), max_length=300, help_text=VARIABLES)
    assignee = forms.ChoiceField(label=_("For"), required=False)
    due_in_days = forms.IntegerField(label=_("Due in days"), min_value=0, max_value=365, initial=1)
    next = _next()


class HttpForm(BlockForm):
    method = forms.ChoiceField(label=_("Method"), choices=[("GET", "GET"), ("POST", "POST")])
    url = forms.CharField(label=_("URL"), max_length=1000, help_text=VARIABLES)
    headers = _text(_("Headers"), rows=2, help_text=_("One per line: “Authorization: Bearer …”."))
    body = _text(_("JSON body (POST)"), rows=3, help_text=_("One per line: “order: {{var.order}}”."))
    save = _text(_("Save from the answer"), rows=3, help_text=_("One per line: “order.status -> var.status”."))
    timeout_seconds = forms.FloatField(label=_("Timeout (seconds)"), min_value=0.5, max_value=10, initial=5)
    next = _next()
    on_error = _next(_("When the call fails"))

    def clean_headers(self) -> dict[str, str]:
        return dict(_pairs(self.cleaned_data["headers"], ":"))

    def clean_body(self) -> dict[str, str]:
        return dict(_pairs(self.cleaned_data["body"], ":"))

    def clean_save(self) -> list[dict[str, str]]:
        return [{"path": path, "to": target} for path, target in map(_arrow, _lines(self.cleaned_data["save"]))]

    @classmethod
    def initial_from(cls, block: dict[str, Any]) -> dict[str, Any]:
        return {
            **super().initial_from(block),
            "method": block.get("method", "GET"),
            "headers": "\n".join(f"{k}: {v}" for k, v in block.get("headers", {}).items()),
            "body": "\n".join(f"{k}: {v}" for k, v in block.get("body", {}).items()),
            "save": "\n".join(f"{m['path']} -> {m['to']}" for m in block.get("save", [])),
            "timeout_seconds": block.get("timeout_seconds", 5),
        }


class HandoffForm(BlockForm):
    text = _text(_("Message"), rows=2, help_text=VARIABLES)
    team = forms.ChoiceField(label=_("Team"), required=False)
    assignee = forms.ChoiceField(label=_("Operator"), required=False)
    when_away = _next(_("When nobody is available (out of hours, nobody online)"))


class GoalForm(BlockForm):
    name = forms.CharField(label=_("Goal"), max_length=80, help_text=_("Counted in the bot's reports."))
    next = _next()


class JumpForm(BlockForm):
    to = forms.ChoiceField(label=_("Go to"))


class EndForm(BlockForm):
    text = _text(_("Last message"), rows=2, help_text=VARIABLES)
    close = forms.BooleanField(label=_("Close the conversation"), required=False)


class KnowledgeForm(BlockForm):
    text = _text(_("First say"), rows=2, help_text=_("E.g. “What would you like to know?” Empty: it just listens."))
    max_misses = forms.IntegerField(
        label=_("Questions it may fail to answer in a row"), min_value=1, max_value=5, initial=2
    )
    next = _next(_("After an answer that helped"))
    on_miss = _next(_("After that many misses"))

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        choices = self.fields["next"].choices  # type: ignore[attr-defined]
        self.fields["next"].choices = [("", _("— wait for the next question —")), *choices[1:]]  # type: ignore[attr-defined]


BLOCK_FORMS: dict[str, type[BlockForm]] = {
    "message": MessageForm,
    "ask": AskForm,
    "knowledge": KnowledgeForm,
    "condition": ConditionForm,
    "set": SetForm,
    "task": TaskForm,
    "http": HttpForm,
    "handoff": HandoffForm,
    "goal": GoalForm,
    "jump": JumpForm,
    "end": EndForm,
}
