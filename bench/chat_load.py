"""Parley chat load benchmark: real `parley serve` processes, real widget HTTP API, real websockets.

Run from the repository root with `make bench` (or `.venv/bin/python bench/chat_load.py --help`).

What it does, per mode:

* embedded:  one `parley serve` on SQLite with the in-memory channel layer (fresh DATA_DIR).
* scale-out: two `parley serve` processes on one fresh PostgreSQL database (127.0.0.1:5432) and
             Redis (127.0.0.1:6379); visitors are spread over both, operators listen on both.

1. Throughput / latency. N visitors start widget sessions (POST /widget/api/v1/sessions), open
   their widget websocket as the widget does (each gets its own messages back on it), and send
   messages (POST /widget/api/v1/messages with a client_id and an Origin header) at a fixed total
   rate (open loop: sends are scheduled on a clock, not after the previous answer), while M
   operators, each logged in with their own session, listen on the inbox websocket /inbox/ws/.
   Latency of a message for an operator = the visitor's send start -> that operator's receipt of
   the HTML fragment carrying `id="msg-<message id>"` (the id comes from the HTTP response).
2. Idle sockets (embedded mode only). Fresh server; K visitor sessions are created over HTTP, then
   K widget websockets (/widget/ws/?token=...) are opened to that one process and held idle; the
   server's added RSS is measured and every socket must still answer a ping afterwards.

Everything runs in this one asyncio process (uvloop when available): the measured sends through the lean
keep-alive client of bench/keepalive.py, set-up calls through httpx; all traffic goes to 127.0.0.1 and every loop
is bounded in time and count.
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
import shutil
import signal
import subprocess
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

# httpcore runs `import sniffio` for every request; without sniffio installed (anyio 4 no longer needs
# it) each failed import searches sys.path again. A None entry makes the import fail at once, same result.
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

import httpx  # noqa: E402
import psutil  # noqa: E402
from keepalive import KeepAliveClient  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.protocol import State  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from tests.servers import REDIS_URL, Server, free_port, parley, postgres_database, run_server, server_env  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
OPERATOR_EMAIL = "operator@demo.parley.local"
OPERATOR_PASSWORD = "parley-demo"
# Every message text carries its client_id ("ref <hex>", within the 90 characters a list row shows),
# so a fragment names the message it carries whatever markup it uses.
MESSAGE_REF = re.compile(r"ref ([0-9a-f]{32})")
ROW_MARK = "#conversation-list"  # a list row: goes to every inbox page of the workspace
FEED_MARK = "#feed-"  # a conversation feed fragment: goes to the pages that have the conversation open
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
    env: dict[str, str]  # the servers' environment (to run more parley commands against the same data)

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
def deploy(mode: str, base: Path, extra_env: dict[str, str] | None = None) -> Iterator[Deployment]:
    workdir = Path(tempfile.mkdtemp(prefix=f"{mode}-", dir=base))
    # The load comes from one address and far faster than people type: the widget API's limits are off.
    extra_env = {"WIDGET_MESSAGES_PER_MINUTE": "0", "WIDGET_NEW_VISITORS_PER_MINUTE": "0", **(extra_env or {})}
    with contextlib.ExitStack() as stack:
        if mode == "scale-out":
            database_url = stack.enter_context(postgres_database())
            env = server_env(workdir / "data", DATABASE_URL=database_url, REDIS_URL=REDIS_URL, **extra_env)
            ports = _ports(2)
        else:
            env = server_env(workdir / "data", **extra_env)
            ports = _ports(1)
        key = _seed(env, ports)
        servers = [stack.enter_context(run_server(env, port, log=workdir / f"server-{port}.log")) for port in ports]
        try:
            yield Deployment(mode, servers, key, f"http://127.0.0.1:{ports[0]}", workdir, env)
        except BaseException:
            for log in sorted(workdir.glob("server-*.log")):
                tail = log.read_text(errors="replace")[-3000:]
                if tail.strip():
                    print(f"--- {log.name} (tail) ---\n{tail}", file=sys.stderr)
            raise


async def wait_quiet(timeout: float, *, quiet_cores: float = 0.3) -> float:
    """Other programs' CPU use (cores) over 2 s, waiting up to `timeout` s for it to drop below `quiet_cores`.

    The servers must already be idle (see quiesce)."""
    start = now()
    while True:
        before = psutil.cpu_times()
        await asyncio.sleep(2)
        after = psutil.cpu_times()
        busy = ((sum(after) - after.idle - after.iowait) - (sum(before) - before.idle - before.iowait)) / 2
        if busy < quiet_cores or now() - start >= timeout:
            return busy


async def quiesce(pids: list[int], *, idle_cores: float = 0.1, timeout: float = 60.0) -> float:
    """Wait (bounded) until the servers are idle again, e.g. done with requests a timed-out client left behind."""
    procs = [psutil.Process(p) for p in pids]

    def used() -> float:
        return sum(sum(p.cpu_times()[:2]) for p in procs)

    start = now()
    while now() - start < timeout:
        before = used()
        await asyncio.sleep(0.5)
        if (used() - before) / 0.5 < idle_cores:
            break
    return now() - start


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


SERVICE_NAMES = {"postgres", "redis-server"}


def _used(p: psutil.Process, *, children: bool = False) -> float:
    with contextlib.suppress(psutil.Error):
        t = p.cpu_times()
        return t.user + t.system + ((t.children_user + t.children_system) if children else 0.0)
    return 0.0


def _services_cpu() -> float:
    """CPU seconds of PostgreSQL and Redis (all their clients, not only ours). Backends that exited are
    counted through the postmaster's reaped-children times."""
    total = 0.0
    for proc in psutil.process_iter(["name", "ppid"]):
        if proc.info["name"] in SERVICE_NAMES:
            with contextlib.suppress(psutil.Error):
                parent = psutil.Process(proc.info["ppid"]).name() if proc.info["ppid"] else ""
                total += _used(proc, children=parent not in SERVICE_NAMES)
    return total


