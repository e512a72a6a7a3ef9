"""Email with real mail servers on this machine: Parley sends through an aiosmtpd server that captures what
it sends, and customers' emails go into `parley smtpd` over SMTP.

Continuity: an operator's reply to a visitor who left the site arrives by email; the visitor answers by
email; the answer shows live in the inbox and in the widget's history; the link in the email stops them.
The email channel: a new email to the demo's mailbox is a conversation in the inbox, answered by email.
"""

import smtplib
import subprocess
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import (
    DemoServer,
    conversation_row,
    demo_server,
    expect_widget_history,
    open_conversation,
    open_widget,
    operator_page,
    reply_from_inbox,
    send_from_widget,
    visitor_page,
)
from tests.servers import PARLEY, ROOT, free_port
from workspaces.demo import DEMO_MAILBOX

REPLY_DOMAIN = "reply.demo.parley.local"


class Outbox:
    """An SMTP server that keeps what it is sent."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode()
        self.messages.append(message_from_bytes(data, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 20) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(self.messages) >= count, f"{len(self.messages)} emails arrived, {count} expected"
        return self.messages


@pytest.fixture(scope="module")
def outbox() -> Iterator[Outbox]:
    box = Outbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


SMTP_PORT = free_port()


@pytest.fixture(scope="module")
def server(outbox: Outbox) -> Iterator[DemoServer]:
    """A demo server that sends through `outbox` and receives email answers over SMTP on SMTP_PORT."""
    with demo_server(
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(outbox.port),  # type: ignore[attr-defined]
        EMAIL_REPLIES_AFTER_SECONDS="3",
        EMBEDDED_WORKER="true",  # the tests' own environment turns it off
        INBOUND_EMAIL_DOMAIN=REPLY_DOMAIN,
        DEFAULT_FROM_EMAIL="chat@demo.parley.local",
        SMTP_RECEIVER_PORT=str(SMTP_PORT),
    ) as running:
        yield running


def test_parley_smtpd_receives_for_a_cluster_and_refuses_other_domains(server: DemoServer) -> None:
    # Given `parley smtpd` running on the demo's database
    port = free_port()
    with (server.log.parent / "smtpd.log").open("ab") as log:
        process = subprocess.Popen(
            [*PARLEY, "smtpd", "--port", str(port)], env=server.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            smtp = _connect(port)
            smtp.ehlo()
            # When mail comes for another domain, or for an unknown reply address
            other = smtp.docmd("MAIL FROM:<a@example.com>"), smtp.docmd("RCPT TO:<someone@example.com>")
            unknown = _send(smtp, f"reply+unknowntoken1@{REPLY_DOMAIN}", "hello")
            smtp.quit()
        finally:
            process.terminate()
            process.wait(10)

    # Then it relays nothing and says why
    assert other[1][0] == 550
    assert unknown[0] == 550 and b"No conversation or inbox has this address" in unknown[1]


def _connect(port: int, timeout: float = 30) -> smtplib.SMTP:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return smtplib.SMTP("127.0.0.1", port, timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _send(smtp: smtplib.SMTP, to: str, text: str) -> tuple[int, bytes]:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "dana@example.com", to, "hi"
    message.set_content(text)
    smtp.rset()
    smtp.mail("dana@example.com")
    smtp.rcpt(to)
    return smtp.data(message.as_bytes())


def test_a_reply_reaches_the_visitor_by_email_and_their_answer_comes_back_live(
    browser: Browser, server: DemoServer, outbox: Outbox
) -> None:
    # Given a visitor who asked and left their email (the widget's "get the reply by email" call)
    visitor = visitor_page(browser, server)
    open_widget(visitor)
    question = "Can you engrave a mug?"
    send_from_widget(visitor, question)
    expect_widget_history(visitor, [question])
    token = visitor.evaluate("() => Object.entries(localStorage).find(([k]) => k.endsWith(':token'))[1]")
    visitor.evaluate(
        """async (token) => {
        const res = await fetch('/widget/api/v1/email', {method: 'POST',
          headers: {'Content-Type': 'application/json', Authorization: 'Bearer ' + token},
          body: JSON.stringify({email: 'dana@example.com'})});
        if (!res.ok) throw new Error(await res.text());
    }""",
        token,
    )
    # ...and then left the site
    visitor_context = visitor.context
    visitor.close()

    # When the operator replies twice in a row
    operator = operator_page(browser, server)
    open_conversation(operator, question)
    reply_from_inbox(operator, "Yes, up to 20 letters.")
    reply_from_inbox(operator, "It takes **two days**.")

    # Then one email brings both, threaded, with the earlier question, from behind a reply address
    [email] = outbox.wait_for(1)
    assert email["To"] == "dana@example.com"
    assert "Demo Shop" in email["From"]
    reply_to = email["Reply-To"]
    assert reply_to.startswith("reply+") and reply_to.endswith("@" + REPLY_DOMAIN)
    body = email.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Yes, up to 20 letters." in text and "two days" in text and question in text
    assert email["List-Unsubscribe"]
    time.sleep(1)
    assert len(outbox.messages) == 1, "both replies went out in one email"

    # When the visitor answers that email from their mail client
    answer = EmailMessage()
    answer["From"] = "Dana <dana@example.com>"
    answer["To"] = reply_to
    answer["Subject"] = "Re: " + email["Subject"]
    answer["Message-ID"] = "<answer-1@example.com>"
    answer["In-Reply-To"] = email["Message-ID"]
    answer.set_content(
        "Great, engrave DANA please.\n\nOn Thu, 3 Dec 2026 at 10:00, Demo Shop <" + reply_to + "> wrote:\n> Yes"
    )
    with _connect(SMTP_PORT) as smtp:
        smtp.send_message(answer)

    # Then it shows live in the operator's open conversation, without the quoted history
    visitor_line = operator.locator(".feed article.msg--visitor .msg__text").last
    expect(visitor_line).to_have_text("Great, engrave DANA please.")

    # And in the widget's history when the visitor comes back to the site
    back = visitor_context.new_page()
    back.goto(f"{server.url}/demo/")
    open_widget(back)
    expect_widget_history(
        back, [question, "Yes, up to 20 letters.", "It takes two days.", "Great, engrave DANA please."]
    )

    # And the link at the foot of the email stops them, after asking
    link = email["List-Unsubscribe"].strip().strip("<>")
    unsubscribe_url = server.url + link[link.index("/email/unsubscribe/") :]  # PUBLIC_URL is not the test's port
    back.goto(unsubscribe_url)
    expect(back.get_by_role("heading")).to_have_text("Stop emails for this conversation?")
    back.get_by_role("button", name="Stop the emails").click()
    expect(back.get_by_role("heading")).to_have_text("You will get no more emails")
    back.goto(unsubscribe_url)
    expect(back.get_by_role("heading")).to_have_text("You will get no more emails")


def test_a_new_email_to_the_mailbox_is_answered_from_the_inbox_by_email(
    browser: Browser, server: DemoServer, outbox: Outbox
) -> None:
    # Given the operator in the inbox
    operator = operator_page(browser, server)

    # When a customer writes to the shop's mailbox (its mail server hands it to `parley smtpd`)
    first = EmailMessage()
    first["From"] = "Kim Lee <kim@example.com>"
    first["To"] = DEMO_MAILBOX
    first["Subject"] = "Wholesale prices for mugs"
    first["Message-ID"] = "<kim-1@example.com>"
    first.set_content("Hello,\n\nwhat is your price for 200 mugs?\n\nKim")
    with _connect(SMTP_PORT) as smtp:
        smtp.send_message(first)

    # Then it appears live as an email conversation, with its subject
    row = conversation_row(operator, "what is your price for 200 mugs?")
    expect(row).to_have_attribute("data-channel", "email")
    expect(row.get_by_role("img", name="Email")).to_be_visible()
    open_conversation(operator, "what is your price for 200 mugs?")
    expect(operator.locator(".conversation__subject")).to_have_text("Wholesale prices for mugs")

    # When the operator answers
    sent_before = len(outbox.messages)
    reply_from_inbox(operator, "It is 4 € a mug for 200.")

    # Then the customer gets an email reply from the mailbox, threaded under their email
    reply = outbox.wait_for(sent_before + 1)[-1]
    assert DEMO_MAILBOX in reply["From"] and "Demo Shop" in reply["From"]
    assert reply["To"] == "Kim Lee <kim@example.com>"
    assert reply["Subject"] == "Re: Wholesale prices for mugs"
    assert reply["In-Reply-To"] == "<kim-1@example.com>"
    assert reply["List-Unsubscribe"] is None
    body = reply.get_body(("plain",))
    assert body is not None and body.get_content().startswith("It is 4 € a mug for 200.")

    # When they answer it, to the mailbox
    answer = EmailMessage()
    answer["From"] = "Kim Lee <kim@example.com>"
    answer["To"] = DEMO_MAILBOX
    answer["Subject"] = "Re: Wholesale prices for mugs"
    answer["Message-ID"] = "<kim-2@example.com>"
    answer["In-Reply-To"] = reply["Message-ID"]
    answer["References"] = f"<kim-1@example.com> {reply['Message-ID']}"
    answer.set_content("Deal, 200 then.\n\nOn Thu, Demo Shop <" + DEMO_MAILBOX + "> wrote:\n> It is 4 € a mug")
    with _connect(SMTP_PORT) as smtp:
        smtp.send_message(answer)

    # Then it joins the same conversation, live
    expect(operator.locator(".feed article.msg--visitor .msg__text").last).to_have_text("Deal, 200 then.")

    # And the list can show email conversations only
    operator.locator("select[name=channel]").select_option("email")
    expect(operator.locator("#conversation-list .row").first).to_be_visible()
    channels = operator.locator("#conversation-list .row").evaluate_all("rows => rows.map(r => r.dataset.channel)")
    assert set(channels) == {"email"}
