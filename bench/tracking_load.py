"""Parley tracking load benchmark: batched widget events at thousands a second while a chat runs.

Run from the repository root with `make bench` (or `.venv/bin/python bench/tracking_load.py --help`).

One real `parley serve` in embedded mode (SQLite, in-memory channel layer, fresh DATA_DIR), driven
through the real widget API:

1. Chat alone: visitors send messages (POST /widget/api/v1/messages) at --chat-rate while operators
   listen on the inbox websocket; delivery latency = send start -> every operator has the message's
   list row (bench/chat_load.py's measurement, reused).
2. Chat under tracking load: the same chat, while a pool of visitors sends tracking batches
   (POST /widget/api/v1/events, text/plain with the token in the body, as navigator.sendBeacon does)
   at --batch-rate batches/s of --batch-size events (page views, custom events with properties,
   page leaves, heartbeats), open loop.
3. Graceful stop: the server gets SIGTERM; the rows it stored are counted in the SQLite file before
   and after, and compared with what it accepted (no event may be lost).

Targets (the issue "Know every visitor"): ≥ 3,000 events/s accepted, chat delivery p99 < 150 ms
under that load, and every accepted page view and event stored after a graceful stop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import random
import shlex
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from chat_load import (  # noqa: E402
    REQUEST_TIMEOUT,
    RESULTS,
    CpuMeter,
    Deployment,
    Operator,
    Sent,
    StepResult,
    Visitor,
    conversation_of,
    deploy,
    http_client,
    login_operator,
    machine_facts,
    pct,
    quiesce,
    replace_section,
    run_step,
    send_message,
    start_sessions,
    wait_quiet,
)
from keepalive import KeepAliveClient  # noqa: E402

TARGET_EVENTS_PER_S = 3000.0
TARGET_CHAT_P99_MS = 150.0
ROWS_PER_EVENT = {"page_view": 1, "track": 1, "page_leave": 0, "heartbeat": 0}  # page_leave updates a view

now = time.monotonic


@dataclass
class EventsResult:
    scheduled: int = 0
    ok: int = 0
    accepted_events: int = 0
    expected_rows: int = 0  # page views + custom events in accepted batches
    errors: Counter[str] = field(default_factory=Counter)
    http_ms: list[float] = field(default_factory=list)
    span: float = 0.0
    max_lag_ms: float = 0.0

    @property
    def events_per_s(self) -> float:
        return self.accepted_events / self.span if self.span else 0.0


def make_batch(visitor: Visitor, origin: str, size: int, serial: int) -> tuple[bytes, int]:
    """A batch as the widget sends it: mostly page views and custom events, some leaves and heartbeats."""
    rng = random.Random(serial)
    events: list[dict[str, object]] = []
    at = dt.datetime.now(dt.UTC).isoformat()
    for i in range(size):
        product = rng.randrange(500)
        url = f"{origin}/products/{product}?utm_source=bench&utm_medium=load"
        kind = (
            "page_view",
            "track",
            "page_view",
            "track",
            "page_view",
            "track",
            "page_view",
            "track",
            "page_leave",
            "heartbeat",
        )[i % 10]
        if kind == "page_view":
            events.append({"type": kind, "url": url, "title": f"Product {product}", "referrer": f"{origin}/", "at": at})
        elif kind == "track":
            properties = {"product": f"Product {product}", "price": round(rng.uniform(5, 200), 2), "qty": 1}
            events.append({"type": kind, "name": "added_to_cart", "properties": properties, "url": url, "at": at})
        elif kind == "page_leave":
            events.append({"type": kind, "url": url, "duration": rng.randrange(1, 300)})
        else:
            events.append({"type": kind})
    rows = sum(ROWS_PER_EVENT[str(e["type"])] for e in events)
    return json.dumps({"token": visitor.token, "events": events}).encode(), rows


async def post_batch(
    client: KeepAliveClient,
    visitor: Visitor,
    body: bytes,
    rows: int,
    origin: str,
    result: EventsResult,
) -> None:
    t0 = now()
    try:
        response = await client.post(
            f"{visitor.server.url}/widget/api/v1/events",
            body,
            {"Origin": origin, "Content-Type": "text/plain;charset=UTF-8"},
            timeout=REQUEST_TIMEOUT,
        )
    except TimeoutError:
        result.errors["timeout (10 s)"] += 1
        return
    except OSError as error:  # ConnectionError included
        result.errors[type(error).__name__] += 1
        return
    if response.status != 202:
        result.errors[f"HTTP {response.status} {response.content[:80].decode(errors='replace')}"] += 1
        return
    result.ok += 1
    result.accepted_events += int(json.loads(response.content)["accepted"])
    result.expected_rows += rows
    result.http_ms.append((now() - t0) * 1000)


async def send_events(
    client: KeepAliveClient,
    deployment: Deployment,
    visitors: list[Visitor],
    *,
    rate: float,
    size: int,
    duration: float,
) -> EventsResult:
    result = EventsResult(scheduled=max(1, round(rate * duration)))
    tasks: set[asyncio.Task[None]] = set()
    # Bodies are built before the clock starts, so the generator's CPU goes to sending.
    bodies = [make_batch(visitors[i % len(visitors)], deployment.page_origin, size, i) for i in range(result.scheduled)]
    start = now() + 0.05
    for i, (body, rows) in enumerate(bodies):
        target = start + i / rate
        if (delay := target - now()) > 0:
            await asyncio.sleep(delay)
        result.max_lag_ms = max(result.max_lag_ms, (now() - target) * 1000)
        visitor = visitors[i % len(visitors)]
        task = asyncio.create_task(post_batch(client, visitor, body, rows, deployment.page_origin, result))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(set(tasks), timeout=REQUEST_TIMEOUT + 5)
    result.span = max(now() - start, duration)
    return result


def stored_rows(data_dir: Path) -> int:
    """Page views + events in the server's SQLite file (read-only; WAL lets us read while it writes)."""
    uri = f"file:{data_dir / 'parley.sqlite3'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
        (views,) = db.execute("SELECT COUNT(*) FROM visitors_pageview").fetchone()
        (events,) = db.execute("SELECT COUNT(*) FROM visitors_event").fetchone()
    return int(views) + int(events)


