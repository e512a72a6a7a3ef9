"""Parley bot load benchmark: many visitors talking to a bot at once, over the real widget API and websockets.

Run from the repository root with `make bench` (or `.venv/bin/python bench/bot_load.py --help`).

Embedded mode: one `parley serve` (SQLite, its job worker a thread of it). Scale-out mode: two `parley serve`
and --workers `parley worker` processes on PostgreSQL and Redis (workers woken through Redis). A published
bot answers every visitor message: it echoes the answer and asks again (an `ask` block, a `message` block with a
variable, a jump back), so each visitor message is one bot turn that stores two bot messages.

N visitors start widget sessions and open their widget websockets, then all send their first message at
once: N conversations start and N bots greet and ask (the start burst). Then each visitor answers its bot
again and again, for each pace of --paces, each after a think time drawn uniformly from that range, for
--duration seconds. The latency of a turn is the visitor's send start ->
the first bot message of that turn arriving on the visitor's websocket (the bot's flow has no typing pause,
so nothing configured is in it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import random
import shlex
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import httpx  # noqa: E402
from chat_load import (  # noqa: E402
    RESULTS,
    CpuMeter,
    Deployment,
    deploy,
    http_client,
    machine_facts,
    now,
    pct,
    replace_section,
    rss_mb,
    start_sessions,
    wait_quiet,
)
from chat_load import Visitor as Session  # noqa: E402
from websockets.asyncio.client import ClientConnection  # noqa: E402

from tests.servers import PARLEY, parley  # noqa: E402

TARGET_P95_MS = 150.0
# The target's "200 conversations stepping at once": open at the same time, their visitors answering as people
# do, after 5-15 s of reading and typing (about 20 turns/s). Other paces and the start burst measure capacity.
TARGET_PACE = (5.0, 15.0)
QUESTION = "Anything else?"
FLOW = {
    "start": "hello",
    "blocks": [
        {"id": "hello", "type": "message", "text": "Hi! I'm the bench bot.", "next": "ask"},
        {"id": "ask", "type": "ask", "text": QUESTION, "save_to": "var.answer", "next": "echo"},
        {"id": "echo", "type": "message", "text": "Noted: {{var.answer}}", "next": "ask"},
    ],
}
INSTALL = f"""
from bots import actions
from bots.models import Bot
from workspaces.models import Member
member = Member.objects.filter(role="admin").order_by("pk").first()
Bot.objects.filter(workspace=member.workspace).update(enabled=False)
bot = actions.create_bot(member, name="Bench bot", persona_name="Bench", flow={FLOW!r})
actions.publish(member, bot)
actions.set_enabled(member, bot, enabled=True)
"""


@dataclass
class Talker:
    """One visitor in a conversation with the bot: sends, then waits for the bot's next message."""

    session: Session
    ws: ClientConnection | None = None
    bot_spoke: asyncio.Event = field(default_factory=asyncio.Event)
    questions: int = 0  # bot questions received
    closed: str | None = None

    async def connect(self, origin: str) -> None:
        await self.session.connect(origin)
        self.ws = self.session.ws

    async def listen(self) -> None:
        assert self.ws is not None
        try:
            async for frame in self.ws:
                event = json.loads(frame)
                if event.get("type") != "message.created" or event["message"]["author"]["kind"] != "bot":
                    continue
                self.bot_spoke.set()
                if event["message"]["text"] == QUESTION:
                    self.questions += 1
        except Exception as error:
            self.closed = f"{type(error).__name__}: {error}"


@dataclass
class Phase:
    name: str
    pace: tuple[float, float] | None = None  # the think time range; None for the start burst
    latencies_ms: list[float] = field(default_factory=list)
    send_ms: list[float] = field(default_factory=list)  # the visitor's POST alone
    errors: Counter[str] = field(default_factory=Counter)
    wall: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def turns_per_second(self) -> float:
        return len(self.latencies_ms) / self.wall if self.wall else 0.0

    def summary(self) -> dict[str, float]:
        lat = self.latencies_ms
        return {"p50": pct(lat, 0.5), "p95": pct(lat, 0.95), "p99": pct(lat, 0.99), "max": max(lat, default=0.0)}


