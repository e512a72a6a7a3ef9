"""What a visitor's browser reports (validated by the widget API), for visitors.actions.record_activity."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PageViewIn:
    url: str
    title: str
    referrer: str
    at: datetime


@dataclass(frozen=True)
class PageLeaveIn:
    url: str
    duration: int


@dataclass(frozen=True)
class TrackIn:
    name: str
    properties: dict[str, Any]
    url: str
    at: datetime


TrackingEvent = PageViewIn | PageLeaveIn | TrackIn | None  # None: a heartbeat
