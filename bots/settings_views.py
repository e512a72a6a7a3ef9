"""Settings → Bots: the list with the ready-made ones, and each bot's editor (its blocks, trigger, versions).

Members may look; admins change (bots.actions checks). A block's form posted with an error, or making a flow
that could not run, re-renders the editor with the problem on that block (settings_pages' frame)."""

from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bots import actions, editing, ready_made
from bots.actions import FlowRejected
from bots.flow import FlowError
from bots.forms import (
    BLOCK_FORMS,
    BLOCK_NAMES,
    BlockForm,
    BotForm,
    NewBlockForm,
    PersonaForm,
    SilenceForm,
    TriggerForm,
)
from bots.models import Bot, BotRun
from bots.preview import preview
from bots.queries import get_bot, get_version, list_bots
from bots.reports import bot_report
from core.errors import DomainError
from workspaces.models import Member, Team
from workspaces.queries import visible_inboxes
from workspaces.settings_pages import SettingsRequest, bound_form, done, invalid, page, render_page, settings_view

SECTION = "bots"
REPORT_PERIOD = timedelta(days=30)


@page("bots")
def _list_page(
    request: SettingsRequest, *, error: DomainError | None = None, status: int = 200, **_kwargs: Any
) -> HttpResponse:
    context = {
        "bots": list_bots(request.member),
        "ready_made": ready_made.READY_MADE,
        "bot_form": bound_form(request, BotForm, "bots-create"),
        "error": error,
    }
    return render_page(request, "bots/list.html", context, section=SECTION, status=status)


@require_GET
@settings_view("bots")
def bots(request: SettingsRequest) -> HttpResponse:
    return _list_page(request)


@require_POST
@settings_view("bots")
def create(request: SettingsRequest) -> HttpResponse:
    form = BotForm(request.POST)
    if not form.is_valid():
        return invalid(request, "bots")
    bot = actions.create_bot(request.member, **form.cleaned_data)
    return done(request, _("Bot “%(name)s” created.") % {"name": bot.name}, "bots-editor", bot.public_id.hex)


@require_POST
@settings_view("bots")
def install(request: SettingsRequest, key: str) -> HttpResponse:
    bot = ready_made.install(request.member, key)
    message = _("“%(name)s” is installed and on. Change anything below.") % {"name": bot.name}
    return done(request, message, "bots-editor", bot.public_id.hex)


# The editor


def _targets(flow: dict[str, Any]) -> list[tuple[str, str]]:
    blocks = [b for b in flow.get("blocks", []) if isinstance(b, dict) and "id" in b]
    return [(b["id"], f"{b['id']} · {BLOCK_NAMES.get(b.get('type', ''), b.get('type', ''))}") for b in blocks]


def _people(member: Member) -> dict[str, list[tuple[str, str]]]:
    members = [(m.public_id.hex, m.display_name) for m in Member.objects.filter(workspace_id=member.workspace_id)]
    teams = [(t.public_id.hex, t.name) for t in Team.objects.filter(workspace_id=member.workspace_id).order_by("name")]
    return {"assignee": members, "team": teams}


def _block_form(request: SettingsRequest, flow: dict[str, Any], block: dict[str, Any], **kw: Any) -> BlockForm:
    """The block's form: as posted when this block was just saved with a problem, else from the draft."""
    form_class = BLOCK_FORMS[block["type"]]
    match = request.resolver_match
    posted_here = (
        request.method == "POST"
        and match is not None
        and match.view_name == "bots-block"
        and match.kwargs.get("block_id") == block["id"]
    )
    if posted_here:
        form = form_class(request.POST, prefix=block["id"], **kw)
        form.is_valid()
        return form
    return form_class(initial=form_class.initial_from(block), prefix=block["id"], **kw)


