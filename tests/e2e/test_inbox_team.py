"""A team in the inbox: two operators and their visitors, each in their own browser context.

Alex is the demo workspace's admin; Bea and Cem are agents added for these tests.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Locator, Page, expect

from tests.e2e.conftest import (
    OPERATOR_EMAIL,
    OPERATOR_PASSWORD,
    VIEWPORT,
    DemoServer,
    add_operators,
    conversation_id_of,
    conversation_row,
    expect_inbox_history,
    expect_watching,
    expect_widget_history,
    feed,
    open_widget,
    operator_email,
    operator_page,
    reply_from_inbox,
    send_from_widget,
    sign_in,
    visitor_page,
)
from tests.e2e.conftest import (
    open_conversation as open_row,
)

PASSWORD = "parley-team-e2e"


@pytest.fixture(scope="module")
def team(server: DemoServer) -> dict[str, str]:
    """Bea and Cem join the demo workspace as agents: {name: member id}."""
    return add_operators(server, "Bea", "Cem", password=PASSWORD)


def sign_in_as(browser: Browser, server: DemoServer, name: str, path: str = "/inbox/", **kwargs: object) -> Page:
    return sign_in(browser, server, operator_email(name), PASSWORD, path=path, **kwargs)  # type: ignore[arg-type]


def ask(browser: Browser, server: DemoServer, question: str) -> Page:
    """A new visitor on the shop asks `question` in the widget."""
    visitor = visitor_page(browser, server)
    open_widget(visitor)
    send_from_widget(visitor, question)
    expect_widget_history(visitor, [question])
    return visitor


def row_of(page: Page, text: str) -> Locator:
    """The list row whose last message contains `text` now, followed by its id after the text changes."""
    row = conversation_row(page, text)
    expect(row).to_have_count(1)
    return page.locator(f"#{row.get_attribute('id')}")


def open_conversation(page: Page, text: str) -> str:
    """Click the row whose last message contains `text`, and wait until the page follows it live."""
    conversation = open_row(page, text)
    expect_watching(page)
    return conversation


def reply_box(page: Page) -> Locator:
    return page.locator("form.reply textarea[name=text]")


def header(page: Page) -> Locator:
    return page.locator(".conversation__header")


def activity_lines(page: Page) -> Locator:
    return page.locator(".feed .msg--system")


def add_tag(page: Page, name: str) -> None:
    box = header(page).get_by_placeholder("+ tag")
    box.fill(name)
    box.press("Enter")
    expect(header(page).locator(".tag", has_text=name)).to_have_count(1)


def unread_in_title(page: Page) -> int:
    match = re.match(r"^\((\d+)\) ", page.title())
    return int(match.group(1)) if match else 0


# (a) Filters and search


def test_tabs_and_filters_show_the_right_conversations_live(
    browser: Browser, server: DemoServer, team: dict[str, str]
) -> None:
    # Given two visitors' questions in Alex's inbox
    alex = operator_page(browser, server)
    teapot_visitor = ask(browser, server, "Do you sell the ceramic teapot in blue?")
    ask(browser, server, "How long does delivery to Astana take?")
    teapot, astana = row_of(alex, "ceramic teapot"), row_of(alex, "Astana")

    # When Alex takes the teapot question and tags it
    open_conversation(alex, "ceramic teapot")
    header(alex).get_by_role("button", name="Assign to me").click()
    expect(activity_lines(alex)).to_contain_text(["Alex assigned the conversation to Alex."])
    add_tag(alex, "teapots")

    # Then its row shows the tag and the assignee, live
    expect(teapot.locator(".tag")).to_have_text(["teapots"])
    expect(teapot.locator(".row__assignee")).to_have_text("→ Alex")

    # And Mine lists it and not the other question; Unassigned the other way round
    alex.get_by_role("link", name="Mine", exact=True).click()
    expect(teapot).to_be_visible()
    expect(astana).to_have_count(0)
    alex.get_by_role("link", name="Unassigned", exact=True).click()
    expect(astana).to_be_visible()
    expect(teapot).to_have_count(0)

    # When, with Unassigned shown, the teapot visitor writes again and a third visitor asks
    send_from_widget(teapot_visitor, "Or in green, maybe?")
    ask(browser, server, "Is the linen apron machine washable?")

    # Then the new question arrives live, and the assigned conversation stays out of the list
    expect(row_of(alex, "linen apron")).to_be_visible()
    expect(teapot).to_have_count(0)

    # When Alex filters everyone's conversations by the tag
    alex.get_by_role("link", name="Everyone's", exact=True).click()
    expect(teapot).to_be_visible()
    alex.locator("form.filters select[name=tag]").select_option(label="teapots")

    # Then only the tagged conversation is listed
    expect(alex).to_have_url(re.compile(r"[?&]tag=[0-9a-f]{32}"))
    expect(alex.locator("#conversation-list .row")).to_have_count(1)
    expect(teapot).to_be_visible()

    # When Alex closes it
    teapot.click()
    header(alex).get_by_role("button", name="Close").click()
    expect(header(alex).locator(".badge[data-status]")).to_have_attribute("data-status", "closed")

    # Then the Closed tab lists it and the Open tab no longer does
    alex.get_by_role("link", name="Closed", exact=True).click()
    expect(teapot).to_be_visible()
    expect(astana).to_have_count(0)
    alex.get_by_role("link", name="Open", exact=True).click()
    expect(astana).to_be_visible()
    expect(teapot).to_have_count(0)


def test_search_finds_the_right_conversation_and_keeps_to_its_results(
    browser: Browser, server: DemoServer, team: dict[str, str]
) -> None:
    # Given two visitors' questions
    alex = operator_page(browser, server)
    ask(browser, server, "Do you restock the birch cutting board soon?")
    saucer_visitor = ask(browser, server, "Can I return a cracked saucer from my set?")
    birch, saucer = row_of(alex, "birch cutting board"), row_of(alex, "cracked saucer")

    # When Alex searches for a word of one of them
    search = alex.get_by_role("searchbox", name="Search", exact=True)
    search.fill("saucer")
    search.press("Enter")

    # Then that conversation is found and not the other
    expect(alex).to_have_url(re.compile(r"[?&]q=saucer"))
    expect(saucer).to_be_visible()
    expect(birch).to_have_count(0)
    expect(search).to_have_value("saucer")

    # When a new visitor asks about a saucer too, and then the found visitor writes again
    ask(browser, server, "Do you sell a saucer on its own?")
    send_from_widget(saucer_visitor, "It arrived broken in two.")

    # Then the found row updates in place, and no new row joins the results live
    expect(saucer.locator(".row__last")).to_contain_text("arrived broken in two")
    expect(alex.locator("#conversation-list .row")).to_have_count(1)


# (b) Transfer


def test_transfer_updates_both_operators_live_and_notifies_the_new_assignee(
    browser: Browser, server: DemoServer, team: dict[str, str]
) -> None:
    # Given Alex's conversation with a visitor
    question = "My parcel arrived damaged, who handles refunds?"
    alex = operator_page(browser, server)
    visitor = ask(browser, server, question)
    conversation = open_conversation(alex, question)
    header(alex).get_by_role("button", name="Assign to me").click()
    expect(activity_lines(alex)).to_contain_text(["Alex assigned the conversation to Alex."])

    # And Bea with the same conversation open, her list showing her own conversations
    bea = sign_in_as(browser, server, "Bea", f"/inbox/c/{conversation}/?assignee=me")
    expect_watching(bea)
    expect(feed(bea)).to_contain_text(question)
    bea_row = bea.locator(f"#conv-row-{conversation}")
    expect(bea_row).to_have_count(0)
    expect(bea.locator("#notification-count")).to_be_hidden()

    # When Alex transfers it to Bea with the header's assignee select
    alex.locator("[data-assignee-select]").select_option(label="Bea")

    # Then both feeds show the activity line, without a reload
    line = "Alex transferred the conversation from Alex to Bea."
    expect(activity_lines(alex).last).to_contain_text(line)
    expect(activity_lines(bea).last).to_contain_text(line)

    # And Bea's header and list follow live: she is the assignee and it is now hers
    expect(bea.locator("[data-assignee-select]")).to_have_value(team["Bea"])
    expect(bea_row).to_be_visible()
    expect(bea_row.locator(".row__assignee")).to_have_text("→ Bea")
    expect(alex.locator(f"#conv-row-{conversation}")).to_contain_text("→ Bea")

    # And Bea gets a notification: a toast and the bell's count
    toast = bea.locator("#toasts [data-toast]")
    expect(toast).to_contain_text("Alex assigned")
    expect(toast).to_contain_text("to you")
    expect(bea.locator("#notification-count")).to_have_text("1")

    # When Bea opens the bell
    bea.locator("[data-notifications] > summary").click()

    # Then it lists the assignment and the count is cleared
    expect(bea.locator("#notification-list .notification")).to_contain_text(["Alex assigned"])
    expect(bea.locator("#notification-count")).to_be_hidden()

    # And the visitor never saw the activity lines
    expect_widget_history(visitor, [question])


def test_a_teammates_change_keeps_the_tag_being_typed(
    browser: Browser, server: DemoServer, team: dict[str, str]
) -> None:
    # Given Alex typing a tag on a conversation Bea also has open
    question = "Can I change the size of my order?"
    alex = operator_page(browser, server)
    ask(browser, server, question)
    conversation = open_conversation(alex, question)
    bea = sign_in_as(browser, server, "Bea", f"/inbox/c/{conversation}/")
    expect_watching(bea)
    box = header(alex).get_by_placeholder("+ tag")
    box.fill("sizes")

    # When Bea takes the conversation, which re-renders Alex's header live
    header(bea).get_by_role("button", name="Assign to me").click()
    expect(alex.locator("[data-assignee-select]")).to_have_value(team["Bea"])

    # Then Alex's half-typed tag and the focus survive, and Enter adds it
    expect(box).to_have_value("sizes")
    expect(box).to_be_focused()
    box.press("Enter")
    expect(header(alex).locator(".tag", has_text="sizes")).to_have_count(1)


def test_a_header_rendered_before_the_operators_change_never_undoes_it(
    browser: Browser, server: DemoServer, team: dict[str, str]
) -> None:
    # Given Alex has a conversation open, and its header as it was then
    question = "Do you engrave the trays?"
    alex = operator_page(browser, server)
    ask(browser, server, question)
    conversation = open_conversation(alex, question)
    expect_watching(alex)
    before = header(alex).evaluate("h => h.outerHTML")

    # When Alex assigns it to themself, and that older header arrives late (a watch's catch-up does)
    me = alex.locator(".app").get_attribute("data-me") or ""
    header(alex).get_by_role("button", name="Assign to me").click()
    expect(alex.locator("[data-assignee-select]")).to_have_value(me)
    late = before.replace(f'id="conv-header-{conversation}"', f'id="conv-header-{conversation}" hx-swap-oob="true"')
    alex.evaluate("html => htmx.swap(document.body, html, {swapStyle: 'none'})", late)

    # Then the header still shows the assignment
    expect(alex.locator("[data-assignee-select]")).to_have_value(me)
    expect(header(alex)).to_have_attribute("data-assignee", me)


# (c) Private notes


def test_private_note_shows_to_operators_only(browser: Browser, server: DemoServer, team: dict[str, str]) -> None:
    # Given a conversation open in Alex's and Bea's inboxes
    question = "Can you hold my order until Monday?"
    alex = operator_page(browser, server)
    visitor = ask(browser, server, question)
    conversation = open_conversation(alex, question)
    bea = sign_in_as(browser, server, "Bea", f"/inbox/c/{conversation}/")
    expect_watching(bea)
    expect(feed(bea)).to_contain_text(question)

    # When Alex switches the reply box to a private note
    alex.get_by_label("Private note", exact=True).check()

    # Then the box looks different and says who will see it
    form = alex.locator("form.reply")
    expect(form).to_have_class(re.compile(r"\breply--note\b"))
    expect(reply_box(alex)).to_have_attribute("placeholder", re.compile(r"^Private note — only your team sees it"))
    expect(reply_box(alex)).to_have_css("background-color", "rgb(255, 249, 219)")

    # When Alex sends a note mentioning Bea
    note = "@Bea this is a regular customer, please hold it for her"
    reply_from_inbox(alex, note)

    # Then both operators see it, marked as a private note, and Bea is notified of the mention
    for page in (alex, bea):
        shown = page.locator(".feed .msg--private").filter(has_text=note)
        expect(shown).to_be_visible()
        expect(shown.locator(".badge--note")).to_have_text("Private note")
        expect(shown.locator(".msg__text")).to_have_css("background-color", "rgb(255, 249, 219)")
    expect(bea.locator("#toasts [data-toast]")).to_contain_text("Alex mentioned you in a note")

    # And Alex's box stays in note mode after sending
    expect(alex.get_by_label("Private note", exact=True)).to_be_checked()
    expect(form).to_have_class(re.compile(r"\breply--note\b"))

    # When Alex switches back and replies
    alex.locator("form.reply input[name=note][value='']").check()
    expect(form).not_to_have_class(re.compile(r"\breply--note\b"))
    answer = "Of course, we'll hold it until Monday."
    reply_from_inbox(alex, answer)

    # Then the visitor gets the reply and never the note, also after reloading the shop
    expect_widget_history(visitor, [question, answer])
    expect(bea.locator(".feed .msg__text").filter(has_text=answer)).to_be_visible()
    visitor.reload()
    open_widget(visitor)
    expect_widget_history(visitor, [question, answer])


# (d) Reply templates


def test_reply_templates_are_saved_and_picked_with_slash(
    browser: Browser, server: DemoServer, team: dict[str, str]
) -> None:
    # Given a visitor's question open in Alex's inbox
    question = "Hi, is anyone there?"
    alex = operator_page(browser, server)
    visitor = ask(browser, server, question)
    open_conversation(alex, question)
    box, status = reply_box(alex), alex.locator("form.reply .reply__status")

    def save_as_template(text: str, shortcut: str) -> None:
        box.fill(text)
        prompts: list[str] = []

        def answer(dialog: Dialog) -> None:
            prompts.append(dialog.type)
            dialog.accept(shortcut)

        alex.once("dialog", answer)
        alex.get_by_role("button", name="Save as template").click()
        expect(status).to_be_visible()
        assert prompts == ["prompt"], prompts

    # When Alex saves two templates from the reply box, one with the operator's name as a placeholder
    save_as_template("Hi, I'm {{operator.name}} from the shop. How can I help?", "greet")
    expect(status).to_have_text("Saved as /greet.")
    save_as_template("Good evening! {{operator.name}} here.", "greet-evening")
    expect(status).to_have_text("Saved as /greet-evening.")

    # And tries a shortcut that is taken
    save_as_template("Something else", "greet")

    # Then the error says so
    expect(status.locator(".alert")).to_contain_text("/greet is already used")

    # When Alex types "/" and the start of a shortcut
    box.fill("")
    box.press_sequentially("/gre")

    # Then the picker lists both templates, the first selected, placeholders filled in
    items = alex.locator("[data-template-picker] .template-picker__item")
    expect(items).to_have_count(2)
    expect(items.first).to_have_attribute("aria-selected", "true")
    expect(items).to_contain_text(["Hi, I'm Alex from the shop.", "Good evening! Alex here."])

    # And the arrow keys move the selection
    box.press("ArrowDown")
    expect(items.nth(1)).to_have_attribute("aria-selected", "true")
    expect(items.first).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    expect(items.first).to_have_attribute("aria-selected", "true")

    # And Escape closes the picker, keeping what was typed
    box.press("Escape")
    expect(alex.locator("[data-template-picker]")).to_be_hidden()
    expect(box).to_have_value("/gre")

    # When Alex narrows it down to one and picks it with Enter
    box.fill("")
    box.press_sequentially("/greet")
    expect(items.first).to_contain_text("/greet")
    box.press("Enter")

    # Then the template replaces "/greet", filled in, and is not sent yet
    expect(box).to_have_value("Hi, I'm Alex from the shop. How can I help?")
    expect(alex.locator("[data-template-picker]")).to_be_hidden()

    # When Alex presses Enter again
    box.press("Enter")

    # Then the visitor gets it
    expect_widget_history(visitor, [question, "Hi, I'm Alex from the shop. How can I help?"])


# (e) The visitor's live draft


def visitor_types(visitor: Page, text: str) -> None:
    """The visitor's draft in the widget's box (the widget sends it over its socket as they type)."""
    visitor.locator('[data-parley="input"]').fill(text)


def test_operator_sees_the_visitors_draft_live(browser: Browser, server: DemoServer, team: dict[str, str]) -> None:
    # Given a conversation open in Alex's inbox
    question = "Quick question about apron sizes"
    alex = operator_page(browser, server)
    visitor = ask(browser, server, question)
    conversation = open_conversation(alex, question)
    draft = alex.locator(f"#typing-{conversation}")
    expect(draft).to_be_hidden()

    # When the visitor types
    visitor_types(visitor, "Is the apron one size fi")

    # Then Alex sees the draft under the conversation as it is typed
    expect(draft).to_be_visible()
    expect(draft).to_contain_text("Is the apron one size fi")
    visitor_types(visitor, "Is the apron one size fits all?")
    expect(draft).to_contain_text("Is the apron one size fits all?")

    # When the visitor clears the box, the draft goes away; it comes back as they type again
    visitor_types(visitor, "")
    expect(draft).to_be_hidden()
    visitor_types(visitor, "Is the apron one size fits all?")
    expect(draft).to_be_visible()

    # When the visitor sends the message
    send_from_widget(visitor, "Is the apron one size fits all?")

    # Then it shows as a message and the draft is hidden
    expect_inbox_history(alex, [question, "Is the apron one size fits all?"])
    expect(draft).to_be_hidden()

    # When Alex starts a reply, Then the visitor's widget says Alex is typing
    reply_box(alex).press_sequentially("Yes, it fits")
    expect(visitor.get_by_role("status")).to_contain_text("Alex is typing")


def test_private_note_does_not_tell_the_visitor_someone_is_typing(
    browser: Browser, server: DemoServer, team: dict[str, str]
) -> None:
    # Given a conversation open in Alex's inbox, Alex writing a private note
    question = "Is the teapot lid sold separately?"
    alex = operator_page(browser, server)
    visitor = ask(browser, server, question)
    open_conversation(alex, question)
    alex.get_by_label("Private note", exact=True).check()
    alex.evaluate(
        """() => { window.__sentFrames = []; const send = WebSocket.prototype.send;
                   WebSocket.prototype.send = function (data) {
                       window.__sentFrames.push(String(data)); return send.call(this, data); }; }"""
    )
    typing_frames = "() => window.__sentFrames.filter(f => JSON.parse(f).type === 'typing').length"

    # When Alex types the note
    reply_box(alex).press_sequentially("Check stock first")
    expect(reply_box(alex)).to_have_value("Check stock first")

    # Then nothing tells the visitor
    assert alex.evaluate(typing_frames) == 0

    # When Alex switches to a reply and types, Then the visitor sees Alex typing
    alex.locator("form.reply input[name=note][value='']").check()
    reply_box(alex).press_sequentially(" — yes, it is")
    alex.wait_for_function(f"({typing_frames})() > 0")
    expect(visitor.get_by_role("status")).to_contain_text("Alex is typing")


# (f) Presence


def test_teammates_presence_updates_live(browser: Browser, server: DemoServer, team: dict[str, str]) -> None:
    # Given Alex in the inbox, and Cem, who has not opened it yet
    alex = operator_page(browser, server)
    cem = alex.locator(f"#presence-{team['Cem']}")
    expect(cem).to_have_attribute("data-presence", "away")
    grey = cem.evaluate("el => getComputedStyle(el, '::before').backgroundColor")

    # When Cem opens the inbox
    cem_page = sign_in_as(browser, server, "Cem")

    # Then Alex sees Cem online, without a reload
    expect(cem).to_have_attribute("data-presence", "online")
    expect(cem).to_have_attribute("title", re.compile(r"Cem: online"))
    green = cem.evaluate("el => getComputedStyle(el, '::before').backgroundColor")
    assert green != grey, "the online dot looks like the away dot"

    # When Cem sets themselves away
    set_availability(cem_page, "away")

    # Then Alex sees Cem away, live; and online again when Cem is back
    expect(cem).to_have_attribute("data-presence", "away")
    set_availability(cem_page, "online")
    expect(cem).to_have_attribute("data-presence", "online")


def set_availability(page: Page, value: str) -> None:
    """Choose in the top bar's availability select, and wait for the server's answer to replace it."""
    form = page.locator("#my-availability")
    form.evaluate("el => el.dataset.before = 'yes'")
    form.locator("[data-availability]").select_option(value)
    expect(page.locator("#my-availability:not([data-before])")).to_have_count(1)
    expect(form.locator("[data-availability]")).to_have_value(value)


def test_inbox_sends_heartbeats_while_open(browser: Browser, server: DemoServer, team: dict[str, str]) -> None:
    # Given Bea's inbox, with a clock the test controls
    context = browser.new_context(viewport=VIEWPORT)
    context.clock.install()
    page = context.new_page()
    with page.expect_websocket(lambda ws: "/inbox/ws/" in ws.url) as opened:
        sign_in_as(browser, server, "Bea", page=page)
    socket = opened.value

    # When 25 seconds pass, Then the page tells the server it is still open (presence)
    with socket.expect_event("framesent", lambda payload: '"heartbeat"' in str(payload)):
        page.clock.fast_forward("00:26")


# Notifications, unread counts, read receipts


NOTIFICATION_SPY = """
window.__notifications = [];
window.__beeps = 0;
window.Notification = class {
    static permission = "granted";
    static requestPermission() { return Promise.resolve("granted"); }
    constructor(title, options) { window.__notifications.push({title, body: (options || {}).body}); }
    close() {}
};
const node = () => ({connect: next => next, start() {}, stop() {}, frequency: {}, gain: {
    setValueAtTime() {}, exponentialRampToValueAtTime() {}}});
