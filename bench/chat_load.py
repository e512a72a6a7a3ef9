"""Parley chat load benchmark: real `parley serve` processes, real widget HTTP API, real websockets.

Run from the repository root with `make bench` (or `.venv/bin/python bench/chat_load.py --help`).

What it does, per mode:

* embedded:  one `parley serve` on SQLite with the in-memory channel layer (fresh DATA_DIR).
* scale-out: two `parley serve` processes on one fresh PostgreSQL database (127.0.0.1:5432) and
             Redis (127.0.0.1:6379); visitors are spread over both, operators listen on both.

1. Throughput / latency. N visitors start widget sessions (POST /widget/api/v1/sessions) and send
   messages (POST /widget/api/v1/messages with a client_id and an Origin header) at a fixed total
   rate (open loop: sends are scheduled on a clock, not after the previous answer), while M
   operators, each logged in with their own session, listen on the inbox websocket /inbox/ws/.
   Latency of a message for an operator = the visitor's send start -> that operator's receipt of
   the HTML fragment carrying `id="msg-<message id>"` (the id comes from the HTTP response).
2. Idle sockets (embedded mode only). Fresh server; K visitor sessions are created over HTTP, then
   K widget websockets (/widget/ws/?token=...) are opened to that one process and held idle; the
   server's added RSS is measured and every socket must still answer a ping afterwards.

Everything runs in this one asyncio process (uvloop when available) with one pooled keep-alive
httpx.AsyncClient; all traffic goes to 127.0.0.1 and every loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.protocol import State  # noqa: E402

from tests.servers import REDIS_URL, Server, free_port, parley, postgres_database, run_server, server_env  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
OPERATOR_EMAIL = "operator@demo.parley.local"
OPERATOR_PASSWORD = "parley-demo"
MSG_ID = re.compile(r'id="msg-([0-9a-f]{32})"')
KEY_LINE = re.compile(r"Widget key:\s+(\S+)")

# Targets (docs: bench/README.md).
TARGET_RATE = 300.0  # msg/s sustained, embedded mode
TARGET_P99_MS = 100.0
TARGET_IDLE_MB = 150.0

now = time.monotonic


# --------------------------------------------------------------------------- servers


@dataclass
class Deployment:
    mode: str
    servers: list[Server]
    widget_key: str
    page_origin: str  # the "site" the widget is embedded in (allowed by the inbox)
    workdir: Path

    def pids(self) -> list[int]:
        return [s.pid for s in self.servers]


def _ports(n: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < n:
        if (p := free_port()) not in ports:
            ports.append(p)
    return ports


def _seed(env: dict[str, str], ports: list[int]) -> str:
    key = ""
    for port in ports:  # each run adds http://127.0.0.1:<port> to the inbox's allowed origins
        out = parley(env, "demo", "--no-serve", "--port", str(port))
        match = KEY_LINE.search(out)
        if not match:
            raise RuntimeError(f"no widget key in `parley demo` output:\n{out}")
        key = match.group(1)
    return key


@contextlib.contextmanager
def deploy(mode: str, base: Path) -> Iterator[Deployment]:
    workdir = Path(tempfile.mkdtemp(prefix=f"{mode}-", dir=base))
    with contextlib.ExitStack() as stack:
        if mode == "scale-out":
            database_url = stack.enter_context(postgres_database())
            env = server_env(workdir / "data", DATABASE_URL=database_url, REDIS_URL=REDIS_URL)
            ports = _ports(2)
        else:
            env = server_env(workdir / "data")
            ports = _ports(1)
        key = _seed(env, ports)
        servers = [
            stack.enter_context(run_server(env, port, log=workdir / f"server-{port}.log")) for port in ports
        ]
        try:
            yield Deployment(mode, servers, key, f"http://127.0.0.1:{ports[0]}", workdir)
        except BaseException:
            for log in sorted(workdir.glob("server-*.log")):
                tail = log.read_text(errors="replace")[-3000:]
                if tail.strip():
                    print(f"--- {log.name} (tail) ---\n{tail}", file=sys.stderr)
            raise


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            total += proc.memory_info().rss
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
    return total / 2**20


class CpuMeter:
    """CPU seconds used by the servers, by this load generator, and by everything else, over a window."""

    def __init__(self, server_pids: list[int]) -> None:
        self.servers = [psutil.Process(p) for p in server_pids]
        self.me = psutil.Process()

    def _sample(self) -> tuple[float, float, float, float]:
        def used(p: psutil.Process) -> float:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                return t.user + t.system
            return 0.0

        system = psutil.cpu_times()
        busy = sum(system) - system.idle - getattr(system, "iowait", 0.0)
        return now(), sum(used(p) for p in self.servers), used(self.me), busy

    def __enter__(self) -> CpuMeter:
        self.start = self._sample()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end = self._sample()

    def report(self) -> dict[str, float]:
        (t0, s0, g0, b0), (t1, s1, g1, b1) = self.start, self.end
        wall = max(t1 - t0, 1e-9)
        server, gen, busy = (s1 - s0) / wall, (g1 - g0) / wall, (b1 - b0) / wall
        return {
            "server_cores": server,
            "loadgen_cores": gen,
            "other_cores": max(busy - server - gen, 0.0),
            "machine_cores": psutil.cpu_count() or 1,
        }


# --------------------------------------------------------------------------- clients


def http_client(max_connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(10.0),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        trust_env=False,  # never through a proxy: all traffic is to 127.0.0.1
    )


def ws_url(http_url: str, path: str) -> str:
    return "ws" + http_url.removeprefix("http") + path


async def login_operator(server: Server) -> str:
    """A fresh operator session (its own `sessionid`) through the real login form."""
    async with httpx.AsyncClient(base_url=server.url, timeout=15, trust_env=False) as client:
        (await client.get("/accounts/login/")).raise_for_status()
        response = await client.post(
            "/accounts/login/",
            data={
                "username": OPERATOR_EMAIL,
                "password": OPERATOR_PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"Referer": f"{server.url}/accounts/login/"},
        )
        session = client.cookies.get("sessionid")
        if response.status_code != 302 or not session:
            raise RuntimeError(f"operator login failed on {server.url}: {response.status_code}")
        return session


@dataclass
class Operator:
    index: int
    server: Server
    session: str
    received: dict[str, float] = field(default_factory=dict)  # message id -> monotonic receipt time
    frames: int = 0
    closed: str | None = None  # why the socket closed before we closed it
    ws: ClientConnection | None = None

    async def connect(self) -> None:
        self.ws = await connect(
            ws_url(self.server.url, "/inbox/ws/"),
            origin=self.server.url,  # same-origin check: Origin must match Host
            additional_headers={"Cookie": f"sessionid={self.session}"},
            proxy=None,
            open_timeout=15,
            ping_interval=None,
            close_timeout=3,
            max_size=2**22,
            max_queue=None,  # never apply backpressure to the server: we read as fast as we can
        )

    async def listen(self) -> None:
        assert self.ws is not None
        received = self.received
        try:
            async for frame in self.ws:
                t = now()
                self.frames += 1
                match = MSG_ID.search(frame if isinstance(frame, str) else frame.decode())
                if match and match.group(1) not in received:
                    received[match.group(1)] = t
        except Exception as error:  # the socket died under load
            self.closed = f"{type(error).__name__}: {error}"
        else:
            if self.ws.close_code not in (None, 1000):
                self.closed = f"closed by server ({self.ws.close_code})"

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)


@dataclass
class Visitor:
    server: Server
    token: str
    headers: dict[str, str]


async def bounded_gather(n: int, limit: int, make: Any, timeout: float) -> list[Any]:
    """Run make(i) for i in range(n), at most `limit` at a time; exceptions are returned, not raised."""
    semaphore = asyncio.Semaphore(limit)

    async def one(i: int) -> Any:
        async with semaphore:
            return await make(i)

    return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True), timeout)


async def start_sessions(
    client: httpx.AsyncClient, deployment: Deployment, count: int, *, concurrency: int = 16
) -> list[Visitor]:
    async def make(i: int) -> Visitor:
        server = deployment.servers[i % len(deployment.servers)]
        response = await client.post(
            f"{server.url}/widget/api/v1/sessions",
            json={"key": deployment.widget_key, "token": None, "language": "en"},
            headers={"Origin": deployment.page_origin},
        )
        if response.status_code != 201:
            raise RuntimeError(f"session: HTTP {response.status_code} {response.text[:200]}")
        token = response.json()["token"]
        headers = {"Origin": deployment.page_origin, "Authorization": f"Bearer {token}"}
        return Visitor(server, token, headers)

    results = await bounded_gather(count, concurrency, make, timeout=120 + count * 0.2)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise RuntimeError(f"{len(failures)}/{count} visitor sessions failed, e.g. {failures[0]!r}")
    return results


# --------------------------------------------------------------------------- throughput


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class StepResult:
    rate: float
    duration: float
    scheduled: int
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    send_window: float = 0.0
    max_schedule_lag_ms: float = 0.0
    http_ms: dict[str, float] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)
    pairs: int = 0
    missing_pairs: int = 0
    fully_delivered: int = 0
    delivered_rate: float = 0.0
    delivered_per_second: list[int] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    rss_before: float = 0.0
    rss_after: float = 0.0
    operator_closes: list[str] = field(default_factory=list)

    def meets_target(self) -> bool:
        return (
            self.delivered_rate >= TARGET_RATE
            and self.latency_ms.get("p99", float("inf")) < TARGET_P99_MS
            and not self.errors
            and not self.missing_pairs
        )


async def send_message(
    client: httpx.AsyncClient, visitor: Visitor, sent: dict[str, tuple[float, float]], errors: Counter[str]
) -> None:
    client_id = uuid.uuid4().hex
    t0 = now()
    try:
        response = await client.post(
            f"{visitor.server.url}/widget/api/v1/messages",
            json={"client_id": client_id, "text": f"Hello, do you ship to Lisbon? ({client_id[:8]})"},
            headers=visitor.headers,
        )
    except httpx.TimeoutException:
        errors["timeout"] += 1
        return
    except httpx.HTTPError as error:
        errors[type(error).__name__] += 1
        return
    t1 = now()
    if response.status_code not in (200, 201):
        errors[f"HTTP {response.status_code}"] += 1
        return
    body = json.loads(response.content)
    if body.get("client_id") != client_id:
        errors["client_id mismatch"] += 1
        return
    sent[body["id"]] = (t0, t1)


async def run_step(
    client: httpx.AsyncClient,
    deployment: Deployment,
    visitors: list[Visitor],
    operators: list[Operator],
    *,
    rate: float,
    duration: float,
    drain: float,
) -> StepResult:
    scheduled = max(1, round(rate * duration))
    result = StepResult(rate, duration, scheduled)
    sent: dict[str, tuple[float, float]] = {}
    tasks: set[asyncio.Task[None]] = set()
    result.rss_before = rss_mb(deployment.pids())
    with CpuMeter(deployment.pids()) as cpu:
        start = now() + 0.05
        lag = 0.0
        for i in range(scheduled):
            target = start + i / rate
            if (delay := target - now()) > 0:
                await asyncio.sleep(delay)
            lag = max(lag, now() - target)
            task = asyncio.create_task(send_message(client, visitors[i % len(visitors)], sent, result.errors))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(set(tasks), timeout=30)  # each request has its own 10 s timeout
        for task in list(tasks):  # cannot happen with httpx's timeouts; bounded anyway
            task.cancel()
            result.errors["unfinished"] += 1
        # Wait (bounded) until every operator has seen every stored message.
        deadline = now() + drain
        while now() < deadline and any(m not in op.received for op in operators for m in sent):
            await asyncio.sleep(0.05)
    result.cpu = cpu.report()
    result.rss_after = rss_mb(deployment.pids())
    result.max_schedule_lag_ms = lag * 1000
    result.ok = len(sent)
    result.operator_closes = [f"operator {op.index}: {op.closed}" for op in operators if op.closed]

    if sent:
        starts = [t0 for t0, _ in sent.values()]
        result.send_window = max(starts) - min(starts)
        result.http_ms = _summary([(t1 - t0) * 1000 for t0, t1 in sent.values()])
        latencies: list[float] = []
        completions: list[float] = []
        for message_id, (t0, _) in sent.items():
            seen = [op.received.get(message_id) for op in operators]
            got = [t for t in seen if t is not None]
            latencies.extend((t - t0) * 1000 for t in got)
            result.missing_pairs += len(seen) - len(got)
            if len(got) == len(seen):
                completions.append(max(got))
        result.pairs = len(sent) * len(operators)
        result.latency_ms = _summary(latencies)
        result.fully_delivered = len(completions)
        first = min(starts)
        if completions:
            span = max(max(completions) - first, 1e-9)
            # Sustained: fully delivered messages over the time from the first send to the last delivery.
            result.delivered_rate = len(completions) / max(span, duration)
            buckets = Counter(int(t - first) for t in completions)
            result.delivered_per_second = [buckets.get(s, 0) for s in range(int(max(completions) - first) + 1)]
    return result


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": pct(values, 0.50),
        "p95": pct(values, 0.95),
        "p99": pct(values, 0.99),
        "max": max(values),
        "mean": sum(values) / len(values),
    }


@dataclass
class ThroughputResult:
    mode: str
    servers: int
    visitors: int
    operators: int
    rss_start: float
    steps: list[StepResult]


async def throughput(deployment: Deployment, args: argparse.Namespace) -> ThroughputResult:
    rss_start = rss_mb(deployment.pids())
    async with http_client(max(args.visitors, 8)) as client:
        sessions = await asyncio.gather(
            *(login_operator(deployment.servers[i % len(deployment.servers)]) for i in range(args.operators))
        )
        operators = [
            Operator(i, deployment.servers[i % len(deployment.servers)], s) for i, s in enumerate(sessions)
        ]
        await asyncio.wait_for(asyncio.gather(*(op.connect() for op in operators)), 30)
        listeners = [asyncio.create_task(op.listen()) for op in operators]
        try:
            visitors = await start_sessions(client, deployment, args.visitors)
            # Warm-up, not measured: every visitor's first message starts its conversation.
            warm_sent: dict[str, tuple[float, float]] = {}
            warm_errors: Counter[str] = Counter()
            await asyncio.wait_for(
                asyncio.gather(*(send_message(client, v, warm_sent, warm_errors) for v in visitors)), 120
            )
            if warm_errors:
                raise RuntimeError(f"warm-up failed: {dict(warm_errors)}")
            await asyncio.sleep(1)
            steps: list[StepResult] = []
            for rate in args.rates:
                label = f"[{deployment.mode}] {rate:g} msg/s for {args.duration:g} s"
                print(f"  {label} ...", flush=True)
                step = await run_step(
                    client, deployment, visitors, operators, rate=rate, duration=args.duration, drain=args.drain
                )
                steps.append(step)
                print("    " + step_line(step), flush=True)
                await asyncio.sleep(2)
        finally:
            await asyncio.gather(*(op.close() for op in operators))
            for task in listeners:
                task.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
    return ThroughputResult(
        deployment.mode, len(deployment.servers), args.visitors, args.operators, rss_start, steps
    )


def step_line(s: StepResult) -> str:
    lat = s.latency_ms
    errors = sum(s.errors.values())
    return (
        f"sent {s.ok}/{s.scheduled}, delivered {s.delivered_rate:.0f} msg/s, "
        f"latency p50 {lat.get('p50', float('nan')):.1f} / p95 {lat.get('p95', float('nan')):.1f} / "
        f"p99 {lat.get('p99', float('nan')):.1f} ms, errors {errors}, missing {s.missing_pairs}, "
        f"CPU server {s.cpu['server_cores']:.2f} + loadgen {s.cpu['loadgen_cores']:.2f} + "
        f"other {s.cpu['other_cores']:.2f} cores"
    )


# --------------------------------------------------------------------------- idle sockets


@dataclass
class IdleResult:
    sockets: int
    connected: int = 0
    connect_errors: Counter[str] = field(default_factory=Counter)
    connect_seconds: float = 0.0
    hold_seconds: float = 0.0
    rss_before: float = 0.0
    rss_open: float = 0.0
    rss_after_hold: float = 0.0
    rss_peak: float = 0.0
    still_open: int = 0
    answered_ping: int = 0

    @property
    def added_mb(self) -> float:
        return self.rss_after_hold - self.rss_before

    def meets_target(self) -> bool:
        return self.answered_ping == self.sockets and self.added_mb < TARGET_IDLE_MB


async def idle_sockets(deployment: Deployment, args: argparse.Namespace) -> IdleResult:
    result = IdleResult(args.idle_sockets)
    pids = deployment.pids()
    async with http_client(32) as client:
        visitors = await start_sessions(client, deployment, args.idle_sockets, concurrency=32)
    await asyncio.sleep(2)
    result.rss_before = rss_mb(pids)
    sockets: list[ClientConnection | None] = [None] * len(visitors)

    async def open_one(i: int) -> None:
        visitor = visitors[i]
        try:
            sockets[i] = await connect(
                ws_url(visitor.server.url, f"/widget/ws/?token={quote(visitor.token)}"),
                origin=deployment.page_origin,  # type: ignore[arg-type]
                proxy=None,
                open_timeout=30,
                ping_interval=None,  # idle: no client pings (the server pings every 20 s)
                close_timeout=2,
            )
        except Exception as error:
            result.connect_errors[type(error).__name__] += 1

    t0 = now()
    await bounded_gather(len(visitors), 64, open_one, timeout=180)
    result.connect_seconds = now() - t0
    result.connected = sum(1 for s in sockets if s is not None)
    result.rss_open = result.rss_peak = rss_mb(pids)
    print(
        f"  [idle] {result.connected}/{len(visitors)} widget sockets open in {result.connect_seconds:.1f} s, "
        f"holding {args.idle_hold:g} s ...",
        flush=True,
    )
    t0 = now()
    while now() - t0 < args.idle_hold:
        await asyncio.sleep(min(1.0, max(args.idle_hold - (now() - t0), 0)))
        result.rss_peak = max(result.rss_peak, rss_mb(pids))
    result.hold_seconds = now() - t0
    result.rss_after_hold = rss_mb(pids)
    result.rss_peak = max(result.rss_peak, result.rss_after_hold)
    live = [s for s in sockets if s is not None]
    result.still_open = sum(1 for s in live if s.state is State.OPEN)

    async def ping(i: int) -> bool:
        ws = live[i]
        await ws.send('{"type": "ping"}')
        reply = await asyncio.wait_for(ws.recv(), 15)
        return json.loads(reply).get("type") == "pong"

    answers = await bounded_gather(len(live), 200, ping, timeout=60)
    result.answered_ping = sum(1 for a in answers if a is True)

    async def close_one(i: int) -> None:
        with contextlib.suppress(Exception):
            await live[i].close()

    with contextlib.suppress(TimeoutError):
        await bounded_gather(len(live), 200, close_one, timeout=60)
    return result


# --------------------------------------------------------------------------- reporting


def machine_facts() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    facts = {
        "CPU": cpu,
        "Cores": f"{psutil.cpu_count(logical=True)} logical ({psutil.cpu_count(logical=False)} physical)",
        "RAM": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
    }
    from importlib.metadata import version

    with contextlib.suppress(Exception):
        facts["Packages"] = ", ".join(
            f"{p} {version(p)}" for p in ("django", "channels", "channels-redis", "uvicorn", "websockets", "httpx")
        )
    facts["Load average at start"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return facts


def fmt_ms(d: dict[str, float], key: str) -> str:
    return f"{d[key]:.1f}" if key in d else "-"


def throughput_md(r: ThroughputResult) -> list[str]:
    title = {
        "embedded": "Embedded mode: one `parley serve`, SQLite, in-memory channel layer",
        "scale-out": "Scale-out mode: two `parley serve`, PostgreSQL + Redis",
    }[r.mode]
    lines = [
        f"### {title}",
        "",
        f"{r.visitors} visitors over {r.servers} server process(es), {r.operators} operators on the inbox "
        f"websocket (spread over the servers). Server RSS at start: {r.rss_start:.0f} MB.",
        "",
        "| target rate | sent ok | delivered (sustained) | p50 | p95 | p99 | max | HTTP p50 / p99 "
        "| errors | not delivered | server RSS before → after | CPU server / loadgen / other |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in r.steps:
        errors = ", ".join(f"{k}: {v}" for k, v in s.errors.items()) or "0"
        lines.append(
            f"| {s.rate:g} msg/s × {s.duration:g} s | {s.ok}/{s.scheduled} | **{s.delivered_rate:.0f} msg/s** "
            f"| {fmt_ms(s.latency_ms, 'p50')} ms | {fmt_ms(s.latency_ms, 'p95')} ms "
            f"| **{fmt_ms(s.latency_ms, 'p99')} ms** | {fmt_ms(s.latency_ms, 'max')} ms "
            f"| {fmt_ms(s.http_ms, 'p50')} / {fmt_ms(s.http_ms, 'p99')} ms | {errors} "
            f"| {s.missing_pairs}/{s.pairs} | {s.rss_before:.0f} → {s.rss_after:.0f} MB "
            f"| {s.cpu['server_cores']:.2f} / {s.cpu['loadgen_cores']:.2f} / {s.cpu['other_cores']:.2f} cores |"
        )
    lines.append("")
    for s in r.steps:
        per_second = " ".join(str(n) for n in s.delivered_per_second)
        lines.append(f"- {s.rate:g} msg/s: messages fully delivered per second: {per_second}")
        if s.max_schedule_lag_ms > 50:
            lines.append(f"  (load generator fell behind its schedule by up to {s.max_schedule_lag_ms:.0f} ms)")
        for close in s.operator_closes:
            lines.append(f"  - {close}")
    if r.mode == "embedded":
        passed = [s for s in r.steps if s.rate >= TARGET_RATE and s.meets_target()]
        verdict = (
            f"**met** (at {', '.join(f'{s.rate:g}' for s in passed)} msg/s)" if passed else "**not met**"
        )
        lines += ["", f"Target ≥ {TARGET_RATE:g} msg/s sustained with p99 < {TARGET_P99_MS:g} ms: {verdict}."]
    return [*lines, ""]


def idle_md(r: IdleResult) -> list[str]:
    errors = ", ".join(f"{k}: {v}" for k, v in r.connect_errors.items()) or "none"
    verdict = "**met**" if r.meets_target() else "**not met**"
    return [
        "### Idle widget websockets on one process (embedded mode)",
        "",
        "| sockets | connected | connect time | open after hold | answered ping | RSS before | RSS with sockets "
        "| **added RSS** | peak |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {r.sockets} | {r.connected} (errors: {errors}) | {r.connect_seconds:.1f} s "
        f"| {r.still_open} after {r.hold_seconds:.0f} s | {r.answered_ping} | {r.rss_before:.0f} MB "
        f"| {r.rss_after_hold:.0f} MB | **{r.added_mb:.0f} MB** ({r.added_mb * 1024 / max(r.sockets, 1):.0f} KB/socket) "
        f"| {r.rss_peak:.0f} MB |",
        "",
        f"Target {r.sockets:,} idle sockets with < {TARGET_IDLE_MB:g} MB added: {verdict}.",
        "",
    ]


HEADER = """# Parley load benchmark results

