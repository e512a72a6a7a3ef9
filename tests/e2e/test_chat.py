"""A visitor on the demo shop and an operator in the inbox, chatting live in two browser contexts."""

import json
import re
from urllib.parse import quote

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, Route, WebSocketRoute, expect
from websockets.sync.client import connect
from websockets.typing import Origin

from tests.e2e.conftest import (
    LIVE_MS,
    RECONNECT_MS,
    VIEWPORT,
    DemoServer,
    Stopwatch,
    conversation_row,
    demo_server,
    expect_inbox_history,
    expect_live,
    expect_widget_history,
    feed_messages,
    launcher,
    new_context,
    open_conversation,
    open_widget,
    operator_page,
    reply_from_inbox,
    send_from_widget,
    visitor_page,
    visitor_token,
    widget_api,
    widget_messages,
)
from tests.servers import parley

XSS = "<script>window.__xss=1</script><b>bold</b>"


def start_conversation(
    browser: Browser,
    server: DemoServer,
    question: str,
    *,
    visitor_context: BrowserContext | None = None,
    operator_context: BrowserContext | None = None,
) -> tuple[Page, Page]:
    """A new visitor asks `question`; the signed-in operator has the conversation open."""
    operator = operator_page(browser, server, context=operator_context)
    visitor = visitor_page(browser, server, context=visitor_context)
    open_widget(visitor)
    send_from_widget(visitor, question)
    expect_widget_history(visitor, [question])
    open_conversation(operator, question)
    return visitor, operator


def mark_document(page: Page) -> None:
    """Tag the loaded document; `same_document` then tells whether the page was reloaded since."""
    page.evaluate("window.__parleyTestDocument = true")


def same_document(page: Page) -> bool:
    return page.evaluate("window.__parleyTestDocument === true") is True


def test_visitor_and_operator_chat_live_then_history_survives_reloads(browser: Browser, server: DemoServer) -> None:
    # Given an operator on the inbox and a new visitor on the demo shop
    operator = operator_page(browser, server)
    visitor = visitor_page(browser, server)
    mark_document(operator)
    mark_document(visitor)

    # Then the chat launcher sits in the bottom-right corner of the shop
    box = launcher(visitor).bounding_box()
    assert box is not None
    assert box["x"] >= VIEWPORT["width"] / 2 and box["y"] >= VIEWPORT["height"] / 2, box
    assert box["x"] + box["width"] <= VIEWPORT["width"] and box["y"] + box["height"] <= VIEWPORT["height"], box

    # When the visitor opens the chat, types a question and presses Enter
    open_widget(visitor)
    question = "Hello! Do you deliver to Almaty?"
    clock = Stopwatch()
    send_from_widget(visitor, question)

    # Then the new conversation appears at the top of the operator's list, without a reload
    expect(operator.locator("#conversation-list .row").first).to_contain_text(question)
    print(f"\nvisitor message -> new row in the inbox: {clock.ms()} ms")
    expect_widget_history(visitor, [question])

    # When the operator opens it and replies with Enter
    open_conversation(operator, question)
    expect_inbox_history(operator, [question])
    answer = "Yes, we ship to Almaty: 5 to 7 working days."
    clock = Stopwatch()
    reply_from_inbox(operator, answer)

    # Then the reply shows in the widget, without a reload
    expect(widget_messages(visitor).filter(has_text=answer)).to_be_visible(timeout=LIVE_MS)
    print(f"operator reply -> widget: {clock.ms()} ms")
    expect_widget_history(visitor, [question, answer])
    expect_inbox_history(operator, [question, answer])
    assert same_document(visitor) and same_document(operator), "a page was reloaded"

    # When the visitor reloads the shop
    visitor.reload()

    # Then the widget shows the whole conversation, in order, once each
    open_widget(visitor)
    expect_widget_history(visitor, [question, answer])

    # When the visitor comes back later in a new tab of the same browser
    visitor.close()
    second_visit = visitor_page(browser, server, context=visitor.context)
    open_widget(second_visit)

    # Then the history is there too
    expect_widget_history(second_visit, [question, answer])


