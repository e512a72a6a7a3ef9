"""The email-continuity message on its own (no database): its MIME structure, the headers mail clients thread
and unsubscribe on, safely encoded names, escaped visitor text, the order of the transcript, the visitor's
language and time zone."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage

from django.core import mail
from django.utils import timezone, translation

from integrations.outbound import ContinuityEmail, TranscriptLine, build_continuity_email, continuity_subject

AT = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)  # 15:00 in Almaty (UTC+05:00)


def line(text: str, *, at: datetime = AT, author: str = "Anna", from_visitor: bool = False, html: str = ""):
    return TranscriptLine(author="" if from_visitor else author, from_visitor=from_visitor, text=text, html=html, at=at)


def continuity(**changes) -> ContinuityEmail:
    email = ContinuityEmail(
        business_name="Demo Shop",
        to_address="dana@example.com",
        to_name="Dana",
        from_address="chat@shop.example.com",
        reply_to="reply+tok3n@reply.shop.example.com",
        subject="Your conversation with Demo Shop",
        message_id="c3.2@shop.example.com",
        in_reply_to="c3.1@shop.example.com",
        references=["c3.0@shop.example.com"],
        new_messages=[line("Yes, we ship to Almaty.", at=AT + timedelta(minutes=5))],
        earlier=[
            line("Do you ship to Almaty?", from_visitor=True, at=AT - timedelta(minutes=2)),
            line("Let me check.", at=AT - timedelta(minutes=1)),
        ],
        unsubscribe_url="https://chat.shop.example.com/email/unsubscribe/tok3n/",
        language="en",
        time_zone="",
    )
    return replace(email, **changes)


def sent(email: ContinuityEmail) -> EmailMessage:
    """Sends through the locmem backend pytest-django sets and parses the real bytes back."""
    build_continuity_email(email).send()
    [message] = mail.outbox
    parsed = message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def raw_headers(email: ContinuityEmail) -> str:
    build_continuity_email(email).send()
    raw = mail.outbox[-1].message().as_bytes()
    return raw.split(b"\n\n", 1)[0].decode("ascii")  # headers on the wire are ASCII only


def text_of(parsed: EmailMessage) -> str:
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    return body.get_content()


def html_of(parsed: EmailMessage) -> str:
    body = parsed.get_body(preferencelist=("html",))
    assert body is not None
    return body.get_content()


def test_the_email_is_plain_text_with_an_html_alternative():
    # given a continuity email
    email = continuity()

    # when it is sent
    parsed = sent(email)

    # then it is multipart/alternative: the text first, the HTML second
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert "Yes, we ship to Almaty." in text_of(parsed)
    assert "Yes, we ship to Almaty." in html_of(parsed)
    assert 'style="max-width:600px;' in html_of(parsed)
    assert parsed["Subject"] == "Your conversation with Demo Shop"


def test_threading_headers_name_this_email_and_the_earlier_ones():
    # given an email answering an earlier one of the same conversation
    email = continuity()

    # when it is sent
    parsed = sent(email)

    # then Message-ID, In-Reply-To and References are well-formed, References ending with In-Reply-To
    assert parsed["Message-ID"].strip() == "<c3.2@shop.example.com>"
    assert parsed["In-Reply-To"].strip() == "<c3.1@shop.example.com>"
    assert parsed["References"].split() == ["<c3.0@shop.example.com>", "<c3.1@shop.example.com>"]


def test_in_reply_to_already_in_the_references_is_not_repeated():
    # given references that already end with the email answered
    email = continuity(references=["c3.0@shop.example.com", "c3.1@shop.example.com"])

    # when it is sent
    parsed = sent(email)

    # then each id appears once
    assert parsed["References"].split() == ["<c3.0@shop.example.com>", "<c3.1@shop.example.com>"]


def test_the_first_email_of_a_conversation_has_no_in_reply_to():
    # given nothing emailed before
    email = continuity(in_reply_to=None, references=[])

    # when it is sent
    parsed = sent(email)

    # then only its own Message-ID is set
    assert parsed["Message-ID"].strip() == "<c3.2@shop.example.com>"
    assert parsed["In-Reply-To"] is None and parsed["References"] is None


def test_unsubscribe_reply_to_and_auto_response_headers():
    # given a continuity email
    email = continuity()

    # when it is sent
    parsed = sent(email)

    # then one-click unsubscribe is offered, answers go to the reply address, Exchange sends no auto-replies,
    # and it is not marked auto-generated (a person wrote these replies)
    assert parsed["List-Unsubscribe"].strip() == "<https://chat.shop.example.com/email/unsubscribe/tok3n/>"
    assert parsed["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    assert parsed["X-Auto-Response-Suppress"].strip() == "All"
    assert parsed["Auto-Submitted"] is None
    assert parsed["Reply-To"].addresses[0].addr_spec == "reply+tok3n@reply.shop.example.com"
    assert "https://chat.shop.example.com/email/unsubscribe/tok3n/" in text_of(parsed)
    assert 'href="https://chat.shop.example.com/email/unsubscribe/tok3n/"' in html_of(parsed)


def test_non_ascii_names_are_encoded_and_decode_back():
    # given a Cyrillic business name and recipient name
    email = continuity(business_name="Кофейня «Зерно»", to_name="Дана Ахметова")

    # when it is sent
    headers = raw_headers(email)
    parsed = message_from_bytes(mail.outbox[-1].message().as_bytes(), policy=policy.default)

    # then the headers on the wire are encoded words that decode back to the names
    assert "=?utf-8?" in headers
    [sender] = parsed["From"].addresses
    [recipient] = parsed["To"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Кофейня «Зерно»", "chat@shop.example.com")
    assert (recipient.display_name, recipient.addr_spec) == ("Дана Ахметова", "dana@example.com")
    assert str(make_header(decode_header(parsed["From"]))).startswith("Кофейня «Зерно»")


def test_quotes_commas_and_line_breaks_in_names_cannot_add_addresses():
    # given names that would break a naive "Name <address>" header
    email = continuity(
        business_name='Shop, "Best" <evil@attacker.example>',
        to_name='Dana, "D"\nBcc: evil@attacker.example',
    )

    # when it is sent
    parsed = sent(email)

    # then each header holds exactly one mailbox, with the name kept (line breaks folded to spaces)
    [sender] = parsed["From"].addresses
    [recipient] = parsed["To"].addresses
    assert sender.addr_spec == "chat@shop.example.com"
    assert sender.display_name == 'Shop, "Best" <evil@attacker.example>'
    assert recipient.addr_spec == "dana@example.com"
    assert recipient.display_name == 'Dana, "D" Bcc: evil@attacker.example'
    assert parsed["Bcc"] is None
    assert len(mail.outbox[0].recipients()) == 1


def test_without_a_name_the_recipient_is_only_the_address():
    # given a contact without a name
    email = continuity(to_name="")

    # when it is sent
    parsed = sent(email)

    # then To is the bare address
    assert parsed["To"].strip() == "dana@example.com"


def test_an_operators_plain_text_is_escaped_in_html():
    # given an operator's reply without HTML that looks like a script
    email = continuity(new_messages=[line("<script>alert(1)</script>")])

    # when it is sent
    parsed = sent(email)

    # then the HTML shows it as text; the plain-text part keeps it verbatim
    assert "<script>" not in html_of(parsed)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_of(parsed)
    assert "<script>alert(1)</script>" in text_of(parsed)


def test_an_operators_sanitised_html_is_kept():
    # given an operator's reply whose sanitised HTML has a link and emphasis
    html = '<p>See <a href="https://shop.example.com/delivery">delivery</a>, <strong>5 days</strong>.</p>'
    email = continuity(new_messages=[line("See delivery, 5 days.", html=html)])

    # when it is sent
    parsed = sent(email)

    # then the HTML is inserted as is and the text part has the plain text
    assert html in html_of(parsed)
    assert "See delivery, 5 days." in text_of(parsed)


def test_a_visitors_line_is_always_escaped_text_with_its_line_breaks():
    # given visitor lines with markup, one even carrying HTML
    email = continuity(
        earlier=[
            line("<b>bold?</b>\nsecond line", from_visitor=True),
            line("plain", from_visitor=True, html="<img src=x onerror=alert(1)>"),
        ]
    )

    # when it is sent
    html = html_of(sent(email))

    # then neither is markup: escaped, line breaks kept, shown as "You"
    assert "<b>" not in html and "&lt;b&gt;bold?&lt;/b&gt;<br>second line" in html
    assert "<img" not in html and "plain" in html
    assert "You ·" in html


def test_new_replies_come_first_then_the_earlier_transcript_in_order():
    # given two new replies and two earlier lines
    email = continuity(
        new_messages=[line("New one", at=AT), line("New two", at=AT + timedelta(minutes=1))],
        earlier=[
            line("Old visitor question", from_visitor=True, at=AT - timedelta(minutes=9)),
            line("Old operator answer", author="Bot", at=AT - timedelta(minutes=8)),
        ],
    )

    # when it is sent
    parsed = sent(email)

    # then both versions list the new replies, the call to reply, the earlier lines oldest first, the unsubscribe
    for body in (text_of(parsed), html_of(parsed)):
        order = [
            "New one",
            "New two",
            "Reply to this email to continue the conversation.",
            "Earlier in the conversation:",
            "Old visitor question",
            "Old operator answer",
        ]
        positions = [body.index(piece) for piece in order]
        assert positions == sorted(positions)
        assert body.index("Old operator answer") < body.index("/email/unsubscribe/tok3n/")
    text = text_of(parsed)
    assert "Anna · " in text and "Bot · " in text and "You · " in text


def test_without_earlier_lines_there_is_no_transcript_heading():
    # given only new replies
    email = continuity(earlier=[])

    # when it is sent
    parsed = sent(email)

    # then no empty "earlier" section is shown
    assert "Earlier in the conversation:" not in text_of(parsed)
    assert "Earlier in the conversation:" not in html_of(parsed)


def test_times_are_shown_in_the_visitors_time_zone():
    # given a visitor in Almaty (UTC+05:00) and a reply at 10:00 UTC
    email = continuity(time_zone="Asia/Almaty", new_messages=[line("Hello", at=AT)], earlier=[])

    # when it is sent
    parsed = sent(email)

    # then both versions say 15:00, and the process's own zone is left as it was
    assert "Anna · 5 March, 15:00" in text_of(parsed)
    assert "5 March, 15:00" in html_of(parsed)
    assert "10:00" not in text_of(parsed)
    assert timezone.get_current_timezone_name() == "UTC"


def test_without_a_known_time_zone_times_are_utc():
    # given no zone, and a zone the browser made up
    for zone in ("", "Mars/Olympus_Mons"):
        mail.outbox.clear()
        email = continuity(time_zone=zone, new_messages=[line("Hello", at=AT)], earlier=[])

        # when it is sent
        parsed = sent(email)

        # then the time is UTC
        assert "Anna · 5 March, 10:00" in text_of(parsed)


def test_russian_visitors_get_russian_texts_and_dates():
    # given a Russian-speaking visitor in Almaty, the subject made in their language as the caller does
    with translation.override("ru"):
        subject = continuity_subject("Кофейня «Зерно»")
    email = continuity(
        business_name="Кофейня «Зерно»",
        subject=subject,
        language="ru",
        time_zone="Asia/Almaty",
        new_messages=[line("Да, доставляем.", author="Анна", at=AT)],
        earlier=[line("Вы доставляете в Алматы?", from_visitor=True, at=AT - timedelta(minutes=3))],
    )

    # when it is sent
    parsed = sent(email)

    # then subject, texts and month are Russian, and the active language is left as it was
    assert parsed["Subject"].strip() == "Ваш диалог с Кофейня «Зерно»"  # folded: the parser keeps a space
    text = text_of(parsed)
    assert "Анна · 5 марта, 15:00" in text
    assert "Ответьте на это письмо, чтобы продолжить диалог." in text
    assert "Ранее в диалоге:" in text
    assert "Вы · 5 марта, 14:57" in text
    assert "Не присылать письма по этому диалогу: https://chat.shop.example.com/email/unsubscribe/tok3n/" in text
    html = html_of(parsed)
    assert '<html lang="ru">' in html and "Ответьте на это письмо" in html
    assert translation.get_language() == "en"


def test_the_subject_is_the_same_for_every_email_of_a_conversation():
    # given the business's name, twice
    # when the subject is made
    first, second = continuity_subject("Demo Shop"), continuity_subject("Demo Shop")

    # then it is stable and names the business; a stray line break cannot reach the header
    assert first == second == "Your conversation with Demo Shop"
    assert continuity_subject("Demo\r\nShop") == "Your conversation with Demo Shop"
