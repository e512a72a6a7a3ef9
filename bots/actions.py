"""Writes of bots: drafts checked at save, publishing (a new immutable version), rolling back, duplicating."""

import re

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from bots import triggers
from bots.flow import Flow, FlowError, InvalidFlow, check_flow, starter_flow
from bots.models import AVATAR_EXTENSIONS, Bot, BotVersion
from bots.queries import known_in
from conversations.uploads import check_upload
from core.errors import InvalidInput, NotFound
from workspaces.models import Inbox, Member
from workspaces.queries import require_admin

MAX_SECONDS_ON_PAGE = 3600
MAX_SILENCE_MINUTES = 7 * 24 * 60
MAX_REMINDER = 500  # Bot.remind_text's length


class FlowRejected(InvalidInput):
    """The flow could not run; `errors` name each block and what is wrong with it."""

    code = "invalid_flow"

    def __init__(self, errors: list[FlowError]) -> None:
        super().__init__(gettext("The flow has problems: fix them and save again."))
        self.errors = errors


def checked_flow(bot: Bot, flow: object) -> Flow:
    try:
        return check_flow(flow, known_in(bot.workspace_id))
    except InvalidFlow as invalid:
        raise FlowRejected(invalid.errors) from None


def _clean_name(name: str, problem: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise InvalidInput(problem)
    return name


@transaction.atomic
def create_bot(member: Member, *, name: str, persona_name: str, flow: object = None) -> Bot:
    require_admin(member)
    bot = Bot(
        workspace=member.workspace,
        name=_clean_name(name, gettext("Give the bot a name of 1 to 80 characters.")),
        persona_name=_clean_name(persona_name, gettext("Give the bot's persona a name of 1 to 80 characters.")),
    )
    bot.draft = checked_flow(bot, flow if flow is not None else starter_flow()).model_dump(
        mode="json", exclude_defaults=True
    )
    bot.save()
    return bot


@transaction.atomic
def rename_bot(member: Member, bot: Bot, *, name: str, persona_name: str) -> Bot:
    require_admin(member)
    _in_workspace(member, bot)
    bot.name = _clean_name(name, gettext("Give the bot a name of 1 to 80 characters."))
    bot.persona_name = _clean_name(persona_name, gettext("Give the bot's persona a name of 1 to 80 characters."))
    bot.save(update_fields=["name", "persona_name"])
    return bot


AVATAR_MAX_BYTES = 512 * 1024


@transaction.atomic
def set_persona_avatar(member: Member, bot: Bot, picture: UploadedFile | None) -> Bot:
    """The picture beside the bot's messages (PNG, JPEG, GIF or WebP, up to 512 KB); None: no picture. Messages
    already sent keep the picture they were sent with."""
    require_admin(member)
    _in_workspace(member, bot)
    if picture is None:
        bot.persona_avatar = ""  # type: ignore[assignment]
    else:
        upload = check_upload(picture, max_bytes=AVATAR_MAX_BYTES)
        if upload.content_type not in AVATAR_EXTENSIONS:
            raise InvalidInput(
                gettext("The persona's picture must be a PNG, JPEG, GIF or WebP image."), code="avatar_not_an_image"
            )
        bot.persona_avatar.save(f"avatar{AVATAR_EXTENSIONS[upload.content_type]}", upload.file, save=False)
    bot.save(update_fields=["persona_avatar"])
    return bot


@transaction.atomic
def save_draft(member: Member, bot: Bot, flow: object) -> Bot:
    """Only a flow that could run is saved; the published version, which live conversations run, is untouched."""
    require_admin(member)
    _in_workspace(member, bot)
    bot.draft = checked_flow(bot, flow).model_dump(mode="json", exclude_defaults=True)
    bot.updated_at = timezone.now()
    bot.save(update_fields=["draft", "updated_at"])
    return bot


@transaction.atomic
def publish(member: Member, bot: Bot) -> BotVersion:
    """The draft becomes the next version; new conversations run it, running ones finish on theirs."""
    require_admin(member)
    _in_workspace(member, bot)
    draft = Bot.objects.select_for_update().values_list("draft", flat=True).get(pk=bot.pk)  # one at a time
    flow = checked_flow(bot, draft)
    number = (bot.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = BotVersion.objects.create(
        bot=bot, number=number, flow=flow.model_dump(mode="json", exclude_defaults=True), published_by=member
    )
    bot.published = version
    bot.save(update_fields=["published"])
    _triggers_changed(bot)
    return version


@transaction.atomic
def roll_back(member: Member, bot: Bot, version: BotVersion) -> Bot:
    """Run an earlier version again, and edit from it."""
    require_admin(member)
    _in_workspace(member, bot)
    if version.bot_id != bot.pk:
        raise NotFound(gettext("Version not found."))
    bot.published, bot.draft, bot.updated_at = version, version.flow, timezone.now()
    bot.save(update_fields=["published", "draft", "updated_at"])
    _triggers_changed(bot)
    return bot


@transaction.atomic
def duplicate(member: Member, bot: Bot) -> Bot:
    """A copy of the bot's draft to try changes on; it is off and unpublished."""
    require_admin(member)
    _in_workspace(member, bot)
    copy = Bot.objects.create(
        workspace=bot.workspace,
        name=(gettext("Copy of %(name)s") % {"name": bot.name})[:120],
        persona_name=bot.persona_name,
        persona_avatar=bot.persona_avatar.name,
        trigger=bot.trigger,
        trigger_config=bot.trigger_config,
        priority=bot.priority,
        draft=bot.draft,
        remind_after_minutes=bot.remind_after_minutes,
        remind_text=bot.remind_text,
        give_up_after_minutes=bot.give_up_after_minutes,
        close_when_silent=bot.close_when_silent,
        abuse_limit=bot.abuse_limit,
        blocked_words=bot.blocked_words,
    )
    copy.inboxes.set(bot.inboxes.all())
    return copy


@transaction.atomic
def set_enabled(member: Member, bot: Bot, *, enabled: bool) -> Bot:
    require_admin(member)
    _in_workspace(member, bot)
    if enabled and bot.published_id is None:
        raise InvalidInput(gettext("Publish the bot before turning it on."))
    bot.enabled = enabled
    bot.save(update_fields=["enabled"])
    _triggers_changed(bot)
    return bot


EVENT_NAME = re.compile(r"^[\w.:-]{1,100}$")


@transaction.atomic
def set_trigger(member: Member, bot: Bot, *, trigger: str, config: dict[str, str | int], inboxes: list[Inbox]) -> Bot:
    """When the bot starts: a visitor starting a conversation, or (writing first) a page (at once or after some
    seconds on it), an event, a return; in the given inboxes, or every inbox when none."""
    require_admin(member)
    _in_workspace(member, bot)
    if trigger not in Bot.Trigger.values:
        raise InvalidInput(gettext("Pick when the bot starts."), code="invalid_trigger")
    if any(inbox.workspace_id != bot.workspace_id for inbox in inboxes):
        raise NotFound(gettext("Inbox not found."))
    cleaned: dict[str, str | int] = {}
    if trigger == Bot.Trigger.CUSTOM_EVENT:
        event = str(config.get("event", "")).strip()
        if not EVENT_NAME.match(event):
            raise InvalidInput(
                gettext("Name the event as the site reports it with Parley.track, e.g. cart_abandoned."),
                code="invalid_trigger",
            )
        cleaned["event"] = event
    elif trigger == Bot.Trigger.PAGE_VISITED:
        part = str(config.get("url_contains", "")).strip()
        if not 1 <= len(part) <= 500:
            raise InvalidInput(
                gettext("Say which pages: a part of their address, e.g. /pricing."), code="invalid_trigger"
            )
        cleaned["url_contains"] = part
        seconds = str(config.get("after_seconds") or "0").strip()
        if not seconds.isdigit() or int(seconds) > MAX_SECONDS_ON_PAGE:
            raise InvalidInput(
                gettext("Say after how many seconds on the page: 0 to %(max)s.") % {"max": MAX_SECONDS_ON_PAGE},
                code="invalid_trigger",
            )
        if int(seconds):
            cleaned["after_seconds"] = int(seconds)
    bot.trigger, bot.trigger_config = trigger, cleaned
    bot.save(update_fields=["trigger", "trigger_config"])
    bot.inboxes.set(inboxes)
    _triggers_changed(bot)
    return bot


def set_silence(
    member: Member, bot: Bot, *, remind_after: int, remind_text: str, give_up_after: int, close: bool
) -> Bot:
    """What the bot does when the visitor stops answering: a reminder after `remind_after` minutes (0: none),
    then, `give_up_after` minutes later (0: never), the conversation goes to people, or is closed (`close`:
    for bots whose visitors often just leave once answered). Running conversations follow it from now on."""
    require_admin(member)
    _in_workspace(member, bot)
    for minutes in (remind_after, give_up_after):
        if not 0 <= minutes <= MAX_SILENCE_MINUTES:
            raise InvalidInput(
                gettext("Say the minutes as a number from 0 to %(max)d (a week).") % {"max": MAX_SILENCE_MINUTES},
                code="invalid_silence",
            )
    remind_text = remind_text.strip()
    if len(remind_text) > MAX_REMINDER:
        raise InvalidInput(gettext("Keep the reminder under 500 characters."), code="invalid_silence")
    bot.remind_after_minutes, bot.remind_text = remind_after, remind_text
    bot.give_up_after_minutes, bot.close_when_silent = give_up_after, close
    bot.save(update_fields=["remind_after_minutes", "remind_text", "give_up_after_minutes", "close_when_silent"])
    return bot


def _triggers_changed(bot: Bot) -> None:
    transaction.on_commit(lambda: triggers.forget(bot.workspace_id))


def _in_workspace(member: Member, bot: Bot) -> None:
    if bot.workspace_id != member.workspace_id:
        raise NotFound(gettext("Bot not found."))