@dataclass
class Run:
    baseline: StepResult
    loaded: StepResult
    events: EventsResult
    pool: int
    operators: int
    rows_before_stop: int = 0
    rows_after_stop: int = 0
    exit_code: int | None = None
    load_cpu: dict[str, float] = field(default_factory=dict)
    background: list[float] = field(default_factory=list)  # other programs' cores before each phase


async def measure(deployment: Deployment, args: argparse.Namespace) -> Run:
    async with (
        http_client(max(args.chat_visitors, args.pool, 8)) as client,
        KeepAliveClient(args.chat_visitors) as chat_client,
        KeepAliveClient(args.connections) as events_client,
    ):
        sessions = await asyncio.gather(*(login_operator(deployment.servers[0]) for _ in range(args.operators)))
        operators = [Operator(i, deployment.servers[0], s) for i, s in enumerate(sessions)]
        await asyncio.wait_for(asyncio.gather(*(op.connect() for op in operators)), 30)
        listeners = [asyncio.create_task(op.listen()) for op in operators]
        try:
            chatters = await start_sessions(client, deployment, args.chat_visitors)
            warm: dict[str, Sent] = {}
            warm_errors: Counter[str] = Counter()
            await asyncio.gather(*(send_message(chat_client, v, warm, warm_errors) for v in chatters))
            if warm_errors:
                raise RuntimeError(f"chat warm-up failed: {dict(warm_errors)}")
            for op in operators:  # each operator has one conversation open, as in chat_load
                visitor = chatters[op.index % len(chatters)]
                conversation_id, seq = await conversation_of(client, visitor)
                await op.watch(visitor.index, conversation_id, seq)
            pool = await start_sessions(client, deployment, args.pool)
            await quiesce(deployment.pids())

            background = [await wait_quiet(args.wait_quiet)]
            print(f"  chat alone: {args.chat_rate:g} msg/s for {args.duration:g} s ...", flush=True)
            baseline = await run_step(
                chat_client, deployment, chatters, operators, rate=args.chat_rate, duration=args.duration, drain=10
            )
            await quiesce(deployment.pids())
            background.append(await wait_quiet(args.wait_quiet))

            total = args.batch_rate * args.batch_size
            print(
                f"  chat {args.chat_rate:g} msg/s + {args.batch_rate:g} batches/s x {args.batch_size} events"
                f" (= {total:g} events/s) for {args.duration:g} s ...",
                flush=True,
            )
            with CpuMeter(deployment.pids()) as cpu:
                loaded, events = await asyncio.gather(
                    run_step(
                        chat_client,
                        deployment,
                        chatters,
                        operators,
                        rate=args.chat_rate,
                        duration=args.duration,
                        drain=10,
                    ),
                    send_events(
                        events_client,
                        deployment,
                        pool,
                        rate=args.batch_rate,
                        size=args.batch_size,
                        duration=args.duration,
                    ),
                )
            run = Run(baseline, loaded, events, args.pool, args.operators, load_cpu=cpu.report(), background=background)
            run.rows_before_stop = stored_rows(deployment.workdir / "data")
        finally:
            await asyncio.gather(*(op.close() for op in operators))
            for task in listeners:
                task.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
    return run


