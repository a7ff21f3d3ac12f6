"""Archive uploads are judged by their bytes, not their names; names are made safe."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from gongjian.archives.tests.factories import jpeg
from gongjian.archives.uploads import FileRejected, accept_file, safe_name


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\王\\会议纪要.docx", "会议纪要.docx"),
        ("a\x00b<>:|?.pdf", "ab_____.pdf"),  # control characters dropped, reserved ones replaced
        ("...", "file"),
        ("", "file"),
    ],
)
def test_file_names_lose_their_directories_and_reserved_characters(given, safe):
    assert safe_name(given) == safe


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.active["A1"] = "花名册"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_excel_roster_is_accepted_whatever_it_is_called():
    accepted = accept_file(xlsx(), "roster.bin")
    assert (accepted.kind, accepted.name) == ("xlsx", "roster.xlsx")


def test_a_photo_named_pdf_is_stored_as_the_photo_it_is():
    accepted = accept_file(jpeg(seed=1), "scan.pdf")
    assert accepted.kind == "image" and accepted.name == "scan.jpg" and accepted.thumbnail


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\x00" * 50_000_000)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "broken"),  # cut off before %%EOF
        (zip_bomb(), "broken"),
        (b"PK\x03\x04not really a zip", "broken"),
    ],
)
def test_broken_files_are_refused_with_a_reason(data, code):
    with pytest.raises(FileRejected) as error:
        accept_file(data, "x")
    assert error.value.code == code


def test_a_file_over_the_limit_is_refused_before_it_is_parsed():
    with pytest.raises(FileRejected) as error:
        accept_file(b"%PDF-" + b"0" * 2_000_000, "big.pdf", max_bytes=1_000_000)
    assert error.value.code == "too_large"


# --- encrypted and damaged files ------------------------------------------------------------------


def office_zip(*, compress=zipfile.ZIP_STORED) -> bytearray:
    """A minimal .docx: its content types first, then the document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        types = (
            '<Types><Override PartName="/word/document.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        )
        z.writestr(zipfile.ZipInfo("[Content_Types].xml"), types * 20, compress_type=compress)
        z.writestr("word/document.xml", "<w:document/>")
    return bytearray(buffer.getvalue())


def with_first_member(data: bytearray, *, flag: int | None = None, method: int | None = None) -> bytes:
    """The zip with its first member's flag bits or compression method rewritten, in both headers."""
    central = data.index(b"PK\x01\x02")
    for offset, header in ((0, 6), (central, 8)):
        if flag is not None:
            data[offset + header : offset + header + 2] = flag.to_bytes(2, "little")
        if method is not None:
            data[offset + header + 2 : offset + header + 4] = method.to_bytes(2, "little")
    return bytes(data)


def with_garbled_deflate(data: bytearray) -> bytes:
    name_length, extra_length = int.from_bytes(data[26:28], "little"), int.from_bytes(data[28:30], "little")
    start = 30 + name_length + extra_length
    data[start : start + 8] = b"\xff" * 8
    return bytes(data)


def test_a_minimal_docx_is_accepted():
    assert accept_file(bytes(office_zip()), "plan.docx").kind == "docx"


def test_a_word_file_whose_members_are_encrypted_is_refused_as_password_protected(english):
    with pytest.raises(FileRejected) as error:
        accept_file(with_first_member(office_zip(), flag=0x1), "plan.docx")
    assert error.value.code == "encrypted" and "password-protected" in str(error.value)


def test_a_word_file_saved_with_a_password_is_refused_as_password_protected_not_as_an_old_doc():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(FileRejected) as error:
        accept_file(ole2, "plan.docx")
    assert error.value.code == "encrypted"


@pytest.mark.parametrize(
    "damaged",
    [
        pytest.param(lambda: with_garbled_deflate(office_zip(compress=zipfile.ZIP_DEFLATED)), id="garbled-deflate"),
        pytest.param(lambda: with_first_member(office_zip(), method=99), id="unknown-compression"),
    ],
)
def test_an_office_file_that_cannot_be_unpacked_is_refused_as_broken_not_an_error(damaged):
    with pytest.raises(FileRejected) as error:
        accept_file(damaged(), "plan.docx")
    assert error.value.code == "broken"


def pdf(trailer: bytes) -> bytes:
    return b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer\n<<" + trailer + b">>\nstartxref\n0\n%%EOF\n"


@pytest.mark.parametrize(
    "trailer",
    [
        b"/Root 1 0 R /Encrypt 5 0 R",
        b"/Root 1 0 R/Encrypt 5 0 R",
        b"/Root 1 0 R/Encrypt<</Filter/Standard/V 2>>",
        b"/Encrypt/Standard",
        b"/Root 1 0 R/Encr#79pt 5 0 R",
    ],
)
def test_an_encrypted_pdf_is_refused_however_its_trailer_is_written(trailer):
    with pytest.raises(FileRejected) as error:
        accept_file(pdf(trailer), "scan.pdf")
    assert error.value.code == "encrypted"


def test_a_pdf_without_encryption_is_accepted():
    assert accept_file(pdf(b"/Root 1 0 R /EncryptedLooking 2 0 R"), "scan.pdf").kind == "pdf"
