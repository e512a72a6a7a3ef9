"""Files people attach to messages: what they are is read from their content."""

import os
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest

from conversations.models import Attachment
from core.errors import InvalidInput


@dataclass(frozen=True)
class Upload:
    """A file that passed the checks, ready to store with a message."""

    name: str  # a safe display name: no path, at most 200 characters
    content_type: str  # detected from the content
    size: int
    file: File  # positioned at the start

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


# Shown inline in the inbox and the widget.
IMAGE_TYPES = {
    "image/png": "image/png",
    "image/apng": "image/png",  # an animated PNG is still a PNG to every browser
    "image/jpeg": "image/jpeg",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
}
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
TEXT = "text/plain"
# Office Open XML: the part every document of that kind has.
OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
OPEN_DOCUMENT_TYPES = {ODT, ODS}
# Documents with macros are refused: VBA in Office Open XML, Basic or scripts in OpenDocument.
MACRO_FOLDERS = ("basic/", "scripts/")
TEXT_EXTENSIONS = {".txt", ".csv", ".log", ".md"}

NAME_MAX = 200
# What a multipart request may carry besides the file: boundaries, headers, the text and client_id.
REQUEST_SLACK = 128 * 1024
HEAD = 8192  # what filetype reads

NOT_ALLOWED = (
    "This type of file cannot be sent. Send an image (PNG, JPEG, GIF, WebP), a PDF, "
    "an office document (DOCX, XLSX, PPTX, ODT, ODS) or a text file (TXT, CSV, LOG, MD)."
)


def check_upload(file: UploadedFile, *, max_bytes: int) -> Upload:
    """The file as an Upload if it may be sent; InvalidInput (file_empty, file_too_large, file_type_not_allowed)."""
    size = file.size or 0
    if size <= 0:
        raise InvalidInput("The file is empty.", code="file_empty")
    if size > max_bytes:
        raise too_large(max_bytes)
    name = clean_file_name(file.name or "")
    content_type = detect_content_type(file, name)
    file.seek(0)
    return Upload(name=name, content_type=content_type, size=size, file=file)


def check_request_size(request: HttpRequest, *, max_bytes: int) -> None:
    """Refuse a request whose body is certainly too large, before its body is parsed."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes + REQUEST_SLACK:
        raise too_large(max_bytes)


def too_large(max_bytes: int) -> InvalidInput:
    return InvalidInput(f"The file is too large: the limit is {megabytes(max_bytes)}.", code="file_too_large")


def megabytes(size: int) -> str:
    """2097152 -> "2 MB", 524288 -> "0.5 MB"; below 0.1 MB in KB."""
    if size < 1024 * 1024 / 10:
        return f"{max(size // 1024, 1)} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def clean_file_name(name: str) -> str:
    """A name safe to show and to offer as a download name: no folders, no control or direction characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"})
    name = name.strip().strip(".").strip()
    if len(name) > NAME_MAX:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[: NAME_MAX - len(ext)].rstrip() + ext
    return name or "file"


def detect_content_type(file: File, name: str) -> str:
    """The allowed type the content is; whatever the name claims, InvalidInput otherwise."""
    file.seek(0)
    head = file.read(HEAD)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in IMAGE_TYPES:
        return IMAGE_TYPES[mime]
    if mime == PDF:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        if document := _office_document(file):
            return document
        raise InvalidInput(NOT_ALLOWED, code="file_type_not_allowed")
    if mime is None and os.path.splitext(name)[1].lower() in TEXT_EXTENSIONS and _is_text(file):
        return TEXT
    raise InvalidInput(NOT_ALLOWED, code="file_type_not_allowed")


def _office_document(file: File) -> str | None:
    """The type of a ZIP that is a DOCX, XLSX, PPTX, ODT or ODS without macros; None for any other ZIP."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if len(names) > 10_000:
                return None
            lowered = [n.lower() for n in names]
            if any(n.endswith("vbaproject.bin") or n.startswith(MACRO_FOLDERS) for n in lowered):
                return None
            if "[Content_Types].xml" in names:
                return next((kind for part, kind in OOXML_PARTS.items() if part in names), None)
            if "mimetype" in names:
                with archive.open("mimetype") as declared:
                    mime = declared.read(100).decode("ascii", "replace").strip()
                if mime in OPEN_DOCUMENT_TYPES and "content.xml" in names:
                    return mime
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return None
    return None


def _is_text(file: File) -> bool:
    """Valid UTF-8 without NUL bytes. The file is at most the size limit, so it is read whole."""
    file.seek(0)
    data = file.read()
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def attachment_response(attachment: Attachment) -> FileResponse:
    """The stored file as its detected type: images inline, anything else as a download, never run as a page."""
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