class CpuMeter:
    """Cores used over a window by the servers, this load generator, PostgreSQL + Redis, and the rest."""

    def __init__(self, server_pids: list[int]) -> None:
        self.servers = [psutil.Process(p) for p in server_pids]
        self.me = psutil.Process()

    def _sample(self) -> tuple[float, ...]:
        system = psutil.cpu_times()
        busy = sum(system) - system.idle - getattr(system, "iowait", 0.0)
        servers = sum(_used(p) for p in self.servers)
        return now(), servers, _used(self.me), _services_cpu(), busy

    def __enter__(self) -> CpuMeter:
        self.start = self._sample()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end = self._sample()

    def report(self) -> dict[str, float]:
        wall = max(self.end[0] - self.start[0], 1e-9)
        server, gen, services, busy = ((b - a) / wall for a, b in zip(self.start[1:], self.end[1:], strict=True))
        return {
            "wall": wall,
            "server_cores": server,
            "loadgen_cores": gen,
            "services_cores": services,
            "other_cores": max(busy - server - gen - services, 0.0),
        }


# --------------------------------------------------------------------------- clients


def http_client(max_connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(10.0),
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends, as browsers do: reusing one the
        # server is closing at that moment fails the request (ReadError) through no fault of the server.
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=4.0
        ),
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
    """One inbox page: receives the list row of every message of the workspace and the feed of the
    conversation it has open (it sends {"type": "watch"} for one visitor's conversation)."""

    index: int
    server: Server
    session: str
    rows: dict[str, float] = field(default_factory=dict)  # client_id -> first receipt (monotonic)
    feeds: dict[str, float] = field(default_factory=dict)
    watching: int | None = None  # index of the visitor whose conversation is open
    frames: int = 0
    closed: str | None = None  # why the socket closed before we closed it
    ws: ClientConnection | None = None

    async def connect(self) -> None:
        self.ws = await connect(
            ws_url(self.server.url, "/inbox/ws/"),
            origin=Origin(self.server.url),  # same-origin check: Origin must match Host
            additional_headers={"Cookie": f"sessionid={self.session}"},
            proxy=None,
            open_timeout=15,
            ping_interval=None,
            close_timeout=3,
            max_size=2**22,
            max_queue=None,  # never apply backpressure to the server: we read as fast as we can
        )

    async def watch(self, visitor_index: int, conversation_id: str, after: int) -> None:
        assert self.ws is not None
        self.watching = visitor_index
        await self.ws.send(json.dumps({"type": "watch", "conversation": conversation_id, "after": after}))

    async def listen(self) -> None:
        assert self.ws is not None
        rows, feeds = self.rows, self.feeds
        try:
            async for frame in self.ws:
                t = now()
                self.frames += 1
                text = frame if isinstance(frame, str) else frame.decode()
                refs = MESSAGE_REF.findall(text)
                if not refs:
                    continue
                for target, mark in ((rows, ROW_MARK), (feeds, FEED_MARK)):
                    if mark in text:
                        for ref in refs:
                            target.setdefault(ref, t)
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
    index: int
    server: Server
    token: str
    headers: dict[str, str]
    ws: ClientConnection | None = None
    frames: int = 0  # received on the widget socket (the visitor's own messages come back on it)

    async def connect(self, page_origin: str) -> None:
        self.ws = await connect(
            ws_url(self.server.url, f"/widget/ws/?token={quote(self.token)}"),
            origin=Origin(page_origin),
            proxy=None,
            open_timeout=15,
            ping_interval=None,
            close_timeout=3,
            max_queue=None,
        )

    async def listen(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(Exception):  # a socket that dies under load only stops counting
            async for _frame in self.ws:
                self.frames += 1

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)


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
        return Visitor(i, server, token, headers)

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