window.AudioContext = class {
    constructor() { this.state = "running"; this.currentTime = 0; this.destination = {}; }
    resume() {}
    createOscillator() { window.__beeps += 1; return node(); }
    createGain() { return node(); }
};
"""


def spied_context(browser: Browser) -> BrowserContext:
    """A browser context whose desktop notifications and sounds the test can see."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(NOTIFICATION_SPY)
    return context


def test_new_visitor_message_notifies_counts_unread_and_is_marked_read_when_opened(
    browser: Browser, server: DemoServer, team: dict[str, str]
) -> None:
    # Given Alex on the inbox list, desktop notifications allowed
    alex = operator_page(browser, server, context=spied_context(browser))
    unread_before = unread_in_title(alex)

    # When a visitor asks a question
    question = "Do you have gift cards?"
    visitor = ask(browser, server, question)

    # Then a desktop notification names the visitor and shows the message, with a sound
    row = row_of(alex, question)
    alex.wait_for_function("() => window.__notifications.length === 1")
    name = row.get_attribute("data-name")
    assert name and name.startswith("Visitor")
    assert alex.evaluate("window.__notifications") == [{"title": name, "body": question}]
    assert alex.evaluate("window.__beeps") > 0

    # And the row is bold with its unread count, waiting, and the tab title counts it
    expect(row).to_have_class(re.compile(r"\brow--unread\b"))
    expect(row.locator(".row__unread")).to_have_text("1")
    expect(row.locator(".row__name")).to_have_css("font-weight", "700")
    expect(row.locator("[data-waiting-since]")).to_have_text(re.compile(r"^waiting (<1m|\dm)$"))
    expect(alex).to_have_title(re.compile(rf"^\({unread_before + 1}\) Inbox"))

    # When Alex opens the conversation
    open_conversation(alex, question)

    # Then it is marked read: the count leaves the row and the title
    expect(row.locator(".row__unread")).to_have_count(0)
    expect(row).not_to_have_class(re.compile(r"\brow--unread\b"))
    expect(alex).to_have_title(re.compile(r"^Inbox") if unread_before == 0 else re.compile(rf"^\({unread_before}\) "))

    # And the feed starts with a "Today" separator
    expect(alex.locator(".feed .feed__day")).to_have_text(["Today"])

    # When the visitor writes again while Alex is looking at the conversation
    send_from_widget(visitor, "A 50 dollar one, please.")

    # Then it shows, is read at once, raises no notification, and the day separator is not repeated
    expect_inbox_history(alex, [question, "A 50 dollar one, please."])
    expect(row.locator(".row__last")).to_contain_text("A 50 dollar one")
    expect(row.locator(".row__unread")).to_have_count(0)
    assert alex.evaluate("window.__notifications.length") == 1
    expect(alex.locator(".feed .feed__day")).to_have_text(["Today"])


