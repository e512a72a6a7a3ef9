"""Files both ways: a visitor's photo shows in the inbox, an operator's PDF downloads from the widget."""

from pathlib import Path

from playwright.sync_api import Browser, FilePayload, Locator, Page, expect

from conversations.tests.test_uploads import EXE, PDF, png_bytes
from tests.e2e.conftest import (
    VIEWPORT,
    DemoServer,
    expect_widget_history,
    feed,
    open_conversation,
    open_widget,
    operator_page,
    send_from_widget,
    visitor_page,
    widget_messages,
)

PHOTO = png_bytes(48, 32, rgb=(15, 118, 110))


def start_conversation(
    browser: Browser, server: DemoServer, question: str, *, locale: str = "en-US"
) -> tuple[Page, Page]:
    """A new visitor (browser language `locale`) asks `question`; the operator has the conversation open."""
    operator = operator_page(browser, server)
    visitor = visitor_page(browser, server, context=browser.new_context(viewport=VIEWPORT, locale=locale))
    open_widget(visitor)
    send_from_widget(visitor, question)
    expect_widget_history(visitor, [question])
    open_conversation(operator, question)
    return visitor, operator


def attach_in_widget(visitor: Page, file: FilePayload, *, label: str = "Attach a file") -> None:
    """The visitor clicks the paperclip and picks a file, as a person does."""
    with visitor.expect_file_chooser() as chooser:
        visitor.get_by_role("button", name=label).click()
    chooser.value.set_files(file)


def natural_width(image: Locator) -> int:
    """The width of the picture the browser decoded: 0 when it failed to load."""
    expect(image).to_be_visible()
    image.evaluate("img => img.decode()")
    return int(image.evaluate("img => img.naturalWidth"))


def test_a_visitors_photo_shows_inline_in_the_inbox(browser: Browser, server: DemoServer) -> None:
    # Given a conversation open on both sides
    visitor, operator = start_conversation(browser, server, "The mug arrived cracked, see the photo")

    # When the visitor attaches a photo with the paperclip
    attach_in_widget(visitor, {"name": "cracked-mug.png", "mimeType": "image/png", "buffer": PHOTO})

    # Then the widget shows it as sent, inline in the visitor's bubble
    sent = widget_messages(visitor).filter(has=visitor.locator('img[alt="cracked-mug.png"]'))
    expect(sent).to_have_attribute("data-state", "sent")
    assert natural_width(sent.locator("img")) == 48

    # And the operator sees the picture itself in the feed, without a reload, linking to the full size
    image = feed(operator).locator('img[alt="cracked-mug.png"]')
    assert natural_width(image) == 48
    href = image.locator("xpath=..").get_attribute("href")
    assert href and href.startswith("/inbox/files/")
    # And the file is served as what it is, never as a page
    response = operator.request.get(f"{server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-security-policy"] == "sandbox"
    assert response.body() == PHOTO


def test_an_operators_pdf_reaches_the_visitor_as_a_download_link(
    browser: Browser, server: DemoServer, tmp_path: Path
) -> None:
    # Given a conversation open on both sides
    visitor, operator = start_conversation(browser, server, "Could you send me the invoice?")

    # When the operator attaches the invoice in the reply form and sends it with a line of text
    with operator.expect_file_chooser() as chooser:
        operator.locator("form.reply").get_by_text("Attach a file").click()
    chooser.value.set_files({"name": "Invoice 1042.pdf", "mimeType": "application/pdf", "buffer": PDF})
    operator.locator("form.reply textarea[name=text]").fill("Here it is.")
    operator.locator("form.reply").get_by_role("button", name="Send").click()

    # Then the inbox shows the message with a link to the file
    expect(feed(operator).get_by_role("link", name="Invoice 1042.pdf")).to_be_visible()

    # And the widget shows the text and the file as a link with its name and size, live
    message = widget_messages(visitor).filter(has_text="Here it is.")
    link = message.get_by_role("link", name="Invoice 1042.pdf")
    expect(link).to_be_visible()
    expect(message).to_contain_text(f"{max(1, round(len(PDF) / 1024))} KB")

    # When the visitor clicks the link, the PDF downloads
    with visitor.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Invoice 1042.pdf"
    saved = tmp_path / "invoice.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == PDF


def test_a_file_over_the_limit_or_of_a_wrong_type_is_refused_in_the_visitors_language(
    browser: Browser, server: DemoServer
) -> None:
    # Given a Russian-speaking visitor in a conversation (the demo workspace keeps the 2 MB default)
    visitor, operator = start_conversation(browser, server, "Здравствуйте! Отправлю видео", locale="ru-RU")

    # When they attach a file over the limit
    too_big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024 + 1)
    attach_in_widget(
        visitor, {"name": "video.pdf", "mimeType": "application/pdf", "buffer": too_big}, label="Прикрепить файл"
    )

    # Then the widget says so in Russian, naming the limit, and the file is not sent
    refused = widget_messages(visitor).filter(has_text="video.pdf")
    expect(refused).to_have_attribute("data-state", "failed")
    expect(refused).to_contain_text("Файл слишком большой: можно не больше 2 MB.")

    # When they attach a program pretending to be a picture
    attach_in_widget(visitor, {"name": "photo.png", "mimeType": "image/png", "buffer": EXE}, label="Прикрепить файл")

    # Then that is refused too, in Russian
    disguised = widget_messages(visitor).filter(has_text="photo.png")
    expect(disguised).to_have_attribute("data-state", "failed")
    expect(disguised).to_contain_text("Такой файл отправить нельзя")

    # And the operator never receives either
    expect(feed(operator).locator("article.msg")).to_have_count(1)
