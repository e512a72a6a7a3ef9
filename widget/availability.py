"""Whether an inbox takes chats now: business hours in the inbox's time zone, operators' presence, or both.

Hours are a weekly schedule ({"0": [["09:00", "18:00"]], …}, Monday = 0, "24:00" ends a day) minus holidays.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from widget.models import WidgetSettings

LOOK_AHEAD_DAYS = 14  # "back at" is only said when the next opening is this close


@dataclass(frozen=True)
class Availability:
    online: bool
    back_at: datetime | None = None  # the next opening by the schedule, when closed by it


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _intervals(settings: WidgetSettings, day: date) -> list[tuple[int, int]]:
    """Open intervals of a local day in minutes since midnight; none on a holiday."""
    if day.isoformat() in settings.holidays:
        return []
    return [(_minutes(start), _minutes(end)) for start, end in settings.weekly_hours.get(str(day.weekday()), [])]


def _local_now(settings: WidgetSettings, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(settings.time_zone))


def within_hours(settings: WidgetSettings, now: datetime) -> bool:
    local = _local_now(settings, now)
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in _intervals(settings, local.date()))


def next_opening(settings: WidgetSettings, now: datetime) -> datetime | None:
    """When the schedule next opens after `now`, within LOOK_AHEAD_DAYS."""
    local = _local_now(settings, now)
    zone = ZoneInfo(settings.time_zone)
    for offset in range(LOOK_AHEAD_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        for start, _end in sorted(_intervals(settings, day)):
            opening = datetime.combine(day, time(start // 60, start % 60), tzinfo=zone)
            if opening > local:
                return opening
    return None


def inbox_availability(
    settings: WidgetSettings, operators_online: Callable[[], bool], now: datetime | None = None
) -> Availability:
    """Whether the widget takes chats now; `operators_online` is only asked when presence counts."""
    now = now or timezone.now()
    mode = settings.availability
    if mode == WidgetSettings.Availability.ALWAYS:
        return Availability(online=True)
    by_hours = mode in (WidgetSettings.Availability.HOURS, WidgetSettings.Availability.HOURS_AND_PRESENCE)
    if by_hours and not within_hours(settings, now):
        return Availability(online=False, back_at=next_opening(settings, now))
    if mode in (WidgetSettings.Availability.PRESENCE, WidgetSettings.Availability.HOURS_AND_PRESENCE):
        return Availability(online=operators_online())
    return Availability(online=True)