@page("bot")
def _editor_page(
    request: SettingsRequest,
    bot_id: str,
    *,
    error: DomainError | None = None,
    status: int = 200,
    **_kwargs: Any,
) -> HttpResponse:
    bot = get_bot(request.member, bot_id)
    flow = bot.draft
    problems: list[FlowError] = error.errors if isinstance(error, FlowRejected) else []
    kw = {"targets": _targets(flow), "people": _people(request.member)}
    report = bot_report(bot, since=timezone.now() - REPORT_PERIOD)
    cards = [
        {
            "block": block,
            "type_name": BLOCK_NAMES.get(block.get("type", ""), block.get("type", "")),
            "form": _block_form(request, flow, block, **kw),
            "branches": editing.branches(block),
            "stats": report.blocks.get(block.get("id", "")),
            "summary": next((str(block[k]) for k in ("text", "name", "title", "url") if block.get(k)), ""),
            "problems": [p.message for p in problems if p.block == block.get("id")],
        }
        for block in flow.get("blocks", [])
    ]
    inboxes = [(i.public_id.hex, i.name) for i in visible_inboxes(request.member).order_by("name")]
    trigger_initial = {
        "trigger": bot.trigger,
        **bot.trigger_config,
        "inboxes": [i.public_id.hex for i in bot.inboxes.all()],
    }
    context = {
        "bot": bot,
        "flow": flow,
        "cards": cards,
        "flow_problems": [p.message for p in problems if p.block is None],
        "versions": list(bot.versions.order_by("-number")[:20]),
        "report": report,
        "handed_off": [(r, BotRun.Reason(r).label, n) for r, n in report.handed_off.most_common()],
        "goals": report.goals.most_common(),
        "new_block_form": NewBlockForm(),
        "bot_form": bound_form(
            request, PersonaForm, "bots-rename", initial={"name": bot.name, "persona_name": bot.persona_name}
        ),
        "trigger_form": _trigger_form(request, inboxes, trigger_initial),
        "silence_form": bound_form(
            request,
            SilenceForm,
            "bots-silence",
            initial={
                "remind_after_minutes": bot.remind_after_minutes,
                "remind_text": bot.remind_text,
                "give_up_after_minutes": bot.give_up_after_minutes,
                "then": "close" if bot.close_when_silent else "hand_over",
            },
        ),
        "error": None if problems else error,
        "has_problems": bool(problems),
    }
    return render_page(request, "bots/editor.html", context, section=SECTION, status=status)


def _trigger_form(request: SettingsRequest, inboxes: list[tuple[str, str]], initial: dict[str, Any]) -> TriggerForm:
    match = request.resolver_match
    if request.method == "POST" and match is not None and match.view_name == "bots-trigger":
        form = TriggerForm(request.POST, inbox_choices=inboxes)
        form.is_valid()
        return form
    return TriggerForm(initial=initial, inbox_choices=inboxes)


@require_GET
@settings_view("bot")
def editor(request: SettingsRequest, bot_id: str) -> HttpResponse:
    return _editor_page(request, bot_id)


@require_POST
@settings_view("bot")
def test_chat(request: SettingsRequest, bot_id: str) -> HttpResponse:
    """The test chat panel after the test visitor's answers so far (every `answer`, in order)."""
    bot = get_bot(request.member, bot_id)
    answers = [a.strip() for a in request.POST.getlist("answer") if a.strip()]
    context: dict[str, Any] = {"bot": bot, "answers": answers}
    try:
        context["shown"] = preview(request.member, bot, answers, language=request.LANGUAGE_CODE)
    except DomainError as error:
        context["error"] = error
    return render(request, "bots/partials/test_chat.html", context)


def _saved(request: SettingsRequest, bot: Bot, flow: dict[str, Any], message: str) -> HttpResponse:
    actions.save_draft(request.member, bot, flow)
    return done(request, message, "bots-editor", bot.public_id.hex)


@require_POST
@settings_view("bot")
def add_block(request: SettingsRequest, bot_id: str) -> HttpResponse:
    bot = get_bot(request.member, bot_id)
    form = NewBlockForm(request.POST)
    if not form.is_valid():
        return invalid(request, "bot", bot_id)
    flow, block_id = editing.add_block(bot.draft, form.cleaned_data["type"], after=form.cleaned_data["after"] or None)
    return _saved(request, bot, flow, _("Block %(id)s added: fill it in below.") % {"id": block_id})


@require_POST
@settings_view("bot")
def save_block(request: SettingsRequest, bot_id: str, block_id: str) -> HttpResponse:
    bot = get_bot(request.member, bot_id)
    block = next((b for b in bot.draft.get("blocks", []) if b.get("id") == block_id), None)
    if block is None:
        raise DomainError(_("That block is no longer in the flow."), code="unknown_block")
    form = BLOCK_FORMS[block["type"]](
        request.POST, prefix=block_id, targets=_targets(bot.draft), people=_people(request.member)
    )
    if not form.is_valid():
        return invalid(request, "bot", bot_id)
    flow = editing.replace_block(bot.draft, block_id, form.block())
    return _saved(request, bot, flow, _("Block %(id)s saved.") % {"id": block_id})