def test_toast_for_a_mention_stays_a_few_seconds_and_raises_a_desktop_notification(
    browser: Browser, server: DemoServer, team: dict[str, str]
) -> None:
    # Given Bea in the inbox with her clock under the test's control, and Alex on a conversation
    question = "Can I change the engraving text?"
    visitor = ask(browser, server, question)
    bea_context = spied_context(browser)
    bea_context.clock.install()
    bea = sign_in_as(browser, server, "Bea", context=bea_context)
    alex = operator_page(browser, server)
    open_conversation(alex, question)
    count_before = int(bea.locator("#notification-count").text_content() or 0)

    # When Alex mentions Bea in a note
    alex.get_by_label("Private note", exact=True).check()
    reply_from_inbox(alex, "@Bea can you check the engraving queue?")

    # Then Bea gets a toast and the bell counts it
    toast = bea.locator("#toasts [data-toast]")
    expect(toast).to_contain_text("Alex mentioned you in a note")
    expect(toast).to_contain_text("can you check the engraving queue?")
    expect(bea.locator("#notification-count")).to_have_text(str(count_before + 1))

    # And 8 seconds later the toast is gone
    bea.clock.fast_forward("00:09")
    expect(toast).to_have_count(0)
    expect_widget_history(visitor, [question])


# Keyboard, snooze


