"""The README screenshots, taken with the same browser on every run (the images are committed)."""

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import (
    DemoServer,
    add_operators,
    expect_inbox_history,
    expect_widget_history,
    open_conversation,
    open_widget,
    operator_email,
    operator_page,
    reply_from_inbox,
    send_from_widget,
    sign_in,
    visitor_page,
)
from tests.servers import ROOT

SCREENSHOTS = ROOT / "docs" / "screenshots"

OTHER_VISITOR = ["Hi! Is the oak desk tray also available in walnut?"]
EXCHANGE = [
    ("visitor", "Hello! Do you deliver to Almaty? I'd like to order two stoneware mugs."),
    ("operator", "Hi! Yes, we ship to Almaty by courier: 5 to 7 working days, $15 flat."),
    ("visitor", "Great. Can I pay in tenge?"),
    ("operator", "Checkout is in US dollars, and your bank converts at its rate. Anything else I can help with?"),
    ("visitor", "No, that's all. Ordering now, thank you!"),
]


def _fresh(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return path


def test_readme_screenshots(browser: Browser, server: DemoServer) -> None:
    # Given a teammate online, another shopper's open question, and an operator in the inbox
    bea = add_operators(server, "Bea", password="parley-screenshots")["Bea"]
    sign_in(browser, server, operator_email("Bea"), "parley-screenshots")
    other = visitor_page(browser, server)
    open_widget(other)
    send_from_widget(other, OTHER_VISITOR[0])
    expect_widget_history(other, OTHER_VISITOR)
    operator = operator_page(browser, server)

    # When a shopper and the operator talk about delivery to Almaty
    shopper = visitor_page(browser, server)
    open_widget(shopper)
    texts = [text for _, text in EXCHANGE]
    for i, (author, text) in enumerate(EXCHANGE):
        if author == "visitor":
            send_from_widget(shopper, text)
            if i == 0:
                open_conversation(operator, text)
        else:
            reply_from_inbox(operator, text)
        expect_widget_history(shopper, texts[: i + 1])
        expect_inbox_history(operator, texts[: i + 1])

    # And the operator takes the conversation, tags it and leaves a note for the teammate
    operator.get_by_role("button", name="Assign to me").click()
    expect(operator.locator(".feed .msg--system")).to_have_count(1)
    for tag in ("delivery", "almaty"):
        operator.get_by_placeholder("+ tag").fill(tag)
        operator.get_by_placeholder("+ tag").press("Enter")
        expect(operator.locator(".conversation__header .tag", has_text=tag)).to_have_count(1)
    operator.get_by_label("Private note", exact=True).check()
    reply_from_inbox(operator, "@Bea two mugs to Almaty: please pack them with extra padding.")
    operator.locator("form.reply input[name=note][value='']").check()
    expect(operator.locator(f"#presence-{bea}")).to_have_attribute("data-presence", "online")

    # Then the inbox, with the conversation open, is the first screenshot
    expect(operator.locator("#conversation-list .row")).to_have_count(2)
    expect(operator.locator("#conversation-list .row .tag")).to_have_count(2)
    operator.locator("form.reply textarea[name=text]").blur()
    inbox_png = _fresh(SCREENSHOTS / "inbox.png")
    operator.screenshot(path=inbox_png, animations="disabled")

    # And the shop with the widget open on the same exchange is the second
    shopper.locator('[data-parley="input"]').blur()
    shopper.mouse.move(0, 0)
    widget_png = _fresh(SCREENSHOTS / "widget.png")
    shopper.screenshot(path=widget_png, animations="disabled")

    for png in (inbox_png, widget_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert png.stat().st_size > 20_000, f"{png} looks empty"
