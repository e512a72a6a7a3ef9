"""The widget never breaks the page it is embedded in: hostile site CSS, a server that is down or failing,
a widget script that does not load."""

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, WebSocketRoute, expect

from tests.e2e.conftest import (
    VIEWPORT,
    DemoServer,
    expect_widget_history,
    launcher,
    new_context,
    open_widget,
    panel,
    send_from_widget,
    visitor_page,
    widget_messages,
)

# Rules a site might ship (a global reset, blanket hiding): none may reach into the widget.
HOSTILE_CSS = """
*, *::before, *::after { all: unset !important; }
button, div, form, textarea, input, span, p, svg, header { display: none !important; visibility: hidden !important; }
div { position: static !important; opacity: 0 !important; transform: scale(0) !important; }
#parley-widget, [data-parley] { display: none !important; pointer-events: none !important; }
textarea { color: transparent !important; font-size: 0 !important; }
"""
# Rules a single-page app could add later, after the widget is on screen.
LATE_HOSTILE_CSS = "body > div { display: none !important; width: 0 !important; height: 0 !important; }"
SERVER_ERROR = "<!doctype html><html><body><h1>Server Error (500)</h1><p>Something went wrong.</p></body></html>"
# Calls a site makes through the documented stub before widget.js has loaded.
QUEUED_TRACK = 'Parley.track("viewed_home", { campaign: "winter" });'
QUEUED_IDENTIFY = 'Parley.identify({ email: "host-visitor@example.com", name: "Host Visitor" });'
NETWORK_ERRORS = ("Failed to load resource", "WebSocket connection to")
RETRY_WINDOW_MS = 3_500  # the widget retries a failed session after 1 s, then 2 s: a few attempts fit


def widget_key(server: DemoServer) -> str:
    """The demo inbox's public key, as the demo shop embeds it."""
    match = re.search(r'data-key="([^"]+)"', httpx.get(f"{server.url}/demo/", timeout=10).text)
    assert match, "the demo shop embeds no widget key"
    return match.group(1)


def host_page(server: DemoServer, key: str, queued: str) -> str:
    """A site of its own on the demo server's origin (allowed by the demo inbox): a heading, a button
    that counts clicks, the documented stub with calls queued before the widget loads, and the widget."""
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Host shop</title>
  <script>
    window.Parley = window.Parley || {{ q: [] }};
    ["track", "identify", "reset", "open", "close"].forEach(function (m) {{
      window.Parley[m] = window.Parley[m] || function () {{ window.Parley.q.push([m, arguments]); }};
    }});
    {queued}
  </script>
  <script async src="{server.url}/widget.js" data-key="{key}"></script>
</head>
<body>
  <h1>Our own shop</h1>
  <p>Everything here belongs to the site, not to the chat.</p>
  <button type="button" id="add">Add to cart</button>
  <p>Clicks: <output id="clicks">0</output></p>
  <script>
    var clicks = 0;
    document.getElementById("add").addEventListener("click", function () {{
      clicks += 1;
      document.getElementById("clicks").textContent = String(clicks);
    }});
  </script>
</body>
</html>"""


def serve_host_page(context: BrowserContext, server: DemoServer, queued: str = QUEUED_TRACK + QUEUED_IDENTIFY) -> None:
    """The demo server's /demo/ URL answers with `host_page` in this context."""
    html = host_page(server, widget_key(server), queued)
    context.route(f"{server.url}/demo/", lambda route: route.fulfill(status=200, content_type="text/html", body=html))


def record_errors(context: BrowserContext) -> tuple[list[str], list[str]]:
    """Uncaught exceptions and promise rejections in the context's pages (what `pageerror` reports), and
    their console errors other than the browser's own reports of failed requests and sockets (the network,
    not a script)."""
    page_errors: list[str] = []
    console_errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith(NETWORK_ERRORS):
            console_errors.append(message.text)

    context.on(
        "weberror", lambda error: page_errors.append(f"{error.error.name}: {error.error.message} {error.error.stack}")
    )
    context.on("console", on_console)
    return page_errors, console_errors