def test_widget_catches_up_after_the_visitors_network_drops(browser: Browser, server: DemoServer) -> None:
    # Given a conversation open on both sides
    question = "Is the stoneware mug dishwasher safe?"
    visitor, operator = start_conversation(browser, server, question)

    # When the visitor's network drops and the operator replies twice meanwhile
    visitor.context.set_offline(True)
    first, second = "Yes, it is dishwasher safe.", "Microwave safe as well."
    reply_from_inbox(operator, first)
    reply_from_inbox(operator, second)
    expect_inbox_history(operator, [question, first, second])
    expect(widget_messages(visitor)).to_have_count(1)  # the drop is real: nothing reached the widget

    # And the network comes back
    visitor.context.set_offline(False)

    # Then both replies show in the widget, once each and in order
    expect_widget_history(visitor, [question, first, second])


def test_inbox_catches_up_after_the_operators_network_drops(browser: Browser, server: DemoServer) -> None:
    # Given a conversation open on both sides
    question = "Can I change the delivery address of my order?"
    visitor, operator = start_conversation(browser, server, question)

    # When the operator's network drops and the visitor writes twice meanwhile
    operator.context.set_offline(True)
    first, second = "It is order 1042.", "The new address is Abay Avenue 10."
    send_from_widget(visitor, first)
    send_from_widget(visitor, second)
    expect_widget_history(visitor, [question, first, second])
    expect(feed_messages(operator)).to_have_count(1)  # the drop is real: nothing reached the inbox

    # And the network comes back
    operator.context.set_offline(False)

    # Then the inbox shows both messages once each, in order, and the row shows the latest
    expect_inbox_history(operator, [question, first, second])
    expect(conversation_row(operator, second)).to_have_count(1)


def test_pages_pick_up_after_a_server_restart(browser: Browser) -> None:
    with demo_server() as server:
        # Given a conversation open on both sides, and an API token of the operator's
        question = "Do you have the oak desk tray in stock?"
        visitor, operator = start_conversation(browser, server, question)
        conversation_id = operator.url.rstrip("/").rsplit("/", 1)[1]
        api_token = parley(
            server.env,
            "shell",
            "-c",
            "from accounts.actions import issue_api_token; from workspaces.models import Member; "
            "print(issue_api_token(Member.objects.get(user__email='operator@demo.parley.local'), name='e2e').raw)",
        ).split()[-1]
        visitor_api = widget_api(server, visitor)

        # When the server process stops
        server.stop()
        expect(operator.locator("body")).not_to_have_class(re.compile(r"\blive\b"))

        # And starts again on the same port and data, and before the pages are back
        # the visitor writes from another tab and the operator through the REST API
        server.start()
        clock = Stopwatch()
        from_other_tab = "I'm writing from my phone too."
        sent = visitor_api.post("/messages", json={"client_id": "phone-1", "text": from_other_tab})
        assert sent.status_code == 201, sent.text
        from_rest = "Yes, three left in stock."
        sent = httpx.post(
            f"{server.url}/api/v1/conversations/{conversation_id}/messages",
            json={"text": from_rest},
            headers={"Authorization": f"Bearer {api_token}"},
        )
        assert sent.status_code == 201, sent.text

        # Then both pages, back on their own, show what was sent meanwhile once, in order
        expect_live(operator, timeout=RECONNECT_MS)
        expect(feed_messages(operator)).to_have_count(3, timeout=RECONNECT_MS)
        expect(widget_messages(visitor)).to_have_count(3, timeout=RECONNECT_MS)
        print(f"\nrestart: both pages caught up {clock.ms()} ms after the server was healthy")
        expect_inbox_history(operator, [question, from_other_tab, from_rest])
        expect_widget_history(visitor, [question, from_other_tab, from_rest])

        # And what each side sends now reaches the other live
        after_visitor = "Great, I'll order one."
        send_from_widget(visitor, after_visitor)
        expect_inbox_history(operator, [question, from_other_tab, from_rest, after_visitor])
        after_operator = "Thank you! It ships tomorrow."
        reply_from_inbox(operator, after_operator)
        expect_widget_history(visitor, [question, from_other_tab, from_rest, after_visitor, after_operator])
        visitor_api.close()