Reproduce with `make bench` (= `.venv/bin/python bench/chat_load.py`; `--help` lists the options,
`--quick` is a short smoke run). The benchmark starts its own servers (fresh SQLite data dir; fresh
PostgreSQL database on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 for scale-out) and drives them
through the real widget HTTP API and the real websockets; see `bench/README.md`.

Targets: embedded mode sustains **≥ 300 messages/s with p99 < 100 ms** (send start → every operator
has the message's inbox fragment); **2,000 idle widget websockets** on one process add **< 150 MB**.

Latency is measured from the moment the visitor's HTTP request starts to the moment each operator's
inbox websocket receives the HTML fragment carrying that message; percentiles are over every
(message, operator) pair. "Delivered (sustained)" = messages received by every operator ÷ time from
the first send to the last delivery. Server(s), load generator and (scale-out) PostgreSQL/Redis all
share this machine's cores; the CPU column shows who used them.
"""


def write_results(path: Path, args: argparse.Namespace, facts: dict[str, str], sections: list[str]) -> None:
    command = "bench/chat_load.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    body = [
        HEADER,
        f"## Run of {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        f"Command: `{command.strip()}`",
        "",
        "Machine:",
        "",
        *(f"- {k}: {v}" for k, v in facts.items()),
        "",
        *sections,
    ]
    path.write_text("\n".join(body).rstrip() + "\n")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/chat_load.py",
        description="Parley chat load benchmark (starts its own servers; traffic only to 127.0.0.1).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--mode", choices=["embedded", "scale-out", "all"], default="all")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per rate step")
    parser.add_argument(
        "--rate",
        default="300,400",
        help="total visitor messages/s; a comma-separated list runs one step per rate (a ramp)",
    )
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--operators", type=int, default=3)
    parser.add_argument("--idle-sockets", type=int, default=2000, help="0 skips the idle-socket test")
    parser.add_argument("--idle-hold", type=float, default=10.0, help="seconds to hold the idle sockets open")
    parser.add_argument("--drain", type=float, default=15.0, help="max seconds to wait for deliveries after a step")
    parser.add_argument("--quick", action="store_true", help="short smoke run; does not write RESULTS.md")
    parser.add_argument(
        "--results", type=Path, default=None, help=f"Markdown results file (default {RESULTS.relative_to(ROOT)})"
    )
    parser.add_argument("--no-results", action="store_true", help="do not write a results file")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = min(args.duration, 4.0)
        args.rate = "100" if args.rate == parser.get_default("rate") else args.rate
        args.visitors = min(args.visitors, 10)
        args.operators = min(args.operators, 2)
        args.idle_sockets = min(args.idle_sockets, 200)
        args.idle_hold = min(args.idle_hold, 3.0)
        args.drain = min(args.drain, 5.0)
    try:
        args.rates = [float(r) for r in args.rate.split(",") if r.strip()]
    except ValueError:
        parser.error(f"--rate: not a number list: {args.rate!r}")
    if not args.rates or any(r <= 0 or r > 5000 for r in args.rates):
        parser.error("--rate: each rate must be in (0, 5000]")
    if not (0 < args.duration <= 600):
        parser.error("--duration must be in (0, 600]")
    if not (1 <= args.visitors <= 5000 and 1 <= args.operators <= 100 and 0 <= args.idle_sockets <= 10000):
        parser.error("--visitors 1..5000, --operators 1..100, --idle-sockets 0..10000")
    if args.results is None and not args.quick and not args.no_results:
        args.results = RESULTS
    if args.no_results:
        args.results = None
    return args


def raise_fd_limit(needed: int) -> None:
    """Sockets are file descriptors: raise the soft limit (the server children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft != resource.RLIM_INFINITY and soft < needed:
        sys.exit(f"RLIMIT_NOFILE is {soft}, the benchmark needs about {needed}: raise `ulimit -n`.")


async def run(args: argparse.Namespace) -> list[str]:
    modes = ["embedded", "scale-out"] if args.mode == "all" else [args.mode]
    sections: list[str] = []
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        base = Path(tmp)
        for mode in modes:
            print(f"\n== {mode}: starting server(s) ...", flush=True)
            with deploy(mode, base) as deployment:
                ports = ", ".join(s.url for s in deployment.servers)
                print(f"   {ports} (pids {', '.join(map(str, deployment.pids()))})", flush=True)
                result = await throughput(deployment, args)
            sections += throughput_md(result)
            print_throughput(result)
        if args.idle_sockets and "embedded" in modes:
            print(f"\n== idle sockets: fresh embedded server, {args.idle_sockets} widget websockets ...", flush=True)
            with deploy("embedded", base) as deployment:
                idle = await idle_sockets(deployment, args)
            sections += idle_md(idle)
            print_idle(idle)
    return sections


def print_throughput(r: ThroughputResult) -> None:
    print(f"\n{r.mode}: {r.servers} server(s), {r.visitors} visitors, {r.operators} operators")
    for s in r.steps:
        print(f"  {s.rate:g} msg/s x {s.duration:g} s: {step_line(s)}")
        print(
            f"    HTTP p50 {fmt_ms(s.http_ms, 'p50')} / p99 {fmt_ms(s.http_ms, 'p99')} ms; "
            f"errors {dict(s.errors) or 0}; not delivered {s.missing_pairs}/{s.pairs}; "
            f"server RSS {s.rss_before:.0f} -> {s.rss_after:.0f} MB; max schedule lag {s.max_schedule_lag_ms:.0f} ms"
        )
        if s.cpu["loadgen_cores"] > 0.85:
            print("    warning: the load generator used most of a core; it may be the bottleneck")
        for close in s.operator_closes:
            print(f"    {close}")


def print_idle(r: IdleResult) -> None:
    print(
        f"\nidle sockets: {r.connected}/{r.sockets} connected ({dict(r.connect_errors) or 'no errors'}), "
        f"{r.still_open} still open after {r.hold_seconds:.0f} s, {r.answered_ping} answered a ping; "
        f"server RSS {r.rss_before:.0f} -> {r.rss_after_hold:.0f} MB (added {r.added_mb:.0f} MB, "
        f"peak {r.rss_peak:.0f} MB) -> target {'met' if r.meets_target() else 'NOT met'}"
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    raise_fd_limit(args.idle_sockets * 2 + args.visitors * 4 + 256)
    facts = machine_facts()
    print("Parley chat load benchmark")
    for key, value in facts.items():
        print(f"  {key}: {value}")
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    sections = runner(run(args))
    if args.results:
        write_results(args.results, args, facts, sections)
        print(f"\nResults written to {args.results}")


if __name__ == "__main__":
    main()
