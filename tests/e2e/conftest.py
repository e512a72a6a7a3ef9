"""Browser tests: real `parley serve` processes driven by Debian's chromium.

Every test here is marked `e2e`. A test gets a demo server (SQLite in a temp
DATA_DIR, seeded by `parley demo --no-serve`) and opens its own browser
contexts with `visitor_page` (the demo shop with the widget) and
`operator_page` (the signed-in inbox); the contexts are closed after the test.
"""

import contextlib
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from tests.servers import Server, free_port, parley, run_server, server_env

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
OPERATOR_EMAIL = "operator@demo.parley.local"
OPERATOR_PASSWORD = "parley-demo"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
LIVE_MS = 5_000  # how long a live update may take to show
RECONNECT_MS = 20_000  # a page reconnecting to a restarted server (its backoff included)

expect.set_options(timeout=LIVE_MS)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Before `-m` selection runs, so `pytest -m e2e` picks these up and `-m "not e2e"` leaves them out.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, object]:
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


class DemoServer:
    """`parley serve` on a seeded demo database; `stop()` then `start()` restarts it on the same port and data."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.url = f"http://127.0.0.1:{port}"
        self._stack = contextlib.ExitStack()
        self.server: Server | None = None

    def start(self) -> None:
        self.server = self._stack.enter_context(run_server(self.env, self.port, log=self.log))

    def stop(self) -> None:
        self._stack.close()
        self.server = None


@contextlib.contextmanager
def demo_server(**extra_env: str) -> Iterator[DemoServer]:
    with tempfile.TemporaryDirectory(prefix="parley-e2e-") as tmp:
        data_dir = Path(tmp)
        port = free_port()
        env = server_env(data_dir, **extra_env)
        parley(env, "demo", "--no-serve", "--port", str(port))
        server = DemoServer(env, port, data_dir / "server.log")
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    """One demo server shared by a module's tests: each test starts its own visitor."""
    with demo_server() as running:
        yield running


@pytest.fixture(autouse=True)
def _close_contexts(browser: Browser) -> Iterator[None]:
    """Contexts a test opened (with their sockets) are closed after it."""
    yield
    for context in browser.contexts:
        context.close()


def new_context(browser: Browser) -> BrowserContext:
    """A fresh browser profile: its own cookies and storage, so its own visitor or operator session."""
    return browser.new_context(viewport=VIEWPORT)


# The visitor: the demo shop with the widget.


def visitor_page(browser: Browser, server: DemoServer, *, context: BrowserContext | None = None) -> Page:
    """The demo shop in a new browser context (a new visitor), or in a new tab of `context`."""
    context = context or new_context(browser)
    page = context.new_page()
    page.goto(f"{server.url}/demo/")
    expect(launcher(page)).to_be_visible()
    return page


def launcher(page: Page) -> Locator:
    return page.locator('[data-parley="launcher"]')


def panel(page: Page) -> Locator:
    return page.locator('[data-parley="panel"]')


def widget_messages(page: Page) -> Locator:
    return page.locator('[data-parley="message"]')


def open_widget(page: Page) -> None:
    """Open the chat panel unless the widget came back open (it remembers that per tab)."""
    expect(launcher(page)).to_have_attribute("aria-expanded", re.compile("true|false"))  # the widget is ready
    if launcher(page).get_attribute("aria-expanded") != "true":
        launcher(page).click()
    expect(panel(page)).to_be_visible()


def send_from_widget(page: Page, text: str) -> None:
    box = page.locator('[data-parley="input"]')
    box.fill(text)
    box.press("Enter")


def expect_widget_history(page: Page, texts: list[str]) -> None:
    """The widget shows exactly these messages, stored, once each and in this order."""
    messages = widget_messages(page)
    expect(messages).to_have_count(len(texts))
    expect(messages).to_contain_text(texts)
    expect(page.locator('[data-parley="message"][data-state="sent"]')).to_have_count(len(texts))
    seqs = messages.evaluate_all("els => els.map(el => Number(el.dataset.seq))")
    assert seqs == sorted(set(seqs)), f"widget messages out of order or repeated: seqs {seqs}"


def visitor_token(page: Page) -> str:
    """The visitor token the widget keeps in the site's localStorage."""
    token = page.evaluate(
        """() => Object.keys(localStorage)
            .filter(k => /^parley:.*:token$/.test(k))
            .map(k => localStorage.getItem(k))[0]"""
    )
    assert token, "the widget stored no visitor token"
    return str(token)


