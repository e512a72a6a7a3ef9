"""The widget a business configures, as its visitors meet it: welcome messages by page, the offline form,
"get the reply by email", replies while away, languages, the JavaScript API and keyboard-only use.

The demo inbox greets product pages with a welcome of its own (workspaces/demo.py). Settings other tests
need are set through `configure`, and put back after the test.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    VIEWPORT,
    DemoServer,
    django_shell,
    expect_widget_history,
    launcher,
    open_conversation,
    open_widget,
    operator_page,
    panel,
    reply_from_inbox,
    send_from_widget,
    visitor_page,
    widget_messages,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PRODUCT_WELCOME = "Questions about this product? Ask away: we know it well."


def configure(server: DemoServer, **fields: object) -> None:
    """Save the demo inbox's widget settings."""
    django_shell(
        server,
        "from widget.models import WidgetSettings\n"
        f"WidgetSettings.objects.filter(inbox__name='Demo Shop website').update(**{json.dumps(fields)})\n",
    )


@pytest.fixture
def settings_restored(server: DemoServer) -> Iterator[None]:
    yield
    configure(server, availability="always", when_offline="offline_form", email_prompt_seconds=60)


def ask(page: Page, text: str) -> None:
    open_widget(page)
    send_from_widget(page, text)


# Welcome messages


def test_a_product_page_opens_with_its_own_welcome_and_the_operator_reads_what_it_answered(
    browser: Browser, server: DemoServer
) -> None:
    # Given a visitor on a product page, and the shop's front page in another tab
    visitor = visitor_page(browser, server)
    front = visitor.context.new_page()
    front.goto(f"{server.url}/demo/")
    visitor.goto(f"{server.url}/demo/products/mug/")

    # When they open the widget there
    open_widget(visitor)

    # Then the product page's welcome greets them; the front page has none
    welcome = visitor.locator("[data-parley=message][data-welcome]")
    expect(welcome).to_have_text(re.compile(re.escape(PRODUCT_WELCOME)))
    open_widget(front)
    expect(front.locator("[data-parley=message]")).to_have_count(0)

    # When they answer it
    question = "Is the mug dishwasher safe?"
    send_from_widget(visitor, question)

    # Then the welcome is stored before their question, in the widget and in the inbox
    expect_widget_history(visitor, [PRODUCT_WELCOME, question])
    operator = operator_page(browser, server)
    open_conversation(operator, question)
    expect(operator.locator(".feed article.msg .msg__text")).to_have_text([PRODUCT_WELCOME, question])


# Outside business hours


def test_outside_business_hours_a_question_goes_through_the_offline_form_into_the_inbox(
    browser: Browser, server: DemoServer, settings_restored: None
) -> None:
    # Given an inbox whose business hours are over for the week (open only Monday 9:00 to 9:01, Almaty time)
    configure(server, availability="hours", time_zone="Asia/Almaty", weekly_hours={"0": [["09:00", "09:01"]]})
    operator = operator_page(browser, server)
    visitor = visitor_page(browser, server)

    # When a visitor opens the widget
    open_widget(visitor)

    # Then it says the team is away, when it is back, and asks for an email and the question
    away = visitor.locator("[data-parley=away]")
    expect(away).to_be_visible()
    expect(away).to_contain_text("We're offline now.")  # the demo's offline message
    expect(visitor.locator("[data-parley=back-at]")).to_contain_text(re.compile(r"We're back Monday"))
    expect(visitor.locator("[data-parley=input]")).to_be_hidden()

    # When they give a bad email, then a good one with their question
    question = "Do you deliver to Almaty?"
    visitor.locator("[data-parley=away-email]").fill("dana@")
    visitor.locator("[data-parley=away-question]").fill(question)
    visitor.locator("[data-parley=away-send]").click()
    expect(visitor.locator("[data-parley=error]")).to_contain_text("Enter a valid email address")
    visitor.locator("[data-parley=away-email]").fill("dana@example.com")
    visitor.locator("[data-parley=away-send]").click()

    # Then the widget turns into the conversation and confirms where the reply will go
    expect(away).to_be_hidden()
    expect(widget_messages(visitor).first).to_have_text(re.compile(question))
    expect(visitor.locator("[data-parley=panel]")).to_contain_text("Thanks! We'll reply to dana@example.com.")

    # And the operator sees it live as a normal conversation marked offline, with the visitor's email
    row = operator.locator("#conversation-list .row", has_text=question)
    expect(row.locator(".badge--offline")).to_be_visible()
    open_conversation(operator, question)
    expect(operator.locator(".conversation__header .badge--offline")).to_be_visible()
    expect(operator.locator("#conversation-pane")).to_contain_text("dana@example.com")