@require_POST
@settings_view("bot")
def delete_block(request: SettingsRequest, bot_id: str, block_id: str) -> HttpResponse:
    bot = get_bot(request.member, bot_id)
    return _saved(request, bot, editing.delete_block(bot.draft, block_id), _("Block deleted."))


@require_POST
@settings_view("bot")
def move_block(request: SettingsRequest, bot_id: str, block_id: str) -> HttpResponse:
    bot = get_bot(request.member, bot_id)
    delta = -1 if request.POST.get("direction") == "up" else 1
    return _saved(request, bot, editing.move_block(bot.draft, block_id, delta), _("Block moved."))


@require_POST
@settings_view("bot")
def start_block(request: SettingsRequest, bot_id: str, block_id: str) -> HttpResponse:
    bot = get_bot(request.member, bot_id)
    return _saved(
        request, bot, editing.set_start(bot.draft, block_id), _("The flow starts at %(id)s.") % {"id": block_id}
    )


@require_POST
@settings_view("bot")
def rename(request: SettingsRequest, bot_id: str) -> HttpResponse:
    bot = get_bot(request.member, bot_id)
    form = PersonaForm(request.POST, request.FILES)
    if not form.is_valid():
        return invalid(request, "bot", bot_id)
    data = form.cleaned_data
    if data["persona_avatar"] or data["remove_avatar"]:  # first: a picture refused changes nothing
        actions.set_persona_avatar(request.member, bot, None if data["remove_avatar"] else data["persona_avatar"])
    actions.rename_bot(request.member, bot, name=data["name"], persona_name=data["persona_name"])
    return done(request, _("Saved."), "bots-editor", bot_id)


@require_POST
@settings_view("bot")
def trigger(request: SettingsRequest, bot_id: str) -> HttpResponse:
    bot = get_bot(request.member, bot_id)
    inboxes = {i.public_id.hex: i for i in visible_inboxes(request.member)}
    form = TriggerForm(request.POST, inbox_choices=[(k, i.name) for k, i in inboxes.items()])
    if not form.is_valid():
        return invalid(request, "bot", bot_id)
    data = form.cleaned_data
    config = {"event": data["event"], "url_contains": data["url_contains"], "after_seconds": data["after_seconds"] or 0}
    actions.set_trigger(
        request.member, bot, trigger=data["trigger"], config=config, inboxes=[inboxes[k] for k in data["inboxes"]]
    )
    return done(request, _("The trigger is saved."), "bots-editor", bot_id)


@require_POST
@settings_view("bot")
def silence(request: SettingsRequest, bot_id: str) -> HttpResponse:
    bot = get_bot(request.member, bot_id)
    form = SilenceForm(request.POST)
    if not form.is_valid():
        return invalid(request, "bot", bot_id)
    data = form.cleaned_data
    actions.set_silence(
        request.member,
        bot,
        remind_after=data["remind_after_minutes"],
        remind_text=data["remind_text"],
        give_up_after=data["give_up_after_minutes"],
        close=data["then"] == "close",
    )
    return done(request, _("Saved: running conversations follow it from now on."), "bots-editor", bot_id)


@require_POST
@settings_view("bot")
def publish(request: SettingsRequest, bot_id: str) -> HttpResponse:
    version = actions.publish(request.member, get_bot(request.member, bot_id))
    message = _("Version %(number)d is published: new conversations run it.") % {"number": version.number}
    return done(request, message, "bots-editor", bot_id)


@require_POST
@settings_view("bot")
def enabled(request: SettingsRequest, bot_id: str) -> HttpResponse:
    bot = actions.set_enabled(request.member, get_bot(request.member, bot_id), enabled=request.POST.get("on") == "1")
    return done(request, _("The bot is on.") if bot.enabled else _("The bot is off."), "bots-editor", bot_id)


@require_POST
@settings_view("bot")
def duplicate(request: SettingsRequest, bot_id: str) -> HttpResponse:
    copy = actions.duplicate(request.member, get_bot(request.member, bot_id))
    return done(request, _("This is the copy: change it freely."), "bots-editor", copy.public_id.hex)


@require_POST
@settings_view("bot")
def roll_back(request: SettingsRequest, bot_id: str, version_id: str) -> HttpResponse:
    bot = get_bot(request.member, bot_id)
    version = get_version(bot, version_id)
    actions.roll_back(request.member, bot, version)
    message = _("Version %(number)d runs again, and the draft is back to it.") % {"number": version.number}
    return done(request, message, "bots-editor", bot_id)
