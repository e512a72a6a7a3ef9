"""What a bot brings: conversations started, how they ended and why, goals reached, where visitors dropped off,
and how long a finished conversation took. Read from its runs (each keeps the blocks it ran)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from bots.models import Bot, BotRun

FINISHED = {BotRun.Reason.FLOW_ENDED, BotRun.Reason.FLOW_HANDOFF}  # the flow went where it was built to go


@dataclass
class BlockStats:
    reached: int = 0
    dropped: int = 0  # runs that stopped here without finishing (went silent, gave up, asked for a person…)


@dataclass
class BotReport:
    started: int = 0
    finished: int = 0
    running: int = 0
    handed_off: Counter[str] = field(default_factory=Counter)  # reason -> runs handed to people
    goals: Counter[str] = field(default_factory=Counter)
    blocks: dict[str, BlockStats] = field(default_factory=dict)
    median_time_to_finish: timedelta | None = None

    @property
    def completion_rate(self) -> float:
        return self.finished / self.started if self.started else 0.0

    @property
    def handed_off_total(self) -> int:
        return sum(self.handed_off.values())


def bot_report(bot: Bot, *, since: datetime | None = None) -> BotReport:
    runs = BotRun.objects.filter(bot=bot)
    if since is not None:
        runs = runs.filter(started_at__gte=since)
    report = BotReport()
    durations = []
    for run in runs.only("status", "reason", "goals", "visited", "block", "started_at", "ended_at").iterator():
        report.started += 1
        report.goals.update(set(run.goals))
        for block_id in set(run.visited):
            report.blocks.setdefault(block_id, BlockStats()).reached += 1
        if run.is_active:
            report.running += 1
            continue
        if run.reason in FINISHED:
            report.finished += 1
            if run.ended_at:
                durations.append((run.ended_at - run.started_at).total_seconds())
        else:
            report.blocks.setdefault(run.block, BlockStats()).dropped += 1
        if run.status == BotRun.Status.HANDED_OFF:
            report.handed_off[run.reason] += 1
    report.median_time_to_finish = timedelta(seconds=round(median(durations))) if durations else None
    return report