def test_send_retried_after_a_lost_response_is_stored_once(browser: Browser, server: DemoServer) -> None:
    # Given an operator on the inbox, and a visitor whose first send of a message
    # reaches the server but whose browser never hears back: the response is lost
    # and so is the socket's echo of it
    operator = operator_page(browser, server)
    context = new_context(browser)
    text = "Do you gift-wrap orders?"
    attempts: list[tuple[str, int]] = []

    def lose_first_response(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch()
        attempts.append((json.loads(route.request.post_data or "{}")["client_id"], response.status))
        if len(attempts) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    dropped: list[str] = []

    def lose_first_echo(ws: WebSocketRoute) -> None:
        server_side = ws.connect_to_server()

        def to_page(frame: str | bytes) -> None:
            data = json.loads(frame)
            if data.get("type") == "message.created" and data["message"]["text"] == text and not dropped:
                dropped.append(data["message"]["client_id"])
                return
            ws.send(frame)

        server_side.on_message(to_page)

    context.route("**/widget/api/v1/messages", lose_first_response)
    context.route_web_socket(re.compile(r"/widget/ws/"), lose_first_echo)
    visitor = visitor_page(browser, server, context=context)

    # When the visitor sends the message
    open_widget(visitor)
    send_from_widget(visitor, text)

    # Then the widget retries with the same client_id, the server answers that it
    # already has it, and the widget shows the message once
    expect_widget_history(visitor, [text])
    assert len(attempts) == 2, attempts
    (first_id, first_status), (retry_id, retry_status) = attempts
    assert (first_status, retry_status) == (201, 200)
    assert first_id == retry_id
    assert dropped == [first_id]
    expect(widget_messages(visitor)).to_have_attribute("data-client-id", first_id)

    # And the inbox shows it once
    expect(conversation_row(operator, text)).to_have_count(1)
    open_conversation(operator, text)
    expect_inbox_history(operator, [text])

    # And the visitor's history from the widget API has it once
    with widget_api(server, visitor) as api:
        history = api.get("/messages", params={"after": 0}).json()
    assert [(m["text"], m["client_id"]) for m in history["messages"]] == [(text, first_id)]


def hold_first_frame(context: BrowserContext, socket_url: str, containing: str) -> None:
    """Proxy the context's socket at `socket_url`; the first frame from the server containing `containing`
    reaches the page only after the frame that follows it, as when a later event overtakes an earlier one."""

    def handler(ws: WebSocketRoute) -> None:
        server_side = ws.connect_to_server()
        held: list[str | bytes] = []
        done = False

        def to_page(frame: str | bytes) -> None:
            nonlocal done
            text = frame if isinstance(frame, str) else frame.decode()
            if not done and not held and containing in text:
                held.append(frame)
                return
            ws.send(frame)
            if held:
                ws.send(held.pop())
                done = True

        server_side.on_message(to_page)

    context.route_web_socket(re.compile(re.escape(socket_url)), handler)


def test_messages_overtaken_on_the_way_still_show_in_order(browser: Browser, server: DemoServer) -> None:
    # Given a conversation open on both sides, where on each side the push of the next
    # message will be overtaken by the push of the one after it
    first_reply, second_reply = "We have it in grey and in sand.", "Both in stock."
    first_follow_up, second_follow_up = "Grey, please.", "Can it arrive by Friday?"
    visitor_context = new_context(browser)
    operator_context = new_context(browser)
    hold_first_frame(visitor_context, "/widget/ws/", first_reply)
    hold_first_frame(operator_context, "/inbox/ws/", first_follow_up)
    question = "What colours does the linen tea towel come in?"
    visitor, operator = start_conversation(
        browser, server, question, visitor_context=visitor_context, operator_context=operator_context
    )

    # When the operator replies twice
    reply_from_inbox(operator, first_reply)
    reply_from_inbox(operator, second_reply)

    # Then the widget shows both replies once each, in the order they were written
    expect_widget_history(visitor, [question, first_reply, second_reply])

    # When the visitor writes twice
    send_from_widget(visitor, first_follow_up)
    send_from_widget(visitor, second_follow_up)

    # Then the inbox shows both once each, in order, and the row shows the latest
    history = [question, first_reply, second_reply, first_follow_up, second_follow_up]
    expect_inbox_history(operator, history)
    expect(operator.locator("#conversation-list .row").first).to_contain_text(second_follow_up)
    expect_widget_history(visitor, history)


def test_closed_conversation_reopens_when_the_visitor_writes_again(browser: Browser, server: DemoServer) -> None:
    # Given a conversation open on both sides, the inbox listing open conversations
    question = "Thanks, that's all I needed."
    visitor, operator = start_conversation(browser, server, question)
    header = operator.locator(".conversation__header")
    row = conversation_row(operator, question)
    expect(row).to_have_count(1)
    mark_document(operator)

    # When the operator clicks Close
    header.get_by_role("button", name="Close").click()

    # Then the badge says Closed, the row leaves the Open list and the widget says so
    expect(header.locator(".badge[data-status]")).to_have_attribute("data-status", "closed")
    expect(header.locator(".badge[data-status]")).to_have_text("Closed")
    expect(header.get_by_role("button", name="Reopen")).to_be_visible()
    expect(row).to_have_count(0)
    expect(visitor.get_by_role("status")).to_contain_text("closed")

    # When the visitor writes again
    again = "Actually, one more question: do you sell gift cards?"
    send_from_widget(visitor, again)

    # Then the conversation is open again in the inbox, live: badge, list row and message
    expect(header.locator(".badge[data-status]")).to_have_attribute("data-status", "open")
    expect(header.locator(".badge[data-status]")).to_have_text("Open")
    expect(header.get_by_role("button", name="Close")).to_be_visible()
    expect(operator.locator("#conversation-list .row").first).to_contain_text(again)
    expect_inbox_history(operator, [question, again])
    expect_widget_history(visitor, [question, again])
    assert same_document(operator), "the inbox was reloaded"


def test_visitor_html_shows_as_text_in_widget_and_inbox(browser: Browser, server: DemoServer) -> None:
    # Given an operator on the inbox and a visitor on the shop
    operator = operator_page(browser, server)
    visitor = visitor_page(browser, server)

    # When the visitor sends a message that is HTML with a script
    open_widget(visitor)
    send_from_widget(visitor, XSS)

    # Then the widget shows it literally, as text
    expect_widget_history(visitor, [XSS])
    expect(widget_messages(visitor).locator("b, script")).to_have_count(0)

    # And so do the inbox list and the conversation
    expect(operator.locator("#conversation-list .row").first).to_contain_text(XSS)
    open_conversation(operator, XSS)
    expect_inbox_history(operator, [XSS])
    expect(feed_messages(operator).locator("b, script")).to_have_count(0)
    expect(operator.locator("#conversation-list .row b")).to_have_count(0)

    # And the script ran in neither page
    assert visitor.evaluate("typeof window.__xss") == "undefined"
    assert operator.evaluate("typeof window.__xss") == "undefined"


def test_operator_html_shows_as_text_in_widget(browser: Browser, server: DemoServer) -> None:
    # Given a conversation open on both sides
    question = "Which colours does the tea towel come in?"
    visitor, operator = start_conversation(browser, server, question)

    # When the operator replies with HTML
    answer = '<img src="x" onerror="window.__xss=2"><i>Natural</i> and <a href="#">indigo</a>'
    reply_from_inbox(operator, answer)

    # Then the widget shows it literally, and nothing in it ran
    expect_widget_history(visitor, [question, answer])
    expect(widget_messages(visitor).locator("img, i, a")).to_have_count(0)
    expect_inbox_history(operator, [question, answer])
    assert visitor.evaluate("typeof window.__xss") == "undefined"
    assert operator.evaluate("typeof window.__xss") == "undefined"


def test_sockets_are_not_compressed(browser: Browser, server: DemoServer) -> None:
    # given a visitor's token, and a client that offers permessage-deflate as browsers do
    token = visitor_token(visitor_page(browser, server))
    url = f"{server.url.replace('http', 'ws', 1)}/widget/ws/?token={quote(token)}"

    # when it opens the widget's socket
    with connect(url, origin=Origin(server.url), compression="deflate", proxy=None) as socket:
        # then the server takes the socket without the extension
        assert socket.response is not None and "Sec-WebSocket-Extensions" not in socket.response.headers
        assert socket.protocol.extensions == []
