"""What a file is comes from its content: allowed types pass, anything else (or anything in disguise) does not."""

import base64
import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conversations.uploads import check_upload, clean_file_name, megabytes
from core.errors import InvalidInput

LIMIT = 2 * 1024 * 1024

# Real, minimal files of each allowed kind (the helpers are shared with the other attachment tests).


def png_bytes(width: int = 1, height: int = 1, rgb: tuple[int, int, int] = (220, 38, 38)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////"
    "////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
)
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def zip_bytes(members: dict[str, bytes], *, first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first), members[first])  # stored, uncompressed, as ODF wants
        for name, data in members.items():
            if name != first:
                archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def office_open_xml(main_part: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            main_part: b'<?xml version="1.0"?><document/>',
            **(extra or {}),
        }
    )


def open_document(mime: str) -> bytes:
    members = {"mimetype": mime.encode(), "content.xml": b'<?xml version="1.0"?><office:document-content/>'}
    return zip_bytes({**members, "META-INF/manifest.xml": b"<manifest/>"}, first="mimetype")


def upload(name: str, content: bytes, claimed_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=claimed_type)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("photo.png", png_bytes(), "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("funny.gif", GIF, "image/gif"),
        ("sticker.webp", WEBP, "image/webp"),
        ("invoice.pdf", PDF, "application/pdf"),
        (
            "letter.docx",
            office_open_xml("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "prices.xlsx",
            office_open_xml("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "deck.pptx",
            office_open_xml("ppt/presentation.xml"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (
            "letter.odt",
            open_document("application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text",
        ),
        (
            "prices.ods",
            open_document("application/vnd.oasis.opendocument.spreadsheet"),
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("notes.txt", "Order 1042, café, Привет\n".encode(), "text/plain"),
        ("orders.csv", b"id,total\n1042,19.90\n", "text/plain"),
        ("server.log", b"2026-01-01 ERROR timeout\n", "text/plain"),
        ("README.md", b"# Steps\n\n1. Open the box\n", "text/plain"),
    ],
)
def test_each_allowed_kind_is_accepted_and_typed_by_its_content(name, content, expected):
    checked = check_upload(upload(name, content), max_bytes=LIMIT)

    assert checked.content_type == expected
    assert checked.size == len(content)
    assert checked.name == name
    assert checked.is_image == expected.startswith("image/")
    assert checked.file.read() == content  # handed over from the start


def test_what_the_browser_claims_is_ignored():
    checked = check_upload(upload("photo.png", png_bytes(), claimed_type="text/html"), max_bytes=LIMIT)

    assert checked.content_type == "image/png"


def test_a_file_is_typed_by_its_content_whatever_its_name_says():
    checked = check_upload(upload("notes.txt", png_bytes()), max_bytes=LIMIT)

    assert checked.content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.png", EXE),  # an executable with an image's name
        ("evil.png", HTML),  # a page with an image's name
        ("evil.jpg", ELF),
        ("evil.pdf", HTML),
        ("setup.exe", EXE),
        ("page.html", HTML),
        ("page.txt.html", HTML),
        ("logo.svg", SVG),
        ("script.js", b"alert(1)\n"),
        ("archive.zip", zip_bytes({"a.txt": b"hello"})),
        ("report.docx", zip_bytes({"a.txt": b"hello"})),  # a ZIP named like a document
        ("macros.docx", office_open_xml("word/document.xml", extra={"word/vbaProject.bin": b"\x00macro"})),
        ("book.epub", open_document("application/epub+zip")),
        ("broken.docx", b"PK\x03\x04 not really a zip"),
        ("binary.txt", b"text\x00with a NUL"),
        ("latin1.txt", "café".encode("latin-1")),
        ("unknown.bin", b"\x01\x02\x03\x04"),
        ("noextension", b"plain words"),
    ],
)
def test_other_kinds_and_disguised_files_are_refused(name, content):
    with pytest.raises(InvalidInput) as refused:
        check_upload(upload(name, content, claimed_type="image/png"), max_bytes=LIMIT)

    assert refused.value.code == "file_type_not_allowed"
    assert "cannot be sent" in refused.value.detail


def test_a_file_over_the_limit_is_refused_naming_the_limit_in_mb():
    with pytest.raises(InvalidInput) as refused:
        check_upload(upload("big.pdf", PDF + b"\x00" * LIMIT), max_bytes=LIMIT)

    assert refused.value.code == "file_too_large"
    assert "2 MB" in refused.value.detail


def test_a_file_of_exactly_the_limit_is_accepted():
    content = PDF + b" " * (1000 - len(PDF))

    assert check_upload(upload("exact.pdf", content), max_bytes=1000).size == 1000


def test_an_empty_file_is_refused():
    with pytest.raises(InvalidInput) as refused:
        check_upload(upload("empty.txt", b""), max_bytes=LIMIT)

    assert refused.value.code == "file_empty"


def test_limits_read_as_people_say_them():
    assert megabytes(2 * 1024 * 1024) == "2 MB"
    assert megabytes(512 * 1024) == "0.5 MB"
    assert megabytes(10 * 1024 * 1024) == "10 MB"
    assert megabytes(50 * 1024) == "50 KB"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("receipt.pdf", "receipt.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\anna\\Desktop\\report.pdf", "report.pdf"),
        ("line\nbreak\r\x00\x07.txt", "linebreak.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override hides the real extension
        ("  spaced.txt  ", "spaced.txt"),
        ("", "file"),
        ("..", "file"),
        ("/", "file"),
        ("\x00\x01", "file"),
        ("Договор №5.pdf", "Договор №5.pdf"),
    ],
)
def test_display_names_are_sanitised(given, shown):
    assert clean_file_name(given) == shown


def test_a_long_name_is_cut_to_200_characters_keeping_its_extension():
    name = clean_file_name("a" * 300 + ".pdf")

    assert len(name) == 200
    assert name.endswith("a.pdf")


def test_the_checked_upload_carries_the_sanitised_name():
    checked = check_upload(upload("../../secret/../photo.png", png_bytes()), max_bytes=LIMIT)

    assert checked.name == "photo.png"