def test_an_inbox_that_hides_the_widget_when_offline_shows_none(
    browser: Browser, server: DemoServer, settings_restored: None
) -> None:
    # Given an inbox that takes chats only while an operator is online, and hides the widget otherwise,
    # and nobody online (earlier tests' inbox tabs are closed; their presence would time out in 75 s)
    configure(server, availability="presence", when_offline="hide")
    django_shell(server, "from workspaces.models import Member\nMember.objects.update(connected=False)\n")

    # When a visitor comes while nobody is online
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(f"{server.url}/demo/")

    # Then there is no launcher (the page itself is fine)
    expect(page.locator("h1")).to_be_visible()
    page.wait_for_timeout(1500)
    expect(launcher(page)).to_be_hidden()

    # When an operator opens the inbox, a new visitor gets the widget
    operator_page(browser, server)
    visitor_page(browser, server)


# "Get the reply by email"


def test_an_unanswered_visitor_is_asked_for_an_email_that_links_their_contact(
    browser: Browser, server: DemoServer, settings_restored: None
) -> None:
    # Given an inbox that asks after 2 seconds without an answer
    configure(server, email_prompt_seconds=2)
    visitor = visitor_page(browser, server)
    question = "Can I return an opened parcel?"

    # When the visitor's question waits unanswered
    ask(visitor, question)

    # Then the widget asks for their email
    prompt = visitor.locator("[data-parley=prompt]")
    expect(prompt).to_contain_text("Leave your email and get the reply there.")

    # When they leave it
    visitor.locator("[data-parley=prompt-email]").fill("Ola@Example.com")
    visitor.locator("[data-parley=prompt-save]").click()

    # Then it thanks them, stops asking, and the operator sees the email on the card
    expect(visitor.locator("[data-parley=panel]")).to_contain_text("Got it: we'll email you at Ola@Example.com.")
    expect(prompt).to_have_count(0)
    operator = operator_page(browser, server)
    open_conversation(operator, question)
    expect(operator.locator("#conversation-pane")).to_contain_text("ola@example.com")


# Replies while the panel is closed


SOUND_COUNTER = """
window.parleySounds = 0;
const original = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.parleySounds += 1; return original.call(this); };
"""


def test_a_reply_while_the_panel_is_closed_counts_on_the_launcher_and_sounds_unless_muted(
    browser: Browser, server: DemoServer
) -> None:
    # Given a visitor who asked, then closed the panel
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(SOUND_COUNTER)
    visitor = visitor_page(browser, server, context=context)
    question = "Is there a discount for two mugs?"
    ask(visitor, question)
    expect_widget_history(visitor, [question])
    launcher(visitor).click()
    expect(panel(visitor)).to_be_hidden()
    operator = operator_page(browser, server)
    open_conversation(operator, question)

    # When the operator replies twice
    reply_from_inbox(operator, "Yes: 10% off the second one.")
    reply_from_inbox(operator, "Use the code TWOMUGS.")

    # Then the launcher counts both, says so to screen readers, and a sound played for each
    dot = visitor.locator(".dot")
    expect(dot).to_have_text("2")
    expect(launcher(visitor)).to_have_attribute("aria-label", "Open chat (new messages)")
    visitor.wait_for_function("window.parleySounds === 2")

    # When the visitor opens the panel, mutes sounds and closes it again
    launcher(visitor).click()
    expect(dot).to_be_hidden()
    visitor.locator("[data-parley=sound]").click()
    expect(visitor.locator("[data-parley=sound]")).to_have_attribute("aria-pressed", "true")
    launcher(visitor).click()

    # Then a further reply counts but is silent
    reply_from_inbox(operator, "The code works until Sunday.")
    expect(dot).to_have_text("1")
    assert visitor.evaluate("window.parleySounds") == 2


# Languages