@dataclass(frozen=True)
class Sent:
    started: float  # monotonic, when the send was due and started
    answered: float
    visitor: int  # index of the sending visitor


@dataclass
class StepResult:
    rate: float
    duration: float
    scheduled: int
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    max_schedule_lag_ms: float = 0.0
    http_ms: dict[str, float] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)  # list row, every operator
    pairs: int = 0
    missing_pairs: int = 0
    late_pairs: int = 0  # missing at the end of the drain but seen before the run ended
    feed_latency_ms: dict[str, float] = field(default_factory=dict)  # feed, operators watching the conversation
    feed_pairs: int = 0
    feed_missing: int = 0
    fully_delivered: int = 0
    delivered_rate: float = 0.0
    delivered_per_second: list[int] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    rss_before: float = 0.0
    rss_after: float = 0.0
    operator_closes: list[str] = field(default_factory=list)
    stored_unanswered: int = 0
    server_ms_per_msg: float = 0.0  # server CPU time per stored message: comparable across runs and loads
    background_cores: float = 0.0  # other programs' CPU use just before the step
    sent: dict[str, Sent] = field(default_factory=dict, repr=False)  # by client_id

    @property
    def never_pairs(self) -> int:
        return self.missing_pairs - self.late_pairs

    def meets_target(self) -> bool:
        # Every message sent (no errors) and delivered, p99 within target: the server kept pace. The delivered
        # rate reads a hair under the step's own (its span ends with the last message's latency): 1 % allowance.
        return (
            self.rate >= TARGET_RATE
            and self.delivered_rate >= 0.99 * self.rate
            and self.latency_ms.get("p99", float("inf")) < TARGET_P99_MS
            and not self.errors
            and not self.missing_pairs
        )


REQUEST_TIMEOUT = 10.0  # seconds, from send start (waiting for a free connection included) to the response


async def send_message(
    client: KeepAliveClient,
    visitor: Visitor,
    sent: dict[str, Sent],
    errors: Counter[str],
    attempted: dict[str, tuple[float, int]] | None = None,
) -> None:
    """One widget send. Requests in flight are capped by the client's connections (one per visitor); a send
    that waits for a connection is already late, so its latency is measured from when it was due."""
    client_id = uuid.uuid4().hex
    body = json.dumps({"client_id": client_id, "text": f"Do you ship to Lisbon? ref {client_id}"}).encode()
    t0 = now()
    if attempted is not None:
        attempted[client_id] = (t0, visitor.index)
    try:
        response = await client.post(
            f"{visitor.server.url}/widget/api/v1/messages",
            body,
            {**visitor.headers, "Content-Type": "application/json"},
            timeout=REQUEST_TIMEOUT,
        )
    except TimeoutError:
        errors["timeout (10 s)"] += 1
        return
    except OSError as error:  # ConnectionError included
        errors[type(error).__name__] += 1
        return
    t1 = now()
    if response.status not in (200, 201):
        errors[f"HTTP {response.status}"] += 1
        return
    if json.loads(response.content).get("client_id") != client_id:
        errors["client_id mismatch"] += 1
        return
    sent[client_id] = Sent(t0, t1, visitor.index)


def _all_rows_seen(operators: list[Operator], sent: dict[str, Sent]) -> bool:
    return all(m in op.rows for op in operators for m in sent)