def ms(values: dict[str, float], key: str) -> str:
    return f"{values[key]:.1f} ms" if key in values else "n/a"


def report(run: Run, args: argparse.Namespace, facts: dict[str, str]) -> str:
    e = run.events
    http = {"p50": pct(e.http_ms, 0.5), "p99": pct(e.http_ms, 0.99)} if e.http_ms else {}
    p99_alone = run.baseline.latency_ms.get("p99", float("nan"))
    p99_loaded = run.loaded.latency_ms.get("p99", float("inf"))
    # A batch whose client timed out may still have been stored: more rows than expected is not a loss.
    lost = max(e.expected_rows - run.rows_after_stop, 0)
    events_ok = e.events_per_s >= TARGET_EVENTS_PER_S and not e.errors
    chat_ok = p99_loaded < TARGET_CHAT_P99_MS and not run.loaded.errors and not run.loaded.missing_pairs
    stored_ok = lost == 0 and run.exit_code is not None
    verdict = "met" if events_ok and chat_ok and stored_ok else "**not met**"
    cpu = run.load_cpu
    command = "bench/tracking_load.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    lines = [
        "# Tracking load benchmark",
        "",
        "Reproduce with `make bench` (`.venv/bin/python bench/tracking_load.py`; `--help` for the options). One",
        "embedded `parley serve` (SQLite, in-memory channel layer, fresh data dir); tracking batches go to",
        "`POST /widget/api/v1/events` as `navigator.sendBeacon` sends them (text/plain, token in the body) from a",
        "pool of visitors, open loop, while visitors chat with operators listening on the inbox websocket. Chat",
        "latency: send start → every operator has the message's list row (as in `chat_load`). Rows = page views +",
        "custom events (page leaves update a view, heartbeats only touch the visitor), counted in the SQLite file",
        "at the end of the load and after the server was stopped with SIGTERM.",
        "",
        f"Targets: ≥ {TARGET_EVENTS_PER_S:,.0f} events/s accepted; chat p99 < {TARGET_CHAT_P99_MS:.0f} ms under that",
        "load; no accepted page view or event lost on a graceful stop.",
        "",
        f"## Run of {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        f"Command: `{command.strip()}`",
        "",
        "Machine:",
        "",
        *(f"- {k}: {v}" for k, v in facts.items()),
        "",
        f"Load: {args.batch_rate:g} batches/s x {args.batch_size} events from {run.pool} visitors, for"
        f" {args.duration:g} s; chat {args.chat_rate:g} msg/s from {args.chat_visitors} visitors,"
        f" {run.operators} operators.",
        "",
        "| | result |",
        "|---|---|",
        f"| batches accepted (202) | {e.ok}/{e.scheduled} |",
        f"| events accepted | {e.accepted_events:,} in {e.span:.1f} s = **{e.events_per_s:,.0f} events/s** |",
        f"| events HTTP p50 / p99 | {ms(http, 'p50')} / {ms(http, 'p99')} |",
        f"| event errors | {dict(e.errors) or 0} |",
        f"| chat p50 / p99 / max, alone | {ms(run.baseline.latency_ms, 'p50')} /"
        f" **{ms(run.baseline.latency_ms, 'p99')}** / {ms(run.baseline.latency_ms, 'max')} ({run.baseline.ok} msgs) |",
        f"| chat p50 / p99 / max, under tracking load | {ms(run.loaded.latency_ms, 'p50')} /"
        f" **{ms(run.loaded.latency_ms, 'p99')}** / {ms(run.loaded.latency_ms, 'max')} ({run.loaded.ok} msgs,"
        f" errors {dict(run.loaded.errors) or 0}, not delivered {run.loaded.missing_pairs}) |",
        f"| chat p99 change | {p99_loaded - p99_alone:+.1f} ms |",
        f"| rows expected (page views + events) | {e.expected_rows:,} |",
        f"| rows stored at the end of the load | {run.rows_before_stop:,} (the rest was queued for the batch writer) |",
        f"| rows stored after SIGTERM | {run.rows_after_stop:,} (lost: {lost}; server exit code {run.exit_code}) |",
        f"| cores during the load: server / load generator / other | {cpu.get('server_cores', 0):.2f} /"
        f" {cpu.get('loadgen_cores', 0):.2f} / {cpu.get('other_cores', 0):.2f} |",
        f"| other programs' cores just before each phase | {' / '.join(f'{b:.2f}' for b in run.background)} |",
        "",
        f"Targets: events/s {'met' if events_ok else 'not met'}; chat p99 {'met' if chat_ok else 'not met'};"
        f" nothing lost {'met' if stored_ok else 'not met'}. Overall: {verdict}.",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/tracking_load.py",
        description="Tracking events load with a chat running (starts its own server; traffic only to 127.0.0.1).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--batch-rate", type=float, default=60.0, help="tracking batches per second")
    parser.add_argument("--batch-size", type=int, default=50, help="events per batch (the API takes up to 100)")
    parser.add_argument("--pool", type=int, default=200, help="visitors sending tracking batches")
    parser.add_argument("--chat-rate", type=float, default=10.0, help="chat messages per second")
    parser.add_argument("--chat-visitors", type=int, default=10)
    parser.add_argument("--operators", type=int, default=2)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections for tracking batches")
    parser.add_argument(
        "--wait-quiet", type=float, default=60.0, help="seconds to wait for other programs to use < 0.3 cores"
    )
    parser.add_argument("--quick", action="store_true", help="a 5 s smoke run; does not write RESULTS.md")
    parser.add_argument("--results", type=Path, default=None, help="results file (default bench/RESULTS.md)")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 5.0
    elif args.results is None:
        args.results = RESULTS
    return args


async def run(args: argparse.Namespace) -> Run:
    with tempfile.TemporaryDirectory(prefix="parley-bench-tracking-") as tmp:
        print("== embedded: starting the server ...", flush=True)
        with deploy("embedded", Path(tmp)) as deployment:
            print(f"   {deployment.servers[0].url} (pid {deployment.servers[0].pid})", flush=True)
            result = await measure(deployment, args)
            process = deployment.servers[0].process
        # deploy() has sent SIGTERM and waited: the server flushed its batch writer on the way out.
        result.exit_code = process.returncode
        result.rows_after_stop = stored_rows(deployment.workdir / "data")
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    facts = machine_facts()
    result = asyncio.run(run(args))
    text = report(result, args, facts)
    print("\n" + text)
    if args.results:
        replace_section(args.results, "tracking_load", text)
        print(f"\nwrote {args.results}")


if __name__ == "__main__":
    main()
