"""The filled-in skeleton: the template in force as a Word file with what a community has filed, what
is still missing and space to write in; Chinese marked as such so Word shows it properly."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess

import pytest
from docx import Document
from docx.oxml.ns import qn

from gongjian.archives import periods, selectors
from gongjian.archives.skeleton import DOCX, skeleton_docx
from gongjian.archives.tests.factories import archive_ruleset, photo, published_template, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

YEAR = periods.parse("2026")
MARCH = datetime.date(2026, 3, 10)


@pytest.fixture
def filed(people, small_city):
    """Community A1 with a published template and March's meeting, one of its photos uncaptioned."""
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    record(
        people.community_worker,
        small_city.community_a1,
        ruleset,
        day=MARCH,
        title="三月共建例会",
        files=[photo(1, "会场", MARCH), photo(2, "", MARCH)],
    )
    return small_city.community_a1


def text_of(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_skeleton_opens_in_word_with_the_unit_the_sections_and_what_is_filed(filed):
    result = skeleton_docx(filed, YEAR)
    assert result.content_type == DOCX and result.filename.endswith("-甲一社区-2026.docx")
    document = Document(io.BytesIO(result.content))
    text = text_of(document)
    assert "甲一社区" in text and "2026年台帐资料样本" in text
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、共建例会", "二、年度计划与总结", "三、四支队伍花名册"]
    assert "Item 3.1 共建例会记录 — 6.00 points" in text
    assert "每月至少一次会议记录，至少两张带说明的照片" in text
    # the March meeting is filed, with one of its two photos uncaptioned
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert rows[1] == ["2026-03-10", "三月共建例会", "Meeting record", "2", "1"]


def test_the_skeleton_lists_the_slots_still_missing_as_the_audit_does(filed):
    audit = selectors.audit_unit(filed, YEAR)
    text = text_of(Document(io.BytesIO(skeleton_docx(filed, YEAR).content)))
    missing = [f.message for f in audit.findings if f.code == "missing"]
    assert missing and all(message in text for message in missing)
    assert "2026-02: 每月至少一次会议记录，至少两张带说明的照片 — 0 of 1 record(s)" in text


def test_chinese_text_carries_an_east_asian_font_and_language(filed):
    document = Document(io.BytesIO(skeleton_docx(filed, YEAR).content))
    runs = [run for p in document.paragraphs for run in p.runs if run.text.strip()]
    assert runs
    for run in runs:
        fonts = run._element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in ("SimSun", "SimHei")
    normal = document.styles["Normal"].element.rPr
    assert normal.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_a_city_without_a_published_template_gets_a_skeleton_that_says_so(people, small_city):
    document = Document(io.BytesIO(skeleton_docx(small_city.community_a1, YEAR).content))
    assert "The city has not published an archive template yet." in text_of(document)


@pytest.mark.skipif(not shutil.which("libreoffice"), reason="LibreOffice is not installed")
def test_libreoffice_converts_the_skeleton_to_pdf(filed, tmp_path):
    source = tmp_path / "skeleton.docx"
    source.write_bytes(skeleton_docx(filed, YEAR).content)
    subprocess.run(
        ["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert (tmp_path / "skeleton.pdf").read_bytes().startswith(b"%PDF")


def test_control_characters_in_names_and_titles_do_not_break_the_word_file(filed):
    from gongjian.organizations.models import Unit

    Unit.objects.filter(pk=filed.pk).update(name="甲一\x0b社区\x07")
    filed.refresh_from_db()
    document = Document(io.BytesIO(skeleton_docx(filed, YEAR).content))
    assert "甲一社区" in text_of(document) and "\x0b" not in text_of(document)
    assert document.core_properties.title.startswith("甲一社区 2026")