def test_keyboard_shortcuts(browser: Browser, server: DemoServer, team: dict[str, str]) -> None:
    # Given two visitors' questions and Alex on the list
    alex = operator_page(browser, server)
    ask(browser, server, "Keyboard question one: is the tray oak?")
    ask(browser, server, "Keyboard question two: is the vase glass?")
    expect(alex.locator("#conversation-list .row").first).to_contain_text("Keyboard question two")

    # When Alex presses j, j, k
    alex.keyboard.press("j")
    expect(feed(alex)).to_contain_text("Keyboard question two")
    alex.keyboard.press("j")
    expect(feed(alex)).to_contain_text("Keyboard question one")
    alex.keyboard.press("k")

    # Then the list moved down and back up, opening each conversation
    expect(feed(alex)).to_contain_text("Keyboard question two")
    expect(alex.locator("#conversation-list .row--active")).to_contain_text("Keyboard question two")
    conversation = conversation_id_of(alex)

    # When Alex presses a, then c
    alex.keyboard.press("a")
    me = alex.locator(".app").get_attribute("data-me")
    expect(alex.locator("[data-assignee-select]")).to_have_value(me or "")
    alex.keyboard.press("c")

    # Then the conversation is assigned to Alex and closed
    expect(header(alex).locator(".badge[data-status]")).to_have_attribute("data-status", "closed")
    expect(alex.locator(f"#conv-row-{conversation}")).to_have_count(0)

    # When Alex presses /, then types
    alex.keyboard.press("/")
    search = alex.get_by_role("searchbox", name="Search", exact=True)
    expect(search).to_be_focused()
    alex.keyboard.type("vase")
    expect(search).to_have_value("vase")

    # And shortcuts do not fire while typing in a box
    expect(header(alex).locator(".badge[data-status]")).to_have_attribute("data-status", "closed")
    search.blur()

    # When Alex presses ?
    alex.keyboard.press("?")

    # Then a help overlay lists the shortcuts, and Escape closes it
    help_overlay = alex.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_overlay).to_be_visible()
    expect(help_overlay).to_contain_text("Next conversation")
    alex.keyboard.press("Escape")
    expect(help_overlay).to_be_hidden()