def catalogue(language: str) -> dict[str, str]:
    path = Path(__file__).resolve().parents[2] / "widget" / "static" / "widget" / "i18n" / f"{language}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("locale", "direction"), [("ja-JP", "ltr"), ("km-KH", "ltr"), ("ar-EG", "rtl")])
def test_the_widget_speaks_the_browsers_language(
    browser: Browser, server: DemoServer, locale: str, direction: str
) -> None:
    # Given a browser set to this language
    context = browser.new_context(viewport=VIEWPORT, locale=locale)
    visitor = visitor_page(browser, server, context=context)

    # When the visitor opens the widget
    open_widget(visitor)

    # Then its texts come from that language's catalogue and the layout follows its direction
    language = locale.split("-")[0]
    strings = catalogue(language)
    expect(visitor.locator("[data-parley=input]")).to_have_attribute("placeholder", strings["input_placeholder"])
    expect(visitor.locator("[data-parley=title]")).to_have_text(
        "Hi there 👋"
    )  # no texts in this language: the default's
    expect(panel(visitor)).to_have_attribute("dir", direction)
    expect(panel(visitor)).to_have_attribute("lang", language)
    visitor.locator("[data-parley=input]").fill(strings["email_prompt"])
    visitor.screenshot(path=str(SCREENSHOTS / f"widget-{language}.png"), animations="disabled")


def test_the_site_can_switch_the_language_and_listen_to_the_widget(browser: Browser, server: DemoServer) -> None:
    # Given the site listening to the widget's events
    visitor = visitor_page(browser, server)
    visitor.evaluate(
        """() => {
        window.got = [];
        for (const name of ['open', 'close', 'message:sent', 'message:received'])
          Parley.on(name, (detail) => window.got.push([name, detail && detail.text]));
        Parley.on('open', () => { throw new Error('a broken site callback'); });
    }"""
    )

    # When the site opens the panel, switches to German and the visitor and an operator talk
    visitor.evaluate("() => Parley.open()")
    visitor.evaluate("() => Parley.setLanguage('de')")
    expect(visitor.locator("[data-parley=input]")).to_have_attribute(
        "placeholder", catalogue("de")["input_placeholder"]
    )
    question = "Liefern Sie nach Wien?"
    send_from_widget(visitor, question)
    expect_widget_history(visitor, [question])
    operator = operator_page(browser, server)
    open_conversation(operator, question)
    reply_from_inbox(operator, "Ja, in drei Tagen.")
    expect(widget_messages(visitor)).to_have_count(2)
    visitor.evaluate("() => Parley.close()")

    # Then the site heard each, in order, and its broken callback did not stop the widget
    assert visitor.evaluate("window.got") == [
        ["open", None],
        ["message:sent", question],
        ["message:received", "Ja, in drei Tagen."],
        ["close", None],
    ]


# Keyboard only


def test_a_visitor_can_chat_with_the_keyboard_alone(browser: Browser, server: DemoServer) -> None:
    # Given the shop page, with focus on the last of the page's own controls
    visitor = visitor_page(browser, server)
    visitor.locator("body").press("End")

    # When the visitor tabs to the launcher and presses Enter
    for _ in range(40):
        visitor.keyboard.press("Tab")
        if visitor.evaluate("() => document.activeElement && document.activeElement.id === 'parley-widget'"):
            break
    expect(launcher(visitor)).to_be_focused()
    visitor.keyboard.press("Enter")

    # Then the panel opens with the message box focused; Enter sends
    box = visitor.locator("[data-parley=input]")
    expect(box).to_be_focused()
    visitor.keyboard.type("Hello from the keyboard")
    visitor.keyboard.press("Enter")
    expect_widget_history(visitor, ["Hello from the keyboard"])

    # And Escape closes the panel and gives the focus back to the launcher
    visitor.keyboard.press("Escape")
    expect(panel(visitor)).to_be_hidden()
    expect(launcher(visitor)).to_be_focused()


# Rich messages and uploads