def widget_api(server: DemoServer, page: Page) -> httpx.Client:
    """The widget API as this visitor's browser calls it (their token, the shop's origin)."""
    return httpx.Client(
        base_url=f"{server.url}/widget/api/v1",
        headers={"Authorization": f"Bearer {visitor_token(page)}", "Origin": server.url},
        timeout=10,
    )


# The operator: the inbox.


def operator_page(browser: Browser, server: DemoServer, *, context: BrowserContext | None = None) -> Page:
    """The demo operator signed in (in a new browser context, or `context`), on the inbox with live updates on."""
    page = (context or new_context(browser)).new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.locator("input[name=username]").fill(OPERATOR_EMAIL)
    page.locator("input[name=password]").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/inbox/")
    expect_live(page)
    return page


def expect_live(page: Page, timeout: float = LIVE_MS) -> None:
    """The inbox's websocket is open (inbox.js marks the body)."""
    expect(page.locator("body")).to_have_class(re.compile(r"\blive\b"), timeout=timeout)


def conversation_row(page: Page, text: str) -> Locator:
    return page.locator("#conversation-list .row").filter(has_text=text)


def open_conversation(page: Page, text: str) -> str:
    """Click the row whose last message contains `text`; returns the conversation's id."""
    conversation_row(page, text).click()
    expect(page).to_have_url(re.compile(r"/inbox/c/[0-9a-f]{32}/$"))
    conversation_id = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(feed(page)).to_contain_text(text)
    return conversation_id


def feed(page: Page) -> Locator:
    return page.locator(".feed")


def feed_messages(page: Page) -> Locator:
    return page.locator(".feed article.msg")


def reply_from_inbox(page: Page, text: str) -> None:
    box = page.locator("form.reply textarea[name=text]")
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")  # the server stored it: the form is reset only then


def expect_inbox_history(page: Page, texts: list[str]) -> None:
    """The open conversation shows exactly these messages, once each and in this order."""
    messages = feed_messages(page)
    expect(messages).to_have_count(len(texts))
    expect(messages.locator(".msg__text")).to_have_text(texts)
    seqs = messages.evaluate_all("els => els.map(el => Number(el.dataset.seq))")
    assert seqs == sorted(set(seqs)), f"inbox messages out of order or repeated: seqs {seqs}"


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def ms(self) -> int:
        return round((time.monotonic() - self.started) * 1000)


# More operators: a team in the demo workspace.


def django_shell(server: DemoServer, code: str) -> str:
    """Run Python with Django set up against the server's database (actions, ORM) and return what it printed.

    A separate process like `parley shell -c`: the test process keeps its own settings. Events the code
    emits do not reach the server's sockets (its channel layer is in memory), so use it to seed, not to act.
    """
    return parley(server.env, "shell", "-c", code)


def add_operators(server: DemoServer, *names: str, password: str, role: str = "agent") -> dict[str, str]:
    """New members of the demo workspace, one per display name, all in one process start.

    Each gets the email `<name lowercased>@demo.parley.local`; returns {name: member public id}.
    """
    code = (
        "from accounts.actions import create_user\n"
        "from workspaces.actions import add_member\n"
        "from workspaces.models import Workspace\n"
        "workspace = Workspace.objects.get(name='Demo Shop')\n"
        f"for name in {list(names)!r}:\n"
        f"    user = create_user(email=name.lower() + '@demo.parley.local', name=name, password={password!r})\n"
        f"    member = add_member(workspace, user, role={role!r}, display_name=name)\n"
        "    print('member', name, member.public_id.hex)\n"
    )
    out = django_shell(server, code)
    return {line.split()[1]: line.split()[2] for line in out.splitlines() if line.startswith("member ")}


def operator_email(name: str) -> str:
    return f"{name.lower()}@demo.parley.local"


def sign_in(
    browser: Browser,
    server: DemoServer,
    email: str,
    password: str,
    *,
    context: BrowserContext | None = None,
    page: Page | None = None,
    path: str = "/inbox/",
) -> Page:
    """An operator signed in (in a new browser context, or `context`, or the tab `page`), on `path` with live
    updates on."""
    page = page or (context or new_context(browser)).new_page()
    page.goto(f"{server.url}/accounts/login/?next={quote(path)}")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(server.url + path.split("?")[0])))
    expect_live(page)
    return page


def conversation_id_of(page: Page) -> str:
    """The id of the conversation open on an inbox page."""
    match = re.search(r"/inbox/c/([0-9a-f]{32})/", page.url)
    assert match, f"no conversation open at {page.url}"
    return match.group(1)


def expect_watching(page: Page) -> None:
    """The inbox's socket follows the open conversation: what changes in it from now on reaches the page live."""
    expect(page.locator(".app")).to_have_attribute("data-watching", conversation_id_of(page))
