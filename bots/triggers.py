"""Which bots write first, and to whom: a page the visitor opens, an event the site reports (Parley.track),
a visitor coming back. Every tracking batch asks, so the answer per workspace is cached (a minute, and
dropped whenever a bot is published, switched or retargeted)."""

from dataclasses import dataclass

from django.core.cache import cache

from bots.models import Bot
from visitors.events import VisitorActed

CACHE_SECONDS = 60


@dataclass(frozen=True)
class Proactive:
    bot_id: int
    trigger: str
    config: dict[str, str | int]
    inbox_ids: frozenset[int]  # empty: every inbox


def _key(workspace_id: int) -> str:
    return f"bots:proactive:{workspace_id}"


def proactive_bots(workspace_id: int) -> list[Proactive]:
    found: list[Proactive] | None = cache.get(_key(workspace_id))
    if found is None:
        bots = (
            Bot.objects.filter(
                workspace_id=workspace_id, enabled=True, published__isnull=False, trigger__in=Bot.PROACTIVE
            )
            .prefetch_related("inboxes")
            .order_by("priority", "pk")
        )
        found = [Proactive(b.pk, b.trigger, b.trigger_config, frozenset(i.pk for i in b.inboxes.all())) for b in bots]
        cache.set(_key(workspace_id), found, CACHE_SECONDS)
    return found


def forget(workspace_id: int) -> None:
    cache.delete(_key(workspace_id))


def bot_for(event: VisitorActed) -> Proactive | None:
    """The first bot (by priority) whose trigger this activity meets."""
    for bot in proactive_bots(event.workspace_id):
        if bot.inbox_ids and event.inbox_id not in bot.inbox_ids:
            continue
        if _meets(bot, event):
            return bot
    return None


def _meets(bot: Proactive, event: VisitorActed) -> bool:
    if bot.trigger == Bot.Trigger.CUSTOM_EVENT:
        return str(bot.config.get("event", "")) in event.event_names
    if bot.trigger == Bot.Trigger.PAGE_VISITED:
        part = str(bot.config.get("url_contains", ""))
        return bool(part) and any(part in url for url in event.page_urls)
    return bot.trigger == Bot.Trigger.RETURNING_VISITOR and event.new_visit