def test_snooze_until_a_chosen_time_in_the_operators_time_zone(
    browser: Browser, server: DemoServer, team: dict[str, str]
) -> None:
    # Given Alex in India (UTC+05:30) with a visitor's question open
    question = "Can you call me back about a bulk order?"
    ask(browser, server, question)
    context = browser.new_context(viewport=VIEWPORT, timezone_id="Asia/Kolkata")
    alex = operator_page(browser, server, context=context)
    open_conversation(alex, question)

    # When Alex snoozes it until 09:30 the day after tomorrow, their time
    day = (datetime.now(UTC) + timedelta(hours=5, minutes=30) + timedelta(days=2)).date().isoformat()
    alex.locator("[data-snooze] > summary").click()
    alex.locator("[data-snooze-until]").fill(f"{day}T09:30")

    # Then the form carries the time with Alex's UTC offset
    expect(alex.locator("[data-snooze] input[name=until]")).to_have_value(f"{day}T09:30:00+05:30")

    # When Alex confirms
    alex.locator("[data-snooze-custom]").click()

    # Then the conversation is snoozed until that time, shown in Alex's time zone
    expect(header(alex).locator(".badge[data-status]")).to_have_attribute("data-status", "snoozed")
    until = header(alex).locator("time[data-local]")
    expect(until).to_contain_text("09:30")
    assert (until.get_attribute("datetime") or "").startswith(f"{day}T04:00:00"), until.get_attribute("datetime")


def test_a_russian_operator_gets_the_inbox_scripts_words_in_russian(browser: Browser, server: DemoServer) -> None:
    # Given an operator whose browser prefers Russian, signed in
    page = browser.new_context(viewport=VIEWPORT, locale="ru-RU").new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.locator("input[name=username]").fill(OPERATOR_EMAIL)
    page.locator("input[name=password]").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Войти", exact=True).click()
    page.wait_for_url(f"{server.url}/inbox/")

    # When they ask for the keyboard shortcuts
    page.locator("body").press("?")

    # Then the help the script draws speaks Russian too
    help_overlay = page.get_by_role("dialog", name="Сочетания клавиш")
    expect(help_overlay).to_contain_text("Следующий разговор")
    expect(help_overlay).to_contain_text("Шаблоны ответов")
