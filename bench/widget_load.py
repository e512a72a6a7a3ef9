"""Parley widget load benchmark: what /widget.js costs the page it is embedded in.

Run from the repository root with `make bench` (or `.venv/bin/python bench/widget_load.py --help`).

One real `parley serve` in embedded mode (SQLite, fresh DATA_DIR, demo data); the demo shop page /demo/
is loaded in headless Debian chromium (the launch arguments of tests/e2e/conftest.py), each time in a
fresh browser context (empty cache, cookies and storage: a first visit, so a new widget session):

1. Size: /widget.js and each file the widget fetches when it starts (its string catalogue under
   /widget/i18n/), requested with `Accept-Encoding: gzip` as browsers do: bytes on the wire, and the
   file gzipped here at level 9 for comparison.
2. Main-thread work at load: --loads cold loads of the page with the widget, and as many with the
   widget script blocked (the route to /widget.js aborted), interleaved. In each, a Chrome DevTools
   Protocol session (`Performance.enable` before navigation, `Performance.getMetrics` once the network
   has been idle and --settle ms more have passed) gives TaskDuration (every main-thread task: script,
   style, layout, parsing) and ScriptDuration; a PerformanceObserver registered before any page script
   collects 'longtask' and 'layout-shift' entries. The widget's share = median with - median without.
3. Layout shift: the sum of 'layout-shift' values (no recent input) with the widget, and which nodes
   moved.
4. Cache headers of /widget.js (Cache-Control, ETag, Last-Modified) and whether a revalidation gets 304.

Targets (the widget spec): /widget.js < 25 KB gzipped; main-thread work at load < 20 ms; no layout shift.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import shlex
import statistics
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import httpx  # noqa: E402
from chat_load import RESULTS, deploy, machine_facts, replace_section, wait_quiet  # noqa: E402
from playwright.sync_api import Browser, Request, sync_playwright  # noqa: E402

TARGET_GZIP_BYTES = 25 * 1024  # 1 KB = 1,024 bytes
TARGET_MAIN_THREAD_MS = 20.0
KB = 1024

# The same browser as the browser tests (tests/e2e/conftest.py: CHROMIUM and browser_type_launch_args).
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Each cold load reads the CDP counters in one time domain: thread CPU time (what the work costs, whatever
# else runs on the machine) and wall time of the tasks (what DevTools shows; inflated when cores are busy).
DOMAINS = ("threadTicks", "timeTicks")
VIEWPORT = {"width": 1280, "height": 800}
WIDGET_JS = ROOT / "widget" / "static" / "widget" / "widget.js"
CATALOGUES = ROOT / "widget" / "static" / "widget" / "i18n"

# Registered before any script of the page runs (an init script), in both variants.
OBSERVERS = """
(() => {
  const seen = (window.__parleyBench = { longtasks: [], shifts: [] });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) seen.longtasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { seen.noLongtask = true; }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        const nodes = (e.sources || []).map((s) => {
          const n = s.node;
          if (!n) return '(removed node)';
          const root = n.getRootNode && n.getRootNode();
          if (root && root.host && root.host.id === 'parley-widget') return 'widget (shadow root)';
          if (n.id === 'parley-widget') return 'widget (host)';
          const text = (n.textContent || '').trim().slice(0, 24);
          return n.nodeName.toLowerCase() + (n.id ? '#' + n.id : '') + (text ? ` "${text}"` : '');
        });
        seen.shifts.push({ value: e.value, nodes });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  } catch (e) { seen.noLayoutShift = true; }
})();
"""


# The at-load variant: requestIdleCallback callbacks never run, so the widget's pageSettled() never resolves.
HOLD_DEFERRED = "\nwindow.requestIdleCallback = () => 0;\n"


@dataclass
class Served:
    path: str
    raw_bytes: int
    wire_bytes: int  # as served to a client sending Accept-Encoding: gzip
    gzip9_bytes: int
    encoding: str
    headers: dict[str, str]
    revalidation: str = ""

    @property
    def gzipped(self) -> int:
        """What a browser downloads: the served bytes when the server compresses, else gzip -9 of the file."""
        return self.wire_bytes if self.encoding == "gzip" else self.gzip9_bytes


@dataclass
class Load:
    metrics: dict[str, float]
    longtasks: list[float]
    shift: float
    shift_nodes: list[str]
    load_event_ms: float
    launcher: bool
    fetched: list[str]  # widget-origin paths the page requested, widget API and socket excluded
    domain: str  # CDP Performance time domain: timeTicks (wall time of tasks) or threadTicks (thread CPU time)


@dataclass
class Run:
    url: str
    browser_version: str
    script: Served
    lazy: list[Served]
    other_catalogues: list[Served]
    with_widget: list[Load] = field(default_factory=list)
    blocked: list[Load] = field(default_factory=list)
    at_load: list[Load] = field(default_factory=list)  # with the widget, its deferred work held back
    background_cores: float = 0.0


def fetch_served(client: httpx.Client, url: str, source: Path | None) -> Served:
    """GET with Accept-Encoding: gzip; the bytes on the wire, undecoded."""
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
        response.raise_for_status()
        wire = b"".join(response.iter_raw())
        headers = dict(response.headers)
    encoding = headers.get("content-encoding", "identity")
    body = gzip.decompress(wire) if encoding == "gzip" else wire
    if source is not None and source.read_bytes() != body:
        print(f"   note: {url} differs from {source.relative_to(ROOT)} (the file changed while the server ran?)")
    return Served(urlsplit(url).path, len(body), len(wire), len(gzip.compress(body, 9, mtime=0)), encoding, headers)


def revalidate(client: httpx.Client, url: str, served: Served) -> str:
    """Whether a browser holding the file can revalidate it cheaply once max-age has passed."""
    checks = []
    if etag := served.headers.get("etag"):
        r = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
        checks.append(f"If-None-Match → {r.status_code}")
    if modified := served.headers.get("last-modified"):
        r = client.get(url, headers={"Accept-Encoding": "gzip", "If-Modified-Since": modified})
        checks.append(f"If-Modified-Since → {r.status_code}")
    return "; ".join(checks) or "no validator: after max-age the whole file is downloaded again"


def load_once(
    browser: Browser,
    url: str,
    *,
    block_widget: bool,
    settle_ms: int,
    domain: str = "threadTicks",
    hold_deferred: bool = False,
) -> Load:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        # One init script in every variant (a second one alone costs a few ms of main-thread time).
        context.add_init_script(OBSERVERS + (HOLD_DEFERRED if hold_deferred else ""))
        if block_widget:
            context.route("**/widget.js", lambda route: route.abort())
        if hold_deferred:
            # The widget loads and sets up, but never gets to its deferred work: its pageSettled() waits for an
            # idle callback that never comes (nothing else on the demo page uses requestIdleCallback). Blocking
            # only the session call is not enough: after load + idle the widget still fetches its catalogue,
            # reads localStorage, asks Intl for the time zone (tens of ms in a fresh renderer), and retries
            # the failed call a second later. The session route stays (never hit) so that this variant, like
            # the widget-blocked one, runs with Playwright's request interception on.
            context.route("**/widget/api/v1/sessions", lambda route: route.abort())
        page = context.new_page()
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        fetched: list[str] = []

        def on_request(request: Request) -> None:
            path = urlsplit(request.url).path
            ours = request.url.startswith(origin) and path.startswith("/widget/")
            if ours and not path.startswith(("/widget/api/", "/widget/ws/")):
                fetched.append(path)

        page.on("request", on_request)
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable", {"timeDomain": domain})
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(settle_ms)
        # Read the counters before anything else runs in the page (locators and evaluate run scripts too).
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        seen = page.evaluate("window.__parleyBench")
        load_event = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        launcher = page.locator('[data-parley="launcher"]').count() > 0
        cdp.detach()
        return Load(
            metrics=metrics,
            longtasks=[float(d) for d in seen["longtasks"]],
            shift=sum(float(s["value"]) for s in seen["shifts"]),
            shift_nodes=sorted({n for s in seen["shifts"] for n in s["nodes"]}),
            load_event_ms=float(load_event),
            launcher=launcher,
            fetched=fetched,
            domain=domain,
        )
    finally:
        context.close()


def measure(url: str, args: argparse.Namespace) -> Run:
    with httpx.Client(timeout=30) as client:
        script = fetch_served(client, f"{url}/widget.js", WIDGET_JS)
        script.revalidation = revalidate(client, f"{url}/widget.js", script)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            try:
                demo = f"{url}/demo/"
                print(f"   warm-up loads (not counted), then {args.loads} cold loads with and without the widget")
                first = load_once(browser, demo, block_widget=False, settle_ms=args.settle)
                load_once(browser, demo, block_widget=True, settle_ms=args.settle)
                lazy_paths = sorted({p for p in first.fetched if p != "/widget.js"})
                lazy = []
                for path in lazy_paths:
                    served = fetch_served(client, url + path, CATALOGUES / Path(path).name)
                    served.revalidation = revalidate(client, url + path, served)
                    lazy.append(served)
                others = [
                    fetch_served(client, f"{url}/widget/i18n/{f.name}", f)
                    for f in sorted(CATALOGUES.glob("*.json"))
                    if f"/widget/i18n/{f.name}" not in lazy_paths
                ]
                run = Run(url, browser.version, script, lazy, others)
                # Playwright's sync API runs an event loop in this thread: wait for quiet in another.
                with ThreadPoolExecutor(1) as pool:
                    run.background_cores = pool.submit(asyncio.run, wait_quiet(args.wait_quiet)).result()
                for i in range(args.loads):
                    order = (False, True) if i % 2 == 0 else (True, False)  # ABBA: drift hits both alike
                    for domain in DOMAINS:
                        for blocked in order:
                            load = load_once(browser, demo, block_widget=blocked, settle_ms=args.settle, domain=domain)
                            (run.blocked if blocked else run.with_widget).append(load)
                    run.at_load.append(
                        load_once(browser, demo, block_widget=False, hold_deferred=True, settle_ms=args.settle)
                    )
                    print(f"   load {i + 1}/{args.loads}", flush=True)
            finally:
                browser.close()
    return run


# --------------------------------------------------------------------------- reporting


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def metric_ms(loads: list[Load], *names: str) -> list[float]:
    return [sum(load.metrics.get(n, 0.0) for n in names) * 1000 for load in loads]


def spread(values: list[float], unit: str = " ms", digits: int = 1) -> str:
    if not values:
        return "n/a"
    return f"{median(values):.{digits}f}{unit} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def kb(n: int) -> str:
    return f"{n / KB:.1f} KB"


def header_text(served: Served, name: str) -> str:
    value = served.headers.get(name.lower())
    return f"`{value}`" if value else "none"


def report(run: Run, args: argparse.Namespace, facts: dict[str, str]) -> str:
    w, b = run.with_widget, run.blocked
    cpu_w, cpu_b = [x for x in w if x.domain == "threadTicks"], [x for x in b if x.domain == "threadTicks"]
    wall_w, wall_b = [x for x in w if x.domain == "timeTicks"], [x for x in b if x.domain == "timeTicks"]
    long_w = [sum(load.longtasks) for load in w]
    long_b = [sum(load.longtasks) for load in b]
    heap_w = [load.metrics.get("JSHeapUsedSize", 0) / 2**20 for load in w]
    heap_b = [load.metrics.get("JSHeapUsedSize", 0) / 2**20 for load in b]
    load_w, load_b = [load.load_event_ms for load in w], [load.load_event_ms for load in b]
    shift_w, shift_b = [load.shift for load in w], [load.shift for load in b]

    def share(with_: list[Load], without: list[Load], *names: str) -> float:
        return median(metric_ms(with_, *names)) - median(metric_ms(without, *names))

    def work_rows(with_: list[Load], without: list[Load]) -> list[str]:
        rows = []
        for label, names in (
            ("TaskDuration (all main-thread tasks)", ("TaskDuration",)),
            ("ScriptDuration (JavaScript)", ("ScriptDuration",)),
            ("Layout + style recalculation", ("LayoutDuration", "RecalcStyleDuration")),
        ):
            bold = "**" if names == ("TaskDuration",) else ""
            rows.append(
                f"| {label} | {spread(metric_ms(with_, *names))} | {spread(metric_ms(without, *names))} |"
                f" {bold}{share(with_, without, *names):+.1f} ms{bold} |"
            )
        return rows

    task_share = share(cpu_w, cpu_b, "TaskDuration")
    at_load_share = share(run.at_load, cpu_b, "TaskDuration")
    wall_share = share(wall_w, wall_b, "TaskDuration")
    size_ok = run.script.gzipped < TARGET_GZIP_BYTES
    work_ok = at_load_share < TARGET_MAIN_THREAD_MS
    shift_ok = max(shift_w, default=0.0) == 0.0
    widget_up = sum(load.launcher for load in w)
    nodes = sorted({n for load in w for n in load.shift_nodes})
    initial = run.script.gzipped + sum(s.gzipped for s in run.lazy)
    verdict = lambda ok: "**MET**" if ok else "**NOT MET**"  # noqa: E731
    command = "bench/widget_load.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    facts = {
        **facts,
        "Browser": f"Debian chromium {run.browser_version}, headless (launch args of tests/e2e/conftest.py),"
        f" Playwright {version('playwright')}, viewport {VIEWPORT['width']}x{VIEWPORT['height']}, no CPU throttling",
        "Other programs before measuring": f"{run.background_cores:.2f} cores (waited up to {args.wait_quiet:g} s)",
    }

    def size_row(s: Served) -> str:
        return (
            f"| `{s.path}` | {s.raw_bytes:,} B | {s.encoding} | **{s.wire_bytes:,} B ({kb(s.wire_bytes)})**"
            f" | {s.gzip9_bytes:,} B ({kb(s.gzip9_bytes)}) |"
        )

    others = run.other_catalogues
    lines = [
        "# Widget load benchmark",
        "",
        "Reproduce with `make bench` (`.venv/bin/python bench/widget_load.py`; `--help` for the options). One",
        "embedded `parley serve` (demo data, fresh data dir); the demo shop `/demo/` in headless chromium, every",
        "load in a fresh browser context (empty cache and storage: a first visit, so a new widget session). Sizes:",
        "requested with `Accept-Encoding: gzip`, bytes on the wire, and gzip -9 of the same file for comparison",
        "(1 KB = 1,024 bytes). Main-thread work: the page loaded with the widget and with `/widget.js` blocked",
        "(route aborted), interleaved; the CDP `Performance.getMetrics` counters are read once the network has",
        f"been idle 500 ms and {args.settle} ms more have passed; the widget's share = median with − median",
        "without (the CPU-time share is the one held against the target). TaskDuration counts every main-thread",
        "task (script, style, layout, parsing, handling network replies); ScriptDuration the",
        "JavaScript in them (the widget's evaluation and its callbacks). Long tasks and layout shifts come from a",
        "PerformanceObserver registered before any page script.",
        "",
        f"Targets: `/widget.js` < {TARGET_GZIP_BYTES // KB} KB gzipped; main-thread work at load"
        f" < {TARGET_MAIN_THREAD_MS:.0f} ms; no layout shift caused by the widget.",
        "",
        f"## Run of {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        f"Command: `{command.strip()}`",
        "",
        "Machine:",
        "",
        *(f"- {k}: {v}" for k, v in facts.items()),
        "",
        "### Size",
        "",
        "| file | raw | Content-Encoding as served | gzipped as served | gzip -9 here |",
        "|---|---|---|---|---|",
        size_row(run.script),
        *(size_row(s) for s in run.lazy),
        "",
        f"Fetched by the widget at start (browser language en-US): "
        f"{', '.join(f'`{s.path}`' for s in run.lazy) or 'nothing besides the API'}. Downloaded at first load:"
        f" **{kb(initial)}** gzipped in {1 + len(run.lazy)} file(s).",
    ]
    if others:
        smallest = min(others, key=lambda s: s.gzipped)
        largest = max(others, key=lambda s: s.gzipped)
        lines.append(
            f"Other catalogues (fetched instead of `en.json` for visitors in those languages, `en.json` as well"
            f" when one is missing): {len(others)} files, {smallest.gzipped:,}–{largest.gzipped:,} B gzipped"
            f" (`{Path(smallest.path).name}` – `{Path(largest.path).name}`)."
        )
    lines += [
        "",
        f"### Main-thread work: median (min–max) of {len(cpu_w)} cold loads each",
        "",
        "At load the widget only evaluates its script, starts tracking and queues the page view; its session"
        " call, catalogue and UI wait until the page has loaded and the browser is idle. The work at load is"
        " measured with the widget's deferred work held back (its idle callback never fires, so no catalogue,"
        " session call or UI), against the"
        " page with the widget blocked; main thread's CPU time:",
        "",
        "| | widget, deferred work held | widget blocked | **widget's work at load** |",
        "|---|---|---|---|",
        *work_rows(run.at_load, cpu_b),
        "",
        "Everything the widget does in the first second (session, catalogue, building the launcher), CPU time"
        " (`Performance.enable` with `timeDomain: threadTicks`):",
        "",
        "| | with the widget | widget blocked | **widget's share** (difference of medians) |",
        "|---|---|---|---|",
        *work_rows(cpu_w, cpu_b),
        "",
        f"Wall time of the same tasks (`timeTicks`, as DevTools shows it; {len(wall_w)} more cold loads each,"
        " interleaved): includes the time the main thread waited for a core while the server (on the same"
        " machine) answered the widget.",
        "",
        "| | with the widget | widget blocked | widget's share |",
        "|---|---|---|---|",
        *work_rows(wall_w, wall_b),
        "",
        f"All {len(w)} loads of each variant:",
        "",
        "| | with the widget | widget blocked | widget's share |",
        "|---|---|---|---|",
        f"| Long tasks (> 50 ms), total per load | {spread(long_w)} | {spread(long_b)} |"
        f" {median(long_w) - median(long_b):+.1f} ms |",
        f"| Long tasks, count over all loads | {sum(len(x.longtasks) for x in w)} |"
        f" {sum(len(x.longtasks) for x in b)} | |",
        f"| Layout shift (sum of 'layout-shift' values) | {spread(shift_w, '', 4)} | {spread(shift_b, '', 4)} |"
        f" {median(shift_w) - median(shift_b):+.4f} |",
        f"| Load event end (an async script delays it) | {spread(load_w)} | {spread(load_b)} |"
        f" {median(load_w) - median(load_b):+.1f} ms |",
        f"| JS heap used | {spread(heap_w, ' MB', 2)} | {spread(heap_b, ' MB', 2)} |"
        f" {median(heap_w) - median(heap_b):+.2f} MB |",
        "",
        f"The widget came up (launcher shown) in {widget_up} of {len(w)} loads with it."
        + (f" Nodes that shifted with the widget: {', '.join(nodes)}." if nodes else " Nothing shifted."),
        "",
        "### Cache headers",
        "",
        "| file | Cache-Control | ETag | Last-Modified | Vary | revalidation |",
        "|---|---|---|---|---|---|",
        *(
            f"| `{s.path}` | {header_text(s, 'Cache-Control')} | {header_text(s, 'ETag')} |"
            f" {header_text(s, 'Last-Modified')} | {header_text(s, 'Vary')} | {s.revalidation} |"
            for s in [run.script, *run.lazy]
        ),
        "",
        f"Targets: size {kb(run.script.gzipped)} gzipped: {verdict(size_ok)}; main-thread work at load"
        f" {at_load_share:.1f} ms CPU: {verdict(work_ok)} (all of the first second: {task_share:.1f} ms CPU,"
        f" {wall_share:.1f} ms wall); layout shift"
        f" {max(shift_w, default=0.0):.4f} at most: {verdict(shift_ok)}.",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/widget_load.py",
        description="What /widget.js costs the demo shop page in headless chromium (starts its own server).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--loads", type=int, default=15, help="cold loads with the widget, and as many without")
    parser.add_argument("--settle", type=int, default=1000, help="ms to wait after the network is idle")
    parser.add_argument(
        "--wait-quiet", type=float, default=30.0, help="seconds to wait for other programs to use < 0.3 cores"
    )
    parser.add_argument("--quick", action="store_true", help="3 loads each; does not write RESULTS.md")
    parser.add_argument("--results", type=Path, default=None, help="results file (default bench/RESULTS.md)")
    args = parser.parse_args(argv)
    if args.quick:
        args.loads = 3
    elif args.results is None:
        args.results = RESULTS
    return args


def run(args: argparse.Namespace) -> Run:
    with tempfile.TemporaryDirectory(prefix="parley-bench-widget-") as tmp:
        print("== embedded: starting the server ...", flush=True)
        with deploy("embedded", Path(tmp)) as deployment:
            server = deployment.servers[0]
            print(f"   {server.url} (pid {server.pid})", flush=True)
            return measure(server.url, args)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    facts = machine_facts()
    result = run(args)
    text = report(result, args, facts)
    print("\n" + text)
    if args.results:
        replace_section(args.results, "widget_load", text)
        print(f"\nwrote {args.results}")


if __name__ == "__main__":
    main()