def wait_until(page: Page, condition: Callable[[], bool], timeout_ms: float) -> None:
    waited = 0
    while not condition():
        assert waited < timeout_ms, f"condition not met within {timeout_ms} ms"
        page.wait_for_timeout(100)
        waited += 100


def expect_host_page_works(page: Page) -> None:
    """The site's own content shows and its own button still does its job."""
    expect(page.get_by_role("heading", name="Our own shop")).to_be_visible()
    button = page.get_by_role("button", name="Add to cart")
    for _ in range(3):
        button.click()
    expect(page.locator("#clicks")).to_have_text("3")


def count_requests(
    context: BrowserContext, pattern: str | re.Pattern[str], handler: Callable[[Route], None]
) -> list[str]:
    """Route `pattern` to `handler` and return the list of URLs it handled (grows as requests come)."""
    seen: list[str] = []

    def counted(route: Route) -> None:
        seen.append(route.request.url)
        handler(route)

    context.route(pattern, counted)
    return seen


def refuse_socket(ws: WebSocketRoute) -> None:
    """The widget socket never reaches the server: closed at once."""
    ws.close(code=1011, reason="unreachable")


def add_hostile_css_before_any_script(context: BrowserContext) -> None:
    """Every page of the context has `HOSTILE_CSS` as an author stylesheet from its very start, before the
    widget runs. (An adopted stylesheet rather than a rewritten page: a document served by `route.fulfill`
    may not open sockets to 127.0.0.1 under Chromium's local network access checks.)"""
    context.add_init_script(
        f"const sheet = new CSSStyleSheet(); sheet.replaceSync({HOSTILE_CSS!r}); document.adoptedStyleSheets = [sheet];"
    )


def test_widget_works_on_a_page_with_hostile_css(browser: Browser, server: DemoServer) -> None:
    # Given the demo shop with a stylesheet that resets and hides every element it can match
    context = new_context(browser)
    add_hostile_css_before_any_script(context)
    page_errors, console_errors = record_errors(context)

    # When a visitor opens it
    page = visitor_page(browser, server, context=context)
    page.add_style_tag(content=LATE_HOSTILE_CSS)

    # Then the hostile rules did reach the site's own elements
    assert page.evaluate("getComputedStyle(document.querySelector('main')).display") == "inline"
    # And the launcher still sits, full size, in the bottom-right corner
    expect(launcher(page)).to_be_visible()
    box = launcher(page).bounding_box()
    assert box is not None and box["width"] >= 40 and box["height"] >= 40, box
    assert box["x"] >= VIEWPORT["width"] / 2 and box["y"] >= VIEWPORT["height"] / 2, box
    assert box["x"] + box["width"] <= VIEWPORT["width"] and box["y"] + box["height"] <= VIEWPORT["height"], box

    # When the visitor opens the chat and sends a message
    open_widget(page)
    panel_box = panel(page).bounding_box()
    assert panel_box is not None and panel_box["width"] >= 300 and panel_box["height"] >= 300, panel_box
    text = "Can you still read me under this stylesheet?"
    send_from_widget(page, text)

    # Then the message is stored and shows in the widget
    expect_widget_history(page, [text])
    expect(widget_messages(page).filter(has_text=text)).to_be_visible()
    expect(page.locator('[data-parley="input"]')).to_have_value("")
    assert page_errors == [] and console_errors == [], (page_errors, console_errors)


def server_down_case(browser: Browser, server: DemoServer, fail_api: Callable[[Route], None]) -> None:
    # Given a site with the widget, whose widget API fails every request in the way `fail_api` does
    # and whose live socket never connects
    context = new_context(browser)
    serve_host_page(context, server)
    api_calls = count_requests(context, re.compile(r"/widget/api/"), fail_api)
    context.route_web_socket(re.compile(r"/widget/ws/"), refuse_socket)
    page_errors, console_errors = record_errors(context)
    page = context.new_page()

    # When a visitor opens the page and stays while the widget keeps trying
    with page.expect_response(re.compile(r"/widget\.js$")) as script:
        page.goto(f"{server.url}/demo/")
    assert script.value.status == 200
    wait_until(page, lambda: len(api_calls) >= 3, RETRY_WINDOW_MS * 2)

    # Then the widget did run and did try the server
    assert page.evaluate("typeof window.Parley.isOpen") == "function", "widget.js did not run"
    assert any("/widget/api/v1/sessions" in url for url in api_calls), api_calls

    # And the site's own content shows and its button works
    expect_host_page_works(page)

    # And no script error reached the page: no uncaught exception or rejection
    page.wait_for_timeout(1_000)
    assert page_errors == [], page_errors
    assert console_errors == [], console_errors