async def run_step(
    client: KeepAliveClient,
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
    sent: dict[str, Sent] = {}
    attempted: dict[str, tuple[float, int]] = {}  # every send, answered or not: client_id -> (start, visitor)
    tasks: set[asyncio.Task[None]] = set()
    result.rss_before = rss_mb(deployment.pids())
    try:
        with CpuMeter(deployment.pids()) as cpu:
            start = now() + 0.05
            lag = 0.0
            for i in range(scheduled):
                target = start + i / rate
                if (delay := target - now()) > 0:
                    await asyncio.sleep(delay)
                lag = max(lag, now() - target)
                visitor = visitors[i % len(visitors)]
                task = asyncio.create_task(send_message(client, visitor, sent, result.errors, attempted))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.wait(set(tasks), timeout=REQUEST_TIMEOUT + 5)  # each send has its own timeout
            for task in list(tasks):  # cannot happen with the client's timeouts; bounded anyway
                task.cancel()
                result.errors["unfinished"] += 1
            # Wait (bounded) until every operator has the list row of every stored message.
            deadline = now() + drain
            while now() < deadline and not _all_rows_seen(operators, sent):
                await asyncio.sleep(0.05)
    finally:
        for task in list(tasks):
            task.cancel()
    result.cpu = cpu.report()
    result.sent = sent
    result.rss_after = rss_mb(deployment.pids())
    result.max_schedule_lag_ms = lag * 1000
    result.ok = len(sent)
    result.operator_closes = [f"operator {op.index}: {op.closed}" for op in operators if op.closed]
    # Messages the operators saw although their sender got no answer (stored, then the HTTP call timed out).
    unanswered = attempted.keys() - sent.keys()
    result.stored_unanswered = len(unanswered & set().union(*(op.rows for op in operators)))
    stored = result.ok + result.stored_unanswered
    result.server_ms_per_msg = (
        result.cpu["server_cores"] * result.cpu["wall"] * 1000 / stored if stored else float("nan")
    )
    if not attempted:
        return result

    result.http_ms = _summary([(m.answered - m.started) * 1000 for m in sent.values()])
    # Latency and throughput count every message the operators got, including those whose HTTP answer
    # came after the client's timeout: they were stored and pushed all the same. Only messages whose
    # send was answered are known to be stored, so only they count as "not delivered" when missing.
    latencies: list[float] = []
    feed_latencies: list[float] = []
    completions: list[float] = []
    for client_id, (started, visitor_index) in attempted.items():
        seen = [op.rows.get(client_id) for op in operators]
        got = [t for t in seen if t is not None]
        if client_id not in sent and not got:
            continue
        latencies.extend((t - started) * 1000 for t in got)
        if client_id in sent:
            result.missing_pairs += len(seen) - len(got)
        if len(got) == len(seen):
            completions.append(max(got))
        for op in operators:
            if op.watching == visitor_index:
                if (t := op.feeds.get(client_id)) is not None:
                    feed_latencies.append((t - started) * 1000)
                    result.feed_pairs += 1
                elif client_id in sent:
                    result.feed_missing += 1
                    result.feed_pairs += 1
    result.pairs = len(sent) * len(operators)
    result.latency_ms = _summary(latencies)
    result.feed_latency_ms = _summary(feed_latencies)
    result.fully_delivered = len(completions)
    first = min(started for started, _ in attempted.values())
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
    server_errors: Counter[str] = field(default_factory=Counter)


async def conversation_of(client: httpx.AsyncClient, visitor: Visitor) -> tuple[str, int]:
    """(conversation id, last seq) of a visitor, through the widget's catch-up call."""
    response = await client.get(f"{visitor.server.url}/widget/api/v1/messages?after=0", headers=visitor.headers)
    response.raise_for_status()
    body = response.json()
    return body["conversation"]["id"], max((m["seq"] for m in body["messages"]), default=0)


async def throughput(deployment: Deployment, args: argparse.Namespace) -> ThroughputResult:
    rss_start = rss_mb(deployment.pids())
    async with http_client(max(args.visitors, 8)) as client, KeepAliveClient(args.visitors) as sender:
        sessions = await asyncio.gather(
            *(login_operator(deployment.servers[i % len(deployment.servers)]) for i in range(args.operators))
        )
        operators = [Operator(i, deployment.servers[i % len(deployment.servers)], s) for i, s in enumerate(sessions)]
        await asyncio.wait_for(asyncio.gather(*(op.connect() for op in operators)), 30)
        listeners = [asyncio.create_task(op.listen()) for op in operators]
        visitors: list[Visitor] = []
        try:
            visitors = await start_sessions(client, deployment, args.visitors)
            await asyncio.wait_for(asyncio.gather(*(v.connect(deployment.page_origin) for v in visitors)), 60)
            listeners += [asyncio.create_task(v.listen()) for v in visitors]
            # Warm-up, not measured: every visitor's first message starts its conversation.
            warm_sent: dict[str, Sent] = {}
            warm_errors: Counter[str] = Counter()
            await asyncio.wait_for(
                asyncio.gather(*(send_message(sender, v, warm_sent, warm_errors) for v in visitors)), 120
            )
            if warm_errors:
                raise RuntimeError(f"warm-up failed: {dict(warm_errors)}")
            # Each operator opens one visitor's conversation (operator i: visitor i).
            for op in operators:
                visitor = visitors[op.index % len(visitors)]
                conversation_id, seq = await conversation_of(client, visitor)
                await op.watch(visitor.index, conversation_id, seq)
            steps: list[StepResult] = []
            for rate in args.rates:
                await quiesce(deployment.pids())
                background = await wait_quiet(args.wait_quiet)
                label = f"[{deployment.mode}] {rate:g} msg/s for {args.duration:g} s"
                print(f"  {label} (background load {background:.2f} cores) ...", flush=True)
                step = await run_step(
                    sender, deployment, visitors, operators, rate=rate, duration=args.duration, drain=args.drain
                )
                step.background_cores = background
                steps.append(step)
                print("    " + step_line(step), flush=True)
            # Pairs missing at the end of a step's drain: late, or never delivered?
            await quiesce(deployment.pids())
            await asyncio.sleep(1)
            for step in steps:
                seen_now = sum(1 for m in step.sent for op in operators if m in op.rows)
                step.late_pairs = seen_now - (step.pairs - step.missing_pairs)
        finally:
            await asyncio.gather(*(op.close() for op in operators), *(v.close() for v in visitors))
            for task in listeners:
                task.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
    return ThroughputResult(deployment.mode, len(deployment.servers), args.visitors, args.operators, rss_start, steps)


def step_line(s: StepResult) -> str:
    lat = s.latency_ms
    errors = sum(s.errors.values())
    return (
        f"sent {s.ok}/{s.scheduled}, delivered {s.delivered_rate:.0f} msg/s, "
        f"latency p50 {lat.get('p50', float('nan')):.1f} / p95 {lat.get('p95', float('nan')):.1f} / "
        f"p99 {lat.get('p99', float('nan')):.1f} ms (feed p99 {fmt_ms(s.feed_latency_ms, 'p99')} ms), "
        f"errors {errors}, missing {s.missing_pairs}, "
        f"server CPU {s.server_ms_per_msg:.1f} ms/msg; cores: server {s.cpu['server_cores']:.2f}, "
        f"loadgen {s.cpu['loadgen_cores']:.2f}, pg/redis {s.cpu['services_cores']:.2f}, "
        f"other programs {s.cpu['other_cores']:.2f}"
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
    traffic: StepResult | None = None  # messages sent while the sockets are open
    traffic_senders: int = 0
    baseline_ms_per_msg: float | None = None  # server CPU per message in the throughput test, for comparison

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
                origin=Origin(deployment.page_origin),
                proxy=None,
                open_timeout=30,
                ping_interval=None,  # idle: no client pings (the server pings every 20 s)
                close_timeout=2,
                max_queue=None,  # the traffic phase pushes a few frames to some of them
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

    # Then some chat while the sockets stay open: does a crowd of idle sockets make messages dearer?
    senders = [v for v, ws in zip(visitors, sockets, strict=True) if ws is not None][:20]
    if args.idle_traffic_rate > 0 and senders:
        print(f"  [idle] {args.idle_traffic_rate:g} msg/s from {len(senders)} of these visitors ...", flush=True)
        result.traffic = await traffic_while_open(deployment, senders, args)
        result.traffic_senders = len(senders)

    async def close_one(i: int) -> None:
        with contextlib.suppress(Exception):
            await live[i].close()

    with contextlib.suppress(TimeoutError):
        await bounded_gather(len(live), 200, close_one, timeout=60)
    return result


async def traffic_while_open(deployment: Deployment, senders: list[Visitor], args: argparse.Namespace) -> StepResult:
    """A short chat step (2 operators) on a server that holds the idle sockets."""
    server = deployment.servers[0]
    async with KeepAliveClient(len(senders)) as client:
        sessions = [await login_operator(server) for _ in range(2)]
        operators = [Operator(i, server, session) for i, session in enumerate(sessions)]
        await asyncio.wait_for(asyncio.gather(*(op.connect() for op in operators)), 30)
        listeners = [asyncio.create_task(op.listen()) for op in operators]
        try:
            warm_sent: dict[str, Sent] = {}
            warm_errors: Counter[str] = Counter()
            await asyncio.wait_for(
                asyncio.gather(*(send_message(client, v, warm_sent, warm_errors) for v in senders)), 120
            )
            await quiesce(deployment.pids())
            step = await run_step(
                client,
                deployment,
                senders,
                operators,
                rate=args.idle_traffic_rate,
                duration=min(args.duration, 10.0),
                drain=args.drain,
            )
        finally:
            await asyncio.gather(*(op.close() for op in operators))
            for task in listeners:
                task.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
    return step


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
            f"{p} {version(p)}"
            for p in ("django", "channels", "channels-redis", "uvicorn", "websockets", "httpx", "httptools")
        )
    with contextlib.suppress(Exception):
        git = ["git", "-C", str(ROOT)]
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10)
        status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True, timeout=10)
        changed = [line for line in status.stdout.splitlines() if not line[3:].startswith("bench/")]
        facts["Commit"] = (
            head.stdout.strip() + (f" + {len(changed)} uncommitted file(s) outside bench/" if changed else "")
            if head.returncode == 0
            else "unknown (not a git checkout)"
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
        "| target rate | sent ok | delivered (sustained) | p50 | p95 | p99 | max | feed p50 / p99 "
        "| HTTP p50 / p99 | errors | not delivered (late / never) | server CPU per msg "
        "| server RSS before → after | cores: server / loadgen / PG+Redis / other programs (before step) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in r.steps:
        errors = ", ".join(f"{k}: {v}" for k, v in s.errors.items()) or "0"
        lines.append(
            f"| {s.rate:g} msg/s x {s.duration:g} s | {s.ok}/{s.scheduled} | **{s.delivered_rate:.0f} msg/s** "
            f"| {fmt_ms(s.latency_ms, 'p50')} ms | {fmt_ms(s.latency_ms, 'p95')} ms "
            f"| **{fmt_ms(s.latency_ms, 'p99')} ms** | {fmt_ms(s.latency_ms, 'max')} ms "
            f"| {fmt_ms(s.feed_latency_ms, 'p50')} / {fmt_ms(s.feed_latency_ms, 'p99')} ms "
            f"({s.feed_missing}/{s.feed_pairs} missing) "
            f"| {fmt_ms(s.http_ms, 'p50')} / {fmt_ms(s.http_ms, 'p99')} ms | {errors} "
            f"| {s.missing_pairs}/{s.pairs} ({s.late_pairs} / {s.never_pairs}) | {s.server_ms_per_msg:.1f} ms "
            f"| {s.rss_before:.0f} → {s.rss_after:.0f} MB "
            f"| {s.cpu['server_cores']:.2f} / {s.cpu['loadgen_cores']:.2f} / {s.cpu['services_cores']:.2f} "
            f"/ {s.cpu['other_cores']:.2f} ({s.background_cores:.2f}) |"
        )
    lines += ["", *summary_lines(r), ""]
    for s in r.steps:
        per_second = " ".join(str(n) for n in s.delivered_per_second)
        lines.append(f"- {s.rate:g} msg/s: messages fully delivered per second: {per_second}")
        if s.stored_unanswered:
            lines.append(f"  ({s.stored_unanswered} more were stored and pushed, but their sender timed out)")
        if s.max_schedule_lag_ms > 50:
            lines.append(f"  (load generator fell behind its schedule by up to {s.max_schedule_lag_ms:.0f} ms)")
        for close in s.operator_closes:
            lines.append(f"  - {close}")
    if r.server_errors:
        lines += ["", "Errors in the server logs (count, last line of each traceback):", ""]
        lines += [f"- {n} x `{line}`" for line, n in r.server_errors.most_common(8)]
    return [*lines, ""]


def summary_lines(r: ThroughputResult) -> list[str]:
    good = [
        s
        for s in r.steps
        if s.latency_ms.get("p99", float("inf")) < TARGET_P99_MS
        and s.ok == s.scheduled
        and not s.errors
        and not s.missing_pairs
    ]
    best = max(r.steps, key=lambda s: s.delivered_rate)
    lines = [
        f"Highest rate step with p99 < {TARGET_P99_MS:g} ms and no errors: "
        + (f"**{max(s.rate for s in good):g} msg/s**." if good else "**none** (not even the lowest step)."),
        f"Most delivered: **{best.delivered_rate:.0f} msg/s** (at the {best.rate:g} msg/s step).",
    ]
    if r.mode == "embedded":
        passed = [s for s in r.steps if s.meets_target()]
        verdict = (
            f"**met** (at {', '.join(f'{s.rate:g}' for s in passed)} msg/s)"
            if passed
            else ("**not met**" if any(s.rate >= TARGET_RATE for s in r.steps) else "not tested (no step ≥ 300)")
        )
        lines.append(f"Target ≥ {TARGET_RATE:g} msg/s sustained with p99 < {TARGET_P99_MS:g} ms: {verdict}.")
    return lines


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
        f"| {r.rss_after_hold:.0f} MB | **{r.added_mb:.0f} MB** "
        f"({r.added_mb * 1024 / max(r.sockets, 1):.0f} KB/socket) "
        f"| {r.rss_peak:.0f} MB |",
        "",
        f"Target {r.sockets:,} idle sockets with < {TARGET_IDLE_MB:g} MB added: {verdict}.",
        "",
        *idle_traffic_lines(r),
    ]