def test_an_operators_formatting_and_answer_buttons_work_in_the_widget(browser: Browser, server: DemoServer) -> None:
    # Given a visitor's question open in the inbox
    visitor = visitor_page(browser, server)
    question = "Can I pick the mug up?"
    ask(visitor, question)
    operator = operator_page(browser, server)
    open_conversation(operator, question)

    # When the operator replies with Markdown and two answer buttons
    operator.locator("form.reply details.reply__buttons > summary").click()
    operator.locator("form.reply textarea[name=quick_replies]").fill("Delivery\nPickup")
    reply_from_inbox(operator, "**Yes!** Details: https://example.com/pickup\n- Mon to Fri\n- 9:00 to 18:00")

    # Then the widget shows it formatted, the link safe, and the answers as buttons
    reply = widget_messages(visitor).last
    expect(reply.locator("strong")).to_have_text("Yes!")
    link = reply.locator("a[href='https://example.com/pickup']")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(reply.locator("li")).to_have_text(["Mon to Fri", "9:00 to 18:00"])
    answers = visitor.locator("[data-parley=answer]")
    expect(answers).to_have_text(["Delivery", "Pickup"])

    # When the visitor taps one
    answers.last.click()

    # Then it is sent as their answer, the buttons go, and the operator reads it
    expect(widget_messages(visitor).last).to_have_text(re.compile("Pickup"))
    expect(answers).to_have_count(0)
    expect(operator.locator(".feed article.msg--visitor .msg__text").last).to_have_text("Pickup")


def test_a_card_shows_its_image_title_text_and_link_button(browser: Browser, server: DemoServer) -> None:
    # Given a visitor's conversation with a card in it (sent with the REST API's fields)
    visitor = visitor_page(browser, server)
    question = "Show me the towel"
    ask(visitor, question)
    expect_widget_history(visitor, [question])
    django_shell(
        server,
        "from conversations.actions import reply_to_conversation\n"
        "from conversations.models import Conversation\n"
        "from workspaces.models import Member\n"
        f"conversation = Conversation.objects.get(messages__text={question!r})\n"
        "alex = Member.objects.get(display_name='Alex')\n"
        "reply_to_conversation(alex, conversation, text='', client_id=None, cards=[{'title': 'Linen Tea Towel',"
        " 'text': 'Stonewashed linen, set of two.', 'image_url': '" + server.url + "/demo/towel.jpg',"
        " 'buttons': [{'label': 'View', 'url': '" + server.url + "/demo/products/towel/'}]}])\n",
    )

    # When the visitor comes back to the page
    visitor.reload()
    open_widget(visitor)

    # Then the card shows, and its button is a link to the product
    card = visitor.locator("[data-parley=card]")
    expect(card).to_contain_text("Linen Tea Towel")
    expect(card).to_contain_text("Stonewashed linen, set of two.")
    expect(card.locator("a")).to_have_attribute("href", f"{server.url}/demo/products/towel/")
    expect(card.locator("img")).to_have_count(1)


def test_a_pasted_screenshot_is_sent_like_an_attached_file(browser: Browser, server: DemoServer) -> None:
    # Given a visitor in the chat
    visitor = visitor_page(browser, server)
    open_widget(visitor)

    # When they paste an image into the message box
    visitor.locator("[data-parley=input]").evaluate(
        """async (box) => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 40;
        canvas.getContext('2d').fillRect(0, 0, 40, 40);
        const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
        const data = new DataTransfer();
        data.items.add(new File([blob], 'screenshot.png', { type: 'image/png' }));
        box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }"""
    )

    # Then it is uploaded and shown inline
    image = widget_messages(visitor).last.locator("img[alt='screenshot.png']")
    expect(image).to_be_visible()
    expect(widget_messages(visitor).last).to_have_attribute("data-state", "sent")


# Settings


