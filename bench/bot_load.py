"""Parley bot load benchmark: many visitors talking to a bot at once, over the real widget API and websockets.

Run from the repository root with `make bench` (or `.venv/bin/python bench/bot_load.py --help`).

One `parley serve` in embedded mode (SQLite, its job worker as a thread) with a published bot that answers
every visitor message: it echoes the answer and asks again (an `ask` block, a `message` block with a
variable, a jump back), so each visitor message is one bot turn that stores two bot messages.

N visitors start widget sessions and open their widget websockets, then all send their first message at
once: N conversations start and N bots greet and ask (the start burst). Then each visitor answers its bot
again and again, each after a think time drawn uniformly from [--think-min, --think-max] seconds after the
bot's last question arrived, for --duration seconds. The latency of a turn is the visitor's send start ->
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
import sys
import tempfile
import uuid
from collections import Counter
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
    ws_url,
)
from chat_load import Visitor as Session  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from tests.servers import parley, server_env  # noqa: E402

TARGET_P95_MS = 150.0
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
        self.ws = await connect(
            ws_url(self.session.server.url, f"/widget/ws/?token={self.session.token}"),
            origin=Origin(origin),
            proxy=None,
            open_timeout=15,
            ping_interval=None,
            close_timeout=3,
            max_queue=None,
        )

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
    latencies_ms: list[float] = field(default_factory=list)
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
    try:
        await asyncio.wait_for(talker.bot_spoke.wait(), timeout)
    except TimeoutError:
        phase.errors[f"no bot answer within {timeout:.0f} s"] += 1
        return
    phase.latencies_ms.append((now() - started) * 1000)


async def measure(deployment: Deployment, args: argparse.Namespace) -> tuple[Phase, Phase, float]:
    server = deployment.servers[0]
    async with http_client(args.visitors + 8) as client:
        sessions = await start_sessions(client, deployment, args.visitors)
        talkers = [Talker(s) for s in sessions]
        for talker in talkers:
            await talker.connect(deployment.page_origin)
        listeners = [asyncio.create_task(t.listen()) for t in talkers]
        rss_before = rss_mb(deployment.pids())
        try:
            burst = Phase("start burst: every visitor's first message at once")
            with CpuMeter(deployment.pids()) as cpu:
                t0 = now()
                await asyncio.gather(*(turn(client, t, burst, timeout=args.timeout) for t in talkers))
                burst.wall = now() - t0
            burst.cpu = cpu.report()
            await asyncio.sleep(1)  # the greeting's question follows the greeting

            steady = Phase(f"answering after {args.think_min:g}-{args.think_max:g} s of thought")
            deadline = now() + args.duration
            rng = random.Random(7)

            async def talk(talker: Talker) -> None:
                while (left := deadline - now()) > 0:
                    await asyncio.sleep(min(rng.uniform(args.think_min, args.think_max), left))
                    if now() < deadline:
                        await turn(client, talker, steady, timeout=args.timeout)

            with CpuMeter(deployment.pids()) as cpu:
                t0 = now()
                await asyncio.gather(*(talk(t) for t in talkers))
                steady.wall = now() - t0
            steady.cpu = cpu.report()
            rss_after = rss_mb(deployment.pids())
        finally:
            for talker in talkers:
                if talker.ws is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(talker.ws.close(), 3)
            for listener in listeners:
                listener.cancel()
        died = [t.closed for t in talkers if t.closed]
        if died:
            burst.errors[f"websocket lost: {died[0]}"] += len(died)
        print(f"   server {server.url}: RSS {rss_before:.0f} -> {rss_after:.0f} MB", flush=True)
        return burst, steady, rss_after - rss_before


def report(burst: Phase, steady: Phase, added_mb: float, args: argparse.Namespace, facts: dict[str, str]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Bot conversations: visitor message -> the bot's answer on the visitor's websocket",
        "",
        f"## Run of {when}",
        "",
        f"`{shlex.join(['bench/bot_load.py', *sys.argv[1:]])}` — embedded mode (one `parley serve`, SQLite, the job"
        " worker a thread of it, woken on enqueue). " + "; ".join(f"{k}: {v}" for k, v in facts.items()) + ".",
        "",
        f"{args.visitors} visitors, each in its own conversation with a published bot (ask → echo with a"
        " variable → ask again: each turn stores the visitor's message, runs one task, stores two bot messages"
        " and pushes them over the websocket). Latency: send start → the bot's first message of the turn on"
        " the visitor's socket.",
        "",
        "| phase | turns | turns/s | p50 ms | p95 ms | p99 ms | max ms | errors | server cores | load gen. cores |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for phase in (burst, steady):
        s = phase.summary()
        errors = ", ".join(f"{k}: {v}" for k, v in phase.errors.items()) or "none"
        lines.append(
            f"| {phase.name} | {len(phase.latencies_ms)} | {phase.turns_per_second:.0f} | {s['p50']:.0f} |"
            f" {s['p95']:.0f} | {s['p99']:.0f} | {s['max']:.0f} | {errors} |"
            f" {phase.cpu.get('server_cores', 0):.2f} | {phase.cpu.get('loadgen_cores', 0):.2f} |"
        )
    p95 = steady.summary()["p95"]
    met = p95 < TARGET_P95_MS and not steady.errors
    lines += [
        "",
        f"Target: each bot answer under {TARGET_P95_MS:.0f} ms p95 with {args.visitors} conversations stepping"
        f" at once: {'met' if met else 'NOT met'} (p95 {p95:.0f} ms while answering). Server memory added:"
        f" {added_mb:.0f} MB.",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/bot_load.py",
        description="Bot answers under load (starts its own server; traffic only to 127.0.0.1).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--visitors", type=int, default=200, help="concurrent bot conversations")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of answering after the start burst")
    parser.add_argument("--think-min", type=float, default=1.0, help="shortest pause before a visitor answers (s)")
    parser.add_argument("--think-max", type=float, default=3.0, help="longest pause before a visitor answers (s)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for a bot answer")
    parser.add_argument(
        "--wait-quiet", type=float, default=30.0, help="seconds to wait for other programs to use < 0.3 cores"
    )
    parser.add_argument("--quick", action="store_true", help="20 visitors for 5 s; does not write RESULTS.md")
    parser.add_argument("--results", type=Path, default=None, help="results file (default bench/RESULTS.md)")
    args = parser.parse_args(argv)
    if args.quick:
        args.visitors, args.duration = 20, 5.0
    elif args.results is None:
        args.results = RESULTS
    return args


async def run(args: argparse.Namespace) -> tuple[Phase, Phase, float]:
    with tempfile.TemporaryDirectory(prefix="parley-bench-bots-") as tmp:
        print("== embedded: starting the server ...", flush=True)
        with deploy("embedded", Path(tmp)) as deployment:
            parley(server_env(deployment.workdir / "data"), "shell", "-c", INSTALL)  # deploy()'s environment
            await wait_quiet(args.wait_quiet)
            print(f"== {args.visitors} bot conversations ...", flush=True)
            return await measure(deployment, args)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    facts = machine_facts()
    burst, steady, added_mb = asyncio.run(run(args))
    text = report(burst, steady, added_mb, args, facts)
    print("\n" + text)
    if args.results:
        replace_section(args.results, "bot_load", text)
        print(f"\nwrote {args.results}")


if __name__ == "__main__":
    main()
