"""Intake of archive files: scans, photos, Word and Excel files. Pure function, no ORM.

The type is sniffed from the bytes, never taken from the name or the browser: photos go through
the inspections' photo intake (re-encoded, EXIF stripped, capture time kept), PDFs must not be
encrypted (an inspector could not open them), Office files must be the macro-free Open XML kinds
(.docx/.xlsx; .docm/.xlsm and old binary .doc/.xls can carry macros). The file name is reduced to
a safe base name (no directories, no control characters) but keeps its Chinese characters."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from gongjian.inspections.photos import MEGABYTE, PhotoRejected, process_photo

__all__ = ["MAX_FILES_PER_REQUEST", "FileRejected", "AcceptedFile", "accept_file", "safe_name", "upload_problem"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# At most this many files in one form or API request (each is read into memory to be checked).
MAX_FILES_PER_REQUEST = 30
_MAX_ZIP_MEMBERS = 5000
_MAX_ZIP_EXPANSION = 200  # an Office file that inflates more than this is a zip bomb, not a document
# A PDF's encryption entry, however it is written: "/Encrypt 5 0 R", "/Encrypt<<…>>", "/Encrypt/…".
_PDF_ENCRYPT = re.compile(rb"/Encrypt(?![A-Za-z0-9])")
# A PDF name spelled with #xx escapes ("/Encr#79pt" is "/Encrypt").
_PDF_ESCAPED_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]*#[0-9A-Fa-f]{2}[^\s/<>\[\]()%{}]*")
# Word and Excel save a password-protected file as an OLE2 container holding this stream.
_OLE2_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def _encrypted_message():
    return _("The file is password-protected; save an unprotected copy and upload that.")


class FileRejected(Exception):
    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class AcceptedFile:
    name: str
    kind: str  # FileKind value
    content_type: str
    content: bytes
    sha256: str  # of ``content``, the bytes stored
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None
    taken_at: datetime | None = None


def safe_name(name: str, *, default: str = "file") -> str:
    """A base name safe on every file system: no directory part, no control or reserved characters,
    at most 120 characters, extension kept."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*\x00]', "_", name).strip().strip(".").strip()
    if not name:
        return default
    stem, dot, ext = name.rpartition(".")
    if not dot:
        return name[:120]
    return f"{stem[: 120 - len(ext) - 1]}.{ext[:10]}"


def upload_problem(uploads, *, max_bytes: int) -> str | None:
    """Why a request's uploads are refused before any of them is read (too many, or one too large,
    named), or None."""
    if len(uploads) > MAX_FILES_PER_REQUEST:
        return str(
            _("Upload at most %(count)s files at a time; you sent %(sent)s.")
            % {"count": MAX_FILES_PER_REQUEST, "sent": len(uploads)}
        )
    for upload in uploads:
        if upload.size > max_bytes:
            return str(
                _("%(name)s: the file is larger than %(limit)s MB.")
                % {"name": upload.name or "file", "limit": max_bytes // MEGABYTE}
            )
    return None


def _with_extension(name: str, ext: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return safe_name(f"{stem or 'file'}.{ext}")


def accept_file(data: bytes, name: str, *, max_bytes: int = 20 * MEGABYTE, photo_max_bytes: int = 15 * MEGABYTE):
    """Check one upload and return what to store, or raise FileRejected with a message for people."""
    if not data:
        raise FileRejected("empty", _("The file is empty."))
    if len(data) > max_bytes:
        raise FileRejected("too_large", _("The file is larger than %(limit)s MB.") % {"limit": max_bytes // MEGABYTE})
    name = safe_name(name)
    if data.startswith(b"%PDF-"):
        return _pdf(data, name)
    if data.startswith(_ZIP):
        return _office(data, name)
    if data.startswith(_OLE2):
        if _OLE2_ENCRYPTED in data:
            raise FileRejected("encrypted", _encrypted_message())
        raise FileRejected(
            "legacy_office",
            _("Old .doc/.xls files can carry macros and are not accepted; save it as .docx or .xlsx."),
        )
    try:
        photo = process_photo(data, max_bytes=photo_max_bytes)
    except PhotoRejected as error:
        if error.code == "not_an_image":
            raise FileRejected(
                "unsupported_type", _("Only photos, PDF, Word (.docx) or Excel (.xlsx) files are accepted.")
            ) from None
        raise FileRejected(error.code, error.message) from None
    return AcceptedFile(
        name=_with_extension(name, "jpg"),
        kind="image",
        content_type="image/jpeg",
        content=photo.content,
        sha256=hashlib.sha256(photo.content).hexdigest(),
        thumbnail=photo.thumbnail,
        width=photo.width,
        height=photo.height,
        taken_at=photo.taken_at,
    )


def _pdf(data: bytes, name: str) -> AcceptedFile:
    if b"%%EOF" not in data[-2048:]:
        raise FileRejected("broken", _("The PDF is damaged or incomplete."))
    # An encrypted PDF names its encryption dictionary in the trailer; we cannot index or print it.
    if _PDF_ENCRYPT.search(data) or any(
        _PDF_ENCRYPT.fullmatch(_pdf_name(m.group())) for m in _PDF_ESCAPED_NAME.finditer(data)
    ):
        raise FileRejected(
            "encrypted", _("The PDF is password-protected or encrypted; save an unprotected copy and upload that.")
        )
    return AcceptedFile(
        name=_with_extension(name, "pdf"),
        kind="pdf",
        content_type="application/pdf",
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _pdf_name(escaped: bytes) -> bytes:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), escaped)


def _office(data: bytes, name: str) -> AcceptedFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > _MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > _MAX_ZIP_EXPANSION * len(data):
            raise FileRejected("broken", _("The file is not a valid Word or Excel document."))
        if any(m.flag_bits & 0x1 for m in members):
            raise FileRejected("encrypted", _encrypted_message())
        names = {m.filename.lower() for m in members}
        content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        ValueError,
        zlib.error,
    ):
        raise FileRejected("broken", _("The file is not a valid Word or Excel document.")) from None
    if "macroenabled" in content_types.lower() or any(n.endswith("vbaproject.bin") for n in names):
        raise FileRejected("macros", _("Files with macros (.docm, .xlsm) are not accepted; save it without macros."))
    if _DOCX_MAIN in content_types:
        return AcceptedFile(
            name=_with_extension(name, "docx"),
            kind="docx",
            content_type=DOCX_TYPE,
            content=data,
            sha256=hashlib.sha256(data).hexdigest(),
        )
    if _XLSX_MAIN in content_types:
        return AcceptedFile(
            name=_with_extension(name, "xlsx"),
            kind="xlsx",
            content_type=XLSX_TYPE,
            content=data,
            sha256=hashlib.sha256(data).hexdigest(),
        )
    raise FileRejected("unsupported_type", _("Only photos, PDF, Word (.docx) or Excel (.xlsx) files are accepted."))
