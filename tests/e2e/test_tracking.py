"""A visitor browses the demo shop: page views, a custom event and a typed email reach their record."""

import json

from playwright.sync_api import Browser, Request, expect

from tests.e2e.conftest import VIEWPORT, DemoServer, django_shell, visitor_token


def visitor_record(server: DemoServer, token: str) -> dict:
    """What the database holds about the visitor of this token: page views, events, first touch, contact."""
    code = (
        "import json\n"
        "from visitors import ingest\n"
        "from visitors.models import Visitor\n"
        "from widget.identity import read_visitor_token\n"
        f"key, visitor_hex = read_visitor_token({token!r})\n"
        "v = Visitor.objects.select_related('contact').get(public_id=visitor_hex)\n"
        "print(json.dumps({\n"
        "  'views': list(v.page_views.order_by('id').values_list('url', 'title', 'duration_seconds')),\n"
        "  'events': list(v.events.order_by('id').values_list('name', 'properties')),\n"
        "  'current_url': v.current_url, 'first_landing_url': v.first_landing_url, 'utm': v.utm,\n"
        "  'browser': v.browser, 'device': v.device, 'time_zone': v.time_zone, 'visit_count': v.visit_count,\n"
        "  'email': v.contact.email if v.contact else None,\n"
        "}))\n"
    )
    return json.loads(django_shell(server, code).strip().splitlines()[-1])


def test_a_visitor_browsing_the_shop_is_tracked_and_a_typed_email_is_captured(
    browser: Browser, server: DemoServer
) -> None:
    # Given a visitor who lands on the shop from a newsletter link, in Almaty
    context = browser.new_context(viewport=VIEWPORT, timezone_id="Asia/Almaty")
    page = context.new_page()
    captures: list[Request] = []
    page.on("request", lambda r: captures.append(r) if r.url.endswith(("/capture", "/identify")) else None)
    page.goto(f"{server.url}/demo/?utm_source=newsletter&utm_campaign=winter")
    expect(page.locator('[data-parley="launcher"]')).to_be_visible()
    token = visitor_token(page)

    # When they type their email into the newsletter field and leave it
    email_box = page.locator("input[name=newsletter]")
    email_box.fill("ada@example.com")
    email_box.press("Tab")
    page.wait_for_timeout(300)

    # And open a product, add it to the cart, and go to the cart
    page.get_by_role("link", name="Stoneware Mug").click()
    page.wait_for_url("**/demo/products/mug/")
    expect(page.locator('[data-parley="launcher"]')).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-added]")).to_be_visible()
    page.get_by_role("link", name="Go to the cart").click()
    page.wait_for_url("**/demo/cart/")
    expect(page.locator('[data-parley="launcher"]')).to_be_visible()
    page.wait_for_timeout(2500)  # the widget sends its batch within 2 s
    context.close()  # page hide: the rest goes with sendBeacon

    # Then the capture call carried the typed email
    sent = [json.loads(r.post_data or "{}") for r in captures]
    assert {"email": "ada@example.com"} in sent, sent

    # And the database has the three page views, the event and the visitor's first touch
    record = visitor_record(server, token)
    urls = [url.removeprefix(server.url) for url, _title, _duration in record["views"]]
    assert urls == ["/demo/?utm_source=newsletter&utm_campaign=winter", "/demo/products/mug/", "/demo/cart/"], urls
    assert record["views"][1][1] == "Stoneware Mug — Demo Shop"
    assert all(duration is not None for _url, _title, duration in record["views"][:2]), record["views"]
    assert record["events"] == [["added_to_cart", {"product": "Stoneware Mug", "price": 18}]]
    assert record["current_url"].endswith("/demo/cart/")
    assert record["first_landing_url"].endswith("/demo/?utm_source=newsletter&utm_campaign=winter")
    assert record["utm"] == {"utm_source": "newsletter", "utm_campaign": "winter"}
    assert (record["device"], record["time_zone"], record["visit_count"]) == ("desktop", "Asia/Almaty", 1)
    assert "Chrome" in record["browser"]
    # And the captured email is the visitor's contact
    assert record["email"] == "ada@example.com"


def test_single_page_navigation_early_calls_and_reset(browser: Browser, server: DemoServer) -> None:
    # Given a page that called Parley.track before the widget loaded (queued by the stub)
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script("window.Parley = {q: [['track', ['early_bird', {source: 'stub'}]]]}")
    page = context.new_page()
    page.goto(f"{server.url}/demo/")
    expect(page.locator('[data-parley="launcher"]')).to_be_visible()
    first_token = visitor_token(page)

    # When the site navigates like a single-page app
    page.evaluate("document.title = 'Checkout step 2'; history.pushState({}, '', '/demo/spa/step-2')")
    page.wait_for_timeout(2500)

    # Then the queued event, the new page view and the time on the first page are stored
    record = visitor_record(server, first_token)
    urls = [url.removeprefix(server.url) for url, _title, _duration in record["views"]]
    assert urls == ["/demo/", "/demo/spa/step-2"], urls
    assert record["views"][0][2] is not None and record["views"][1][1] == "Checkout step 2"
    assert record["events"] == [["early_bird", {"source": "stub"}]]

    # When the site's user logs out
    page.evaluate("Parley.reset()")
    page.wait_for_function(f"() => !Object.values(localStorage).includes({first_token!r})")
    page.wait_for_timeout(2500)

    # Then a new anonymous visitor starts on this page
    second = visitor_record(server, visitor_token(page))
    assert [url.removeprefix(server.url) for url, _t, _d in second["views"]] == ["/demo/spa/step-2"]
    assert second["email"] is None
    context.close()
