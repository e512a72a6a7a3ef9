"""The whole story of a visitor: they browse, add to cart and leave their email; the operator sees it live
and writes to them first."""

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import VIEWPORT, DemoServer, feed, operator_page, panel, widget_messages
from tests.e2e.test_live_visitors import visitor_id_of


def test_the_operator_sees_what_a_visitor_does_and_starts_the_chat(browser: Browser, server: DemoServer) -> None:
    # Given a visitor in Almaty who came from a newsletter
    visitor = browser.new_context(viewport=VIEWPORT, timezone_id="Asia/Almaty").new_page()
    visitor.goto(f"{server.url}/demo/?utm_source=newsletter")
    expect(visitor.locator('[data-parley="launcher"]')).to_be_visible()
    visitor_id = visitor_id_of(visitor)

    # When they leave their email in the newsletter field, open a product, add it to the cart and go to the cart
    visitor.locator("input[name=newsletter]").fill("mia@example.com")
    visitor.locator("input[name=newsletter]").press("Tab")
    visitor.wait_for_timeout(300)  # the capture call leaves before the next page loads
    visitor.get_by_role("link", name="Stoneware Mug").click()
    visitor.wait_for_url("**/demo/products/mug/")
    visitor.get_by_role("button", name="Add to cart").click()
    expect(visitor.locator("[data-added]")).to_be_visible()
    visitor.get_by_role("link", name="Go to the cart").click()
    visitor.wait_for_url("**/demo/cart/")
    expect(visitor.locator('[data-parley="launcher"]')).to_be_visible()

    # Then the operator sees them on the live visitors page: identified by the email, on the cart page
    operator = operator_page(browser, server)
    operator.goto(f"{server.url}/inbox/visitors/")
    row = operator.locator(f'tr[data-visitor="{visitor_id}"]')
    expect(row).to_contain_text("mia@example.com")
    expect(row).to_contain_text("Identified")
    expect(row).to_contain_text("/demo/cart/", timeout=15_000)  # the list refreshes itself every 10 s
    expect(row).to_contain_text("newsletter")
    expect(row).to_contain_text("Kazakhstan")

    # And the card shows the pages they saw and what they added to the cart
    operator.goto(f"{server.url}/inbox/people/{visitor_id}/")
    expect(operator.locator('[data-recent-pages] a[href$="/demo/products/mug/"]')).to_be_visible(timeout=10_000)
    expect(operator.locator('[data-recent-pages] a[href$="/demo/cart/"]')).to_be_visible()
    expect(operator.locator("[data-key-events]")).to_contain_text("added_to_cart", timeout=10_000)

    # When the operator starts a chat from the live visitors page
    operator.goto(f"{server.url}/inbox/visitors/")
    row = operator.locator(f'tr[data-visitor="{visitor_id}"]')
    row.get_by_text("Start chat").click()
    row.locator("textarea[name=text]").fill("Hi Mia! The mug ships tomorrow. Anything else?")
    row.get_by_role("button", name="Send").click()

    # Then it appears in the visitor's widget, on the cart page
    expect(operator).to_have_url(re.compile(r"/inbox/c/[0-9a-f]{32}/$"))
    expect(feed(operator)).to_contain_text("The mug ships tomorrow")
    expect(panel(visitor)).to_be_visible()
    expect(widget_messages(visitor)).to_contain_text(["Hi Mia! The mug ships tomorrow. Anything else?"])
