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