async def turn(client: httpx.AsyncClient, talker: Talker, phase: Phase, *, timeout: float) -> None:
    """One visitor message and the bot's answer to it."""
    client_id = uuid.uuid4().hex
    talker.bot_spoke.clear()
    started = now()
    try:
        response = await client.post(
            f"{talker.session.server.url}/widget/api/v1/messages",
            json={"client_id": client_id, "text": f"answer {client_id[:8]}"},
            headers=talker.session.headers,
        )
    except httpx.HTTPError as error:
        phase.errors[type(error).__name__] += 1
        return
    if response.status_code not in (200, 201):
        phase.errors[f"HTTP {response.status_code}"] += 1
        return
    phase.send_ms.append((now() - started) * 1000)
    try:
        await asyncio.wait_for(talker.bot_spoke.wait(), timeout)
    except TimeoutError:
        phase.errors[f"no bot answer within {timeout:.0f} s"] += 1
        return
    phase.latencies_ms.append((now() - started) * 1000)


@dataclass
class Result:
    mode: str
    phases: list[Phase]
    added_mb: float


def paces(text: str) -> list[tuple[float, float]]:
    """ "5-15,1-3" -> [(5.0, 15.0), (1.0, 3.0)]: think times (s) before each answer, one steady phase each."""
    found = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        found.append((float(low), float(high or low)))
    return found


async def measure(deployment: Deployment, args: argparse.Namespace, *, pids: list[int]) -> Result:
    """`pids`: every process of the deployment (servers and workers), for CPU and memory."""
    async with http_client(args.visitors + 8) as client:
        sessions = await start_sessions(client, deployment, args.visitors)
        talkers = [Talker(s) for s in sessions]
        for talker in talkers:
            await talker.connect(deployment.page_origin)
        listeners = [asyncio.create_task(t.listen()) for t in talkers]
        rss_before = rss_mb(pids)
        phases: list[Phase] = []
        try:
            burst = Phase("start burst: every visitor's first message at once")
            with CpuMeter(pids) as cpu:
                t0 = now()
                await asyncio.gather(*(turn(client, t, burst, timeout=args.timeout) for t in talkers))
                burst.wall = now() - t0
            burst.cpu = cpu.report()
            phases.append(burst)
            for low, high in paces(args.paces):
                await asyncio.sleep(3)  # the previous phase's last answers arrive
                phases.append(await converse(client, talkers, args, low, high, pids))
            rss_after = rss_mb(pids)
        finally:
            for talker in talkers:
                if talker.ws is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(talker.ws.close(), 3)
            for listener in listeners:
                listener.cancel()
        died = [t.closed for t in talkers if t.closed]
        if died:
            phases[-1].errors[f"websocket lost: {died[0]}"] += len(died)
        print(f"   RSS {rss_before:.0f} -> {rss_after:.0f} MB", flush=True)
        return Result(deployment.mode, phases, rss_after - rss_before)


async def converse(
    client: httpx.AsyncClient, talkers: list[Talker], args: argparse.Namespace, low: float, high: float, pids: list[int]
) -> Phase:
    """Every visitor answers its bot, each after `low`..`high` seconds, for --duration seconds."""
    phase = Phase(f"answering after {low:g}-{high:g} s of thought", (low, high))
    deadline = now() + args.duration
    rng = random.Random(7)

    async def talk(talker: Talker) -> None:
        while (left := deadline - now()) > 0:
            await asyncio.sleep(min(rng.uniform(low, high), left))
            if now() < deadline:
                await turn(client, talker, phase, timeout=args.timeout)

    with CpuMeter(pids) as cpu:
        t0 = now()
        await asyncio.gather(*(talk(t) for t in talkers))
        phase.wall = now() - t0
    phase.cpu = cpu.report()
    return phase


