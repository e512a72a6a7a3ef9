"""An operator sees who is on the site right now and writes to a visitor first."""

import json
import re
import zlib

from django.core.signing import b64_decode
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    DemoServer,
    feed,
    operator_page,
    panel,
    visitor_page,
    visitor_token,
    widget_messages,
)


def visitor_id_of(page: Page) -> str:
    """The visitor's public id, read from the (signed, compressed) token the widget keeps."""
    payload = visitor_token(page).split(":")[0]
    raw = b64_decode(payload.lstrip(".").encode())
    data = json.loads(zlib.decompress(raw) if payload.startswith(".") else raw)
    return str(data[1])


def test_an_operator_sees_a_visitor_on_the_site_and_starts_the_chat(browser: Browser, server: DemoServer) -> None:
    # Given a visitor browsing the demo shop who has not written anything
    visitor = visitor_page(browser, server)
    visitor_id = visitor_id_of(visitor)
    expect(widget_messages(visitor)).to_have_count(0)

    # When the operator opens the live visitors page from the inbox's top bar
    operator = operator_page(browser, server)
    live_link = operator.locator(".topbar__visitors")
    expect(live_link).to_have_text(re.compile(r"Live visitors \([1-9]\d*\)"))
    live_link.click()
    expect(operator).to_have_url(f"{server.url}/inbox/visitors/")

    # Then the visitor is listed, on the shop's page, not identified
    row = operator.locator(f'tr[data-visitor="{visitor_id}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("/demo/")
    expect(row).to_contain_text("Anonymous")

    # When the operator starts a chat with a text
    text = "Hi! Can I help you find the right size?"
    row.get_by_text("Start chat").click()
    row.locator("textarea[name=text]").fill(text)
    row.get_by_role("button", name="Send").click()

    # Then the operator is taken to the new conversation, and the text appears in the visitor's widget
    expect(operator).to_have_url(re.compile(r"/inbox/c/[0-9a-f]{32}/$"))
    expect(feed(operator)).to_contain_text(text)
    expect(panel(visitor)).to_be_visible()
    expect(widget_messages(visitor)).to_have_count(1)
    expect(widget_messages(visitor)).to_contain_text([text])