def test_appearance_set_in_the_settings_shows_in_the_preview_at_once_and_on_the_site_after_saving(
    browser: Browser, server: DemoServer
) -> None:
    # Given the admin on the inbox's appearance page
    admin = operator_page(browser, server)
    admin.goto(f"{server.url}/settings/inboxes/")
    admin.locator("tr", has_text="Demo Shop website").get_by_role("link", name="Set up").click()
    admin.get_by_role("link", name="Appearance").click()
    preview_panel = admin.locator('[data-preview="panel"]')

    # When they pick a light brand colour, the left side, and a new greeting and label
    admin.locator("input[name=colour]").fill("#facc15")
    admin.locator("input[name=position][value=left]").check()
    admin.locator("input[name=greeting_title]").fill("Hello from the shop")
    admin.locator("input[name=launcher_label]").fill("Ask us")

    # Then the preview follows before anything is saved
    expect(preview_panel).to_have_attribute("style", re.compile("--preview-colour: ?#facc15"))
    expect(admin.locator('[data-preview="title"]')).to_have_text("Hello from the shop")
    expect(admin.locator('[data-preview="root"]')).to_have_attribute("data-position", "left")

    # When they save, a visitor's widget has the new look
    admin.get_by_role("button", name=re.compile("Save appearance")).click()
    expect(admin.locator(".notice")).to_be_visible()
    visitor = visitor_page(browser, server)
    expect(launcher(visitor)).to_contain_text("Ask us")
    box = launcher(visitor).bounding_box()
    assert box is not None and box["x"] < VIEWPORT["width"] / 2, "the launcher sits on the left"
    colours = launcher(visitor).evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]")
    assert colours == ["rgb(250, 204, 21)", "rgb(17, 24, 39)"], "brand colour, with dark text that reads on yellow"
    open_widget(visitor)
    expect(visitor.locator("[data-parley=title]")).to_have_text("Hello from the shop")

    # (put the demo's look back for the other tests)
    configure(server, colour="#2563eb", position="right")
    django_shell(
        server,
        "from widget.models import WidgetSettings\n"
        "s = WidgetSettings.objects.get()\n"
        "s.texts['en'].pop('launcher_label', None)\n"
        "s.texts['en']['greeting_title'] = 'Hi there 👋'\n"
        "s.save()\n",
    )


def set_visibility(page: Page, state: str) -> None:
    """What the browser tells a page when its tab goes to the background or comes back (headless tabs never do)."""
    page.evaluate(
        """(state) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
        document.dispatchEvent(new Event('visibilitychange'));
    }""",
        state,
    )


def test_a_reply_to_a_background_tab_flashes_its_title_until_the_page_is_seen(
    browser: Browser, server: DemoServer
) -> None:
    # Given a visitor who asked, then switched to another tab
    visitor = visitor_page(browser, server)
    question = "Do you gift-wrap?"
    ask(visitor, question)
    expect_widget_history(visitor, [question])
    title = visitor.title()
    set_visibility(visitor, "hidden")

    # When the operator replies
    operator = operator_page(browser, server)
    open_conversation(operator, question)
    reply_from_inbox(operator, "We do, for free.")

    # Then the tab's title takes turns with the news
    visitor.wait_for_function("document.title.startsWith('(1) New message')", timeout=5000)

    # And once the visitor is back on the tab, the title is the page's own again
    set_visibility(visitor, "visible")
    visitor.wait_for_function(f"document.title === {title!r}")


def test_a_conversation_started_in_hours_goes_on_normally_after_closing_time(
    browser: Browser, server: DemoServer, settings_restored: None
) -> None:
    # Given a visitor who asked while the shop was open
    visitor = visitor_page(browser, server)
    question = "Is the desk tray oiled?"
    ask(visitor, question)
    expect_widget_history(visitor, [question])

    # When the business hours end and the visitor comes back to the page
    configure(server, availability="hours", weekly_hours={})
    visitor.reload()
    open_widget(visitor)

    # Then the widget shows their conversation and lets them write, not the offline form
    expect_widget_history(visitor, [question])
    expect(visitor.locator("[data-parley=away]")).to_be_hidden()
    send_from_widget(visitor, "Also, does it fit A4?")
    expect_widget_history(visitor, [question, "Also, does it fit A4?"])


def test_the_site_can_fix_the_language_on_the_script_tag(browser: Browser, server: DemoServer) -> None:
    # Given the shop's page with data-lang="tr" on the widget's script tag, in an English browser
    page = browser.new_context(viewport=VIEWPORT, locale="en-US").new_page()

    def with_turkish(route):  # type: ignore[no-untyped-def]
        html = route.fetch().text().replace("data-key=", 'data-lang="tr" data-key=', 1)
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    page.route(f"{server.url}/demo/", with_turkish)
    page.goto(f"{server.url}/demo/")

    # When the visitor opens the widget, it speaks Turkish
    open_widget(page)
    expect(page.locator("[data-parley=input]")).to_have_attribute("placeholder", catalogue("tr")["input_placeholder"])
    expect(panel(page)).to_have_attribute("lang", "tr")