def idle_traffic_lines(r: IdleResult) -> list[str]:
    s = r.traffic
    if s is None:
        return []
    compare = (
        f" (embedded throughput test: {r.baseline_ms_per_msg:.1f} ms)" if r.baseline_ms_per_msg is not None else ""
    )
    return [
        f"With the sockets still open, {s.rate:g} msg/s for {s.duration:g} s from {r.traffic_senders} of these "
        f"visitors, 2 operators: server CPU **{s.server_ms_per_msg:.1f} ms per message**{compare}; latency "
        f"p50 {fmt_ms(s.latency_ms, 'p50')} / p99 {fmt_ms(s.latency_ms, 'p99')} ms; "
        f"sent {s.ok}/{s.scheduled}, not delivered {s.missing_pairs}/{s.pairs}.",
        "",
    ]


HEADER = """# Parley load benchmark results

Reproduce with `make bench` (= `.venv/bin/python bench/chat_load.py`; `--help` lists the options,
`--quick` is a short smoke run). The benchmark starts its own servers (fresh SQLite data dir; fresh
PostgreSQL database on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 for scale-out) and drives them
through the real widget HTTP API and the real websockets; see `bench/README.md`.

Targets: embedded mode sustains **≥ 300 messages/s with p99 < 100 ms** (send start → every operator
has the message's inbox fragment); **2,000 idle widget websockets** on one process add **< 150 MB**.

Latency (p50/p95/p99/max) is measured from the moment the visitor's HTTP request starts to the
moment each operator's inbox websocket receives the conversation-list row carrying that message
(every inbox page of the workspace gets it); percentiles are over every (message, operator) pair.
Each operator also has one visitor's conversation open: "feed" is the same latency for the feed
fragment those watching operators receive. "Delivered (sustained)" = messages whose row reached
every operator ÷ time from the first send to the last delivery. "Server CPU per msg" = the server
processes' CPU time ÷ messages stored: the number to compare between commits, as it hardly depends
on what else runs on the machine (read it below saturation: past it, requests whose client gave up
are still worked on after the step). Server(s), load generator, PostgreSQL/Redis and other programs
share this machine's cores; the cores column shows who used them, and (in brackets) how busy other
programs kept the machine just before the step.
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
    replace_section(path, "chat_load", "\n".join(body))


def replace_section(path: Path, name: str, body: str) -> None:
    """Rewrite only this benchmark's section of the results file (between `<!-- name:start -->` and
    `<!-- name:end -->`), keeping the other benchmarks' sections; a file without it gets it at the top."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}\n"
    old = path.read_text() if path.exists() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    new = pattern.sub(lambda _: block, old, count=1) if pattern.search(old) else block + ("\n" + old if old else "")
    path.write_text(new)


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
        default="25,50,100,150,200,250,300,400",
        help="total visitor messages/s; a comma-separated list runs one step per rate (a ramp)",
    )
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--operators", type=int, default=3)
    parser.add_argument("--idle-sockets", type=int, default=2000, help="0 skips the idle-socket test")
    parser.add_argument("--idle-only", action="store_true", help="run only the idle-socket test")
    parser.add_argument(
        "--idle-traffic-rate",
        type=float,
        default=20.0,
        help="msg/s sent (for min(--duration, 10) s) while the idle sockets are open; 0 skips",
    )
    parser.add_argument("--idle-hold", type=float, default=10.0, help="seconds to hold the idle sockets open")
    parser.add_argument("--drain", type=float, default=15.0, help="max seconds to wait for deliveries after a step")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=30.0,
        help="before each step wait up to this many seconds for other programs to use < 0.3 cores",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the servers (repeatable), e.g. LOG_LEVEL=INFO or a settings module to try",
    )
    parser.add_argument("--keep-logs", type=Path, default=None, help="copy the server logs to this directory")
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
        args.wait_quiet = min(args.wait_quiet, 5.0)
        args.idle_traffic_rate = min(args.idle_traffic_rate, 10.0)
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
    try:
        args.server_env = dict(item.split("=", 1) for item in args.server_env)
    except ValueError:
        parser.error("--server-env takes NAME=VALUE")
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
    # SIGTERM cancels the run, so the servers are stopped and the PostgreSQL database is dropped.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    modes = ["embedded", "scale-out"] if args.mode == "all" else [args.mode]
    sections: list[str] = []
    baseline_ms: float | None = None
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        base = Path(tmp)
        for mode in [] if args.idle_only else modes:
            print(f"\n== {mode}: starting server(s) ...", flush=True)
            with deploy(mode, base, args.server_env) as deployment:
                ports = ", ".join(s.url for s in deployment.servers)
                print(f"   {ports} (pids {', '.join(map(str, deployment.pids()))})", flush=True)
                result = await throughput(deployment, args)
            result.server_errors = scan_logs(deployment.workdir, args.keep_logs)
            if mode == "embedded" and result.steps:
                baseline_ms = result.steps[0].server_ms_per_msg
            sections += throughput_md(result)
            print_throughput(result)
        if args.idle_sockets and "embedded" in modes:
            print(f"\n== idle sockets: fresh embedded server, {args.idle_sockets} widget websockets ...", flush=True)
            with deploy("embedded", base, args.server_env) as deployment:
                idle = await idle_sockets(deployment, args)
            idle.baseline_ms_per_msg = baseline_ms
            scan_logs(deployment.workdir, args.keep_logs)
            sections += idle_md(idle)
            print_idle(idle)
    return sections


EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(Error|Exception|Full|Timeout)\b.*)$")


def scan_logs(workdir: Path, keep: Path | None) -> Counter[str]:
    """Count the exception lines (last line of each traceback) in the servers' logs; copy the logs if asked."""
    errors: Counter[str] = Counter()
    for log in sorted(workdir.glob("server-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if match := EXCEPTION_LINE.match(line):
                errors[re.sub(r"0x[0-9a-f]+|\d{3,}", "N", match.group(1))[:200]] += 1
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, keep / f"{workdir.name}-{log.name}")
    return errors


def print_throughput(r: ThroughputResult) -> None:
    print(f"\n{r.mode}: {r.servers} server(s), {r.visitors} visitors, {r.operators} operators")
    for s in r.steps:
        print(f"  {s.rate:g} msg/s x {s.duration:g} s: {step_line(s)}")
        print(
            f"    HTTP p50 {fmt_ms(s.http_ms, 'p50')} / p99 {fmt_ms(s.http_ms, 'p99')} ms; "
            f"errors {dict(s.errors) or 0}; not delivered {s.missing_pairs}/{s.pairs} "
            f"(late {s.late_pairs}, never {s.never_pairs}); feed p50 {fmt_ms(s.feed_latency_ms, 'p50')} ms, "
            f"feed not delivered {s.feed_missing}/{s.feed_pairs}; "
            f"background before step {s.background_cores:.2f} cores; "
            f"server RSS {s.rss_before:.0f} -> {s.rss_after:.0f} MB; max schedule lag {s.max_schedule_lag_ms:.0f} ms"
        )
        if s.stored_unanswered:
            print(f"    {s.stored_unanswered} more messages were stored and pushed, but their sender timed out")
        if s.cpu["loadgen_cores"] > 0.85:
            print("    warning: the load generator used most of a core; it may be the bottleneck")
        for close in s.operator_closes:
            print(f"    {close}")
    for line in summary_lines(r):
        print("  " + line.replace("**", ""))
    for line, n in r.server_errors.most_common(8):
        print(f"  server log: {n} x {line}")


def print_idle(r: IdleResult) -> None:
    print(
        f"\nidle sockets: {r.connected}/{r.sockets} connected ({dict(r.connect_errors) or 'no errors'}), "
        f"{r.still_open} still open after {r.hold_seconds:.0f} s, {r.answered_ping} answered a ping; "
        f"server RSS {r.rss_before:.0f} -> {r.rss_after_hold:.0f} MB (added {r.added_mb:.0f} MB, "
        f"peak {r.rss_peak:.0f} MB) -> target {'met' if r.meets_target() else 'NOT met'}"
    )
    for line in idle_traffic_lines(r):
        if line:
            print(line.replace("**", ""))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    raise_fd_limit(args.idle_sockets * 2 + args.visitors * 4 + 256)
    facts = machine_facts()
    print("Parley chat load benchmark")
    for key, value in facts.items():
        print(f"  {key}: {value}")
    runner: Any = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop  # installed with uvicorn[standard]

        runner = uvloop.run
    sections = runner(run(args))
    if args.results:
        write_results(args.results, args, facts, sections)
        print(f"\nResults written to {args.results}")


if __name__ == "__main__":
    main()
