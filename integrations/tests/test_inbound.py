"""Inbound email parsing: only what the visitor wrote now, whatever the client, charset or transfer encoding."""

from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from integrations.inbound import EmailTooLarge, MalformedEmail, parse_email, reply_token

REPLY = "reply+AbCdEf123456_-xyz@reply.shop.example.com"


def plain(text: str, *, charset: str = "utf-8", encoding: str | None = None, **headers: str) -> bytes:
    part = MIMEText(text, "plain", charset)
    if encoding:  # re-encode the body with the transfer encoding asked for
        del part["Content-Transfer-Encoding"]
        part.set_payload(text.encode(charset))
        if encoding == "base64":
            from email import encoders

            encoders.encode_base64(part)
        else:
            from email import encoders

            encoders.encode_quopri(part)
    part["From"] = headers.pop("From", "Dana <dana@example.com>")
    part["To"] = headers.pop("To", REPLY)
    part["Subject"] = headers.pop("Subject", "Re: Your conversation")
    part["Message-ID"] = headers.pop("Message_ID", "<m1@example.com>")
    for name, value in headers.items():
        part[name.replace("_", "-")] = value
    return part.as_bytes()


@pytest.mark.parametrize(
    ("charset", "encoding", "text"),
    [
        ("utf-8", None, "Здравствуйте, спасибо 👍"),
        ("koi8-r", None, "Привет, нужен ещё один"),
        ("iso-2022-jp", None, "ありがとうございます"),
        ("shift_jis", None, "よろしくお願いします"),
        ("windows-1251", None, "Добрый день"),
        ("utf-8", "base64", "Ça marche, merci !"),
        ("utf-8", "quoted-printable", "Größe M bitte, danke schön"),
    ],
)
def test_bodies_in_any_charset_and_transfer_encoding_come_out_as_text(charset, encoding, text):
    parsed = parse_email(plain(text, charset=charset, encoding=encoding))

    assert parsed.text == text


def test_an_unknown_charset_name_does_not_break_parsing():
    raw = plain("hello").replace(b'charset="utf-8"', b'charset="x-made-up"')

    assert parse_email(raw).text == "hello"


def test_encoded_headers_are_decoded():
    parsed = parse_email(
        plain("ok", From="=?utf-8?b?0JTQsNC90LA=?= <Dana@Example.com>", Subject="=?utf-8?q?Re:_=D0=97?=")
    )

    assert (parsed.from_name, parsed.from_address, parsed.subject) == ("Дана", "dana@example.com", "Re: З")
    assert parsed.message_id == "m1@example.com"
    assert parsed.recipients == [REPLY]


@pytest.mark.parametrize(
    "quoted",
    [
        "On Mon, 1 Dec 2026 at 10:00, Shop <reply+x@reply.shop.example.com> wrote:\n> Hi\n> there",
        "From: Shop <reply+x@reply.shop.example.com>\nSent: Monday, December 1, 2026 10:00 AM\n"
        "To: Dana <dana@example.com>\nSubject: Your conversation\n\nHi",
        "-----Original Message-----\nFrom: Shop\nHi",
        "пн, 1 дек. 2026 г. в 10:00, Shop <reply+x@reply.shop.example.com>:\n> Привет\n> ещё",
        "Am 01.12.2026 um 10:00 schrieb Shop <reply+x@reply.shop.example.com>:\n> Hallo",
    ],
)
def test_the_quoted_history_is_removed_whatever_the_client(quoted):
    parsed = parse_email(plain(f"Two mugs please.\n\n{quoted}"))

    assert parsed.text == "Two mugs please."
    assert "Hi" in parsed.full_text or "Привет" in parsed.full_text or "Hallo" in parsed.full_text


@pytest.mark.parametrize(
    "signature", ["-- \nDana Smith\nCEO", "--\nДана", "Sent from my iPhone", "Отправлено с iPhone"]
)
def test_signatures_are_removed(signature):
    assert parse_email(plain(f"Thanks!\n\n{signature}")).text == "Thanks!"


def test_a_reply_that_is_only_the_quote_is_empty():
    parsed = parse_email(plain("On Mon, 1 Dec 2026 at 10:00, Shop <reply+x@x.example> wrote:\n> Hi"))

    assert parsed.text == ""


def test_html_only_mail_becomes_text_without_scripts():
    part = MIMEText("<p>Yes <b>please</b></p><script>alert(1)</script><style>p{}</style>", "html", "utf-8")
    part["From"], part["To"] = "dana@example.com", REPLY

    parsed = parse_email(part.as_bytes())

    assert parsed.text == "Yes please"
    assert "alert" not in parsed.full_text


def test_text_is_preferred_to_html_and_attachments_are_kept_with_safe_names():
    message = EmailMessage()
    message["From"], message["To"] = "dana@example.com", REPLY
    message.set_content("See the photo")
    message.add_alternative("<p>See the <i>photo</i></p>", subtype="html")
    message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="../../etc/счёт.pdf")
    message.add_attachment(b"\x89PNG\r\n", maintype="image", subtype="png", filename="photo.png")

    parsed = parse_email(message.as_bytes())

    assert parsed.text == "See the photo"
    assert [(a.name, a.content_type) for a in parsed.attachments] == [
        ("счёт.pdf", "application/pdf"),
        ("photo.png", "image/png"),
    ]
    assert parsed.attachments[0].data == b"%PDF-1.4 fake"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"From": "MAILER-DAEMON@mx.example.com"},
    ],
)
def test_auto_replies_and_bounces_are_recognised(headers):
    assert parse_email(plain("I am out of office", **headers)).auto_submitted is True


def test_a_person_writing_is_not_an_auto_reply():
    assert parse_email(plain("Hello", Auto_Submitted="no")).auto_submitted is False


@pytest.mark.parametrize("raw", [b"", b"\x00\x01\x02", b"Subject: no sender\r\n\r\nbody", plain("")])
def test_malformed_mail_is_refused(raw):
    with pytest.raises(MalformedEmail):
        parse_email(raw)


def test_mail_over_the_limit_is_refused_before_parsing():
    with pytest.raises(EmailTooLarge):
        parse_email(b"x" * 101, max_bytes=100)


def test_multipart_without_text_but_with_an_attachment_is_fine():
    message = MIMEMultipart()
    message["From"], message["To"] = "dana@example.com", REPLY
    attachment = MIMEText("a,b\n1,2", "csv")
    attachment.add_header("Content-Disposition", "attachment", filename="order.csv")
    message.attach(attachment)

    parsed = parse_email(message.as_bytes())

    assert (parsed.text, [a.name for a in parsed.attachments]) == ("", ["order.csv"])


@pytest.mark.parametrize(
    ("address", "token"),
    [
        (REPLY, "AbCdEf123456_-xyz"),
        ("reply+AbCdEf123456_-xyz@REPLY.shop.example.com", "AbCdEf123456_-xyz"),
        ("reply+short@reply.shop.example.com", None),
        ("reply+AbCdEf123456@other.example.com", None),
        ("dana@reply.shop.example.com", None),
    ],
)
def test_reply_tokens_come_only_from_reply_addresses_of_our_domain(address, token):
    assert reply_token(address, "reply.shop.example.com") == token