def test_host_page_works_when_the_widget_server_is_unreachable(browser: Browser, server: DemoServer) -> None:
    server_down_case(browser, server, lambda route: route.abort("connectionrefused"))


def test_host_page_works_when_the_widget_api_answers_500_with_html(browser: Browser, server: DemoServer) -> None:
    server_down_case(
        browser,
        server,
        lambda route: route.fulfill(status=500, content_type="text/html; charset=utf-8", body=SERVER_ERROR),
    )


def test_host_page_works_when_widget_js_fails_to_load(browser: Browser, server: DemoServer) -> None:
    # Given a site whose widget script cannot be fetched
    context = new_context(browser)
    serve_host_page(context, server)
    blocked = count_requests(context, "**/widget.js", lambda route: route.abort("connectionrefused"))
    page_errors, console_errors = record_errors(context)
    page = context.new_page()

    # When a visitor opens the page
    page.goto(f"{server.url}/demo/")
    page.wait_for_load_state("load")

    # Then the script was requested and failed, and no chat shows
    assert len(blocked) == 1, blocked
    expect(launcher(page)).to_have_count(0)

    # And the site's own content shows, its button works, and calls through the stub are only queued
    expect_host_page_works(page)
    page.evaluate("Parley.track('clicked_add', { n: 3 })")
    assert page.evaluate("Parley.q.length") == 3  # the two calls of the page and this one

    # And no script error reached the page
    page.wait_for_timeout(500)
    assert page_errors == [], page_errors
    assert console_errors == [], console_errors


def server_goes_down_case(browser: Browser, server: DemoServer, queued: str) -> None:
    # Given a site with the widget that queues `queued` through the stub, whose server answers the
    # widget's session call and is unreachable from then on
    context = new_context(browser)
    serve_host_page(context, server, queued=queued)
    sessions: list[str] = []

    def down_after_session(route: Route) -> None:
        if route.request.url.endswith("/widget/api/v1/sessions") and not sessions:
            sessions.append(route.request.url)
            route.continue_()
        else:
            route.abort("connectionrefused")

    api_calls = count_requests(context, re.compile(r"/widget/api/"), down_after_session)
    context.route_web_socket(re.compile(r"/widget/ws/"), refuse_socket)
    page_errors, console_errors = record_errors(context)
    page = context.new_page()

    # When a visitor opens the page, opens the chat and writes
    page.goto(f"{server.url}/demo/")
    open_widget(page)
    text = "Is anybody there?"
    send_from_widget(page, text)

    # Then the message stays in the widget while it is retried
    expect(widget_messages(page).filter(has_text=text)).to_be_visible()
    wait_until(page, lambda: sum(url.endswith("/messages") for url in api_calls) >= 2, RETRY_WINDOW_MS * 2)

    # And the site's own content shows and its button works
    expect_host_page_works(page)

    # And no script error reached the page
    page.wait_for_timeout(1_000)
    assert page_errors == [], page_errors
    assert console_errors == [], console_errors


def test_host_page_works_when_the_server_goes_down_after_the_session(browser: Browser, server: DemoServer) -> None:
    server_goes_down_case(browser, server, queued=QUEUED_TRACK)


def test_identify_queued_through_the_stub_raises_nothing_when_the_server_goes_down(
    browser: Browser, server: DemoServer
) -> None:
    server_goes_down_case(browser, server, queued=QUEUED_TRACK + QUEUED_IDENTIFY)