def report(results: list[Result], args: argparse.Namespace, facts: dict[str, str]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Bot conversations: visitor message -> the bot's answer on the visitor's websocket",
        "",
        f"## Run of {when}",
        "",
        f"`{shlex.join(['bench/bot_load.py', *sys.argv[1:]])}`. "
        + "; ".join(f"{k}: {v}" for k, v in facts.items())
        + ".",
        "",
        f"{args.visitors} visitors, each in its own conversation with a published bot (ask → echo with a"
        " variable → ask again: each turn stores the visitor's message, runs one task, stores two bot messages"
        " and pushes them over the websocket). Latency: send start → the bot's first message of the turn on"
        " the visitor's socket. Embedded: one `parley serve` on SQLite, its worker a thread woken on enqueue."
        f" Scale-out: two `parley serve` and {args.workers} `parley worker` on PostgreSQL + Redis (workers woken"
        " through Redis). Cores: every process of the deployment (PostgreSQL and Redis counted apart).",
        "",
        "| mode | phase | turns | turns/s | p50 ms | p95 ms | p99 ms | max ms | send p95 | errors | Parley cores"
        " | PG+Redis |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for result in results:
        for phase in result.phases:
            s = phase.summary()
            errors = ", ".join(f"{k}: {v}" for k, v in phase.errors.items()) or "none"
            lines.append(
                f"| {result.mode} | {phase.name} | {len(phase.latencies_ms)} | {phase.turns_per_second:.0f} |"
                f" {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | {s['max']:.0f} | {pct(phase.send_ms, 0.95):.0f} |"
                f" {errors} |"
                f" {phase.cpu.get('server_cores', 0):.2f} | {phase.cpu.get('services_cores', 0):.2f} |"
            )
        for phase in result.phases:
            p95 = phase.summary()["p95"]
            if phase.pace == TARGET_PACE:
                met = p95 < TARGET_P95_MS and not phase.errors
                verdicts.append(f"{result.mode}, {phase.name}: {'met' if met else 'NOT met'} (p95 {p95:.0f} ms)")
            else:
                verdicts.append(
                    f"{result.mode}, {phase.name}: capacity {phase.turns_per_second:.0f} turns/s (p95 {p95:.0f} ms)"
                )
        verdicts.append(f"{result.mode}: memory added {result.added_mb:.0f} MB")
    low, high = TARGET_PACE
    lines += [
        "",
        f"Target: each bot answer under {TARGET_P95_MS:.0f} ms p95 with {args.visitors} conversations at once, read"
        f" as {args.visitors} visitors answering their bots as people do, after {low:g}-{high:g} s of thought. The"
        " start burst (every visitor's message in the same instant) and faster paces offer more turns per second"
        " than one deployment on this machine answers: they show its capacity, and how far answers queue past it.",
        "",
    ]
    lines += [f"- {v}" for v in verdicts]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/bot_load.py",
        description="Bot answers under load (starts its own server; traffic only to 127.0.0.1).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--mode", choices=["embedded", "scale-out", "all"], default="all")
    parser.add_argument("--workers", type=int, default=2, help="parley worker processes (scale-out mode)")
    parser.add_argument("--visitors", type=int, default=200, help="concurrent bot conversations")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of answering after the start burst")
    parser.add_argument(
        "--paces", default="5-15,1-3", help="seconds each visitor thinks before answering: one phase per range"
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for a bot answer")
    parser.add_argument(
        "--wait-quiet", type=float, default=30.0, help="seconds to wait for other programs to use < 0.3 cores"
    )
    parser.add_argument("--quick", action="store_true", help="20 visitors for 5 s; does not write RESULTS.md")
    parser.add_argument("--results", type=Path, default=None, help="results file (default bench/RESULTS.md)")
    args = parser.parse_args(argv)
    if args.quick:
        args.visitors, args.duration, args.paces = 20, 5.0, "1-2"
    elif args.results is None:
        args.results = RESULTS
    return args


@contextlib.contextmanager
def workers(deployment: Deployment, count: int) -> Iterator[list[int]]:
    """`parley worker` processes on the deployment's database (scale-out mode runs no worker in the servers)."""
    with contextlib.ExitStack() as logs:
        processes = [
            subprocess.Popen(
                [*PARLEY, "worker"],
                env=deployment.env,
                cwd=ROOT,
                stdout=logs.enter_context(open(deployment.workdir / f"worker-{n}.log", "ab")),
                stderr=subprocess.STDOUT,
            )
            for n in range(count)
        ]
        try:
            yield [p.pid for p in processes]
        finally:
            _stop(processes)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


async def run(args: argparse.Namespace, mode: str) -> Result:
    with tempfile.TemporaryDirectory(prefix="parley-bench-bots-") as tmp:
        print(f"== {mode}: starting the servers ...", flush=True)
        with deploy(mode, Path(tmp)) as deployment:
            parley(deployment.env, "shell", "-c", INSTALL)
            with workers(deployment, args.workers if mode == "scale-out" else 0) as worker_pids:
                await wait_quiet(args.wait_quiet)
                print(f"== {mode}: {args.visitors} bot conversations ...", flush=True)
                return await measure(deployment, args, pids=[*deployment.pids(), *worker_pids])


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    facts = machine_facts()
    modes = ["embedded", "scale-out"] if args.mode == "all" else [args.mode]
    results = [asyncio.run(run(args, mode)) for mode in modes]
    text = report(results, args, facts)
    print("\n" + text)
    if args.results:
        replace_section(args.results, "bot_load", text)
        print(f"\nwrote {args.results}")


if __name__ == "__main__":
    main()
