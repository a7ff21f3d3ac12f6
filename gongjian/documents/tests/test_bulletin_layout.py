"""The bulletin as officials see it: the Word file rendered by LibreOffice and the PDF, laid out after
GB/T 9704-2012 — 28 characters a line and 22 lines a page, the document number under the masthead,
附件 after the body, 版记 at the foot of the last page. The pages are kept as PNG files under
var/test-artefacts/bulletin/ for a person to look at."""

from __future__ import annotations

import datetime
import re
import shutil
from dataclasses import replace

import pytest

from gongjian.documents.compose import compose_bulletin
from gongjian.documents.pdf import render_pdf
from gongjian.documents.tests import handmade
from gongjian.documents.tests.layout import (
    POPPLER,
    SOFFICE,
    artefacts_dir,
    docx_to_pdf,
    page_lines,
    pdf_lines,
    pdf_to_pngs,
)
from gongjian.documents.word import DocxWriter

pytestmark = [
    pytest.mark.skipif(not SOFFICE, reason="LibreOffice (soffice) is not installed"),
    pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed"),
]

# Paragraphs of plain body text long enough to fill whole pages (three fillers each), no punctuation
# that LibreOffice could squeeze, so a full line holds exactly 28 characters.
FILLER = "社区共建工作要落到实处各街道社区要对照考核细则逐项整改确保问题逐一销号不留死角"
NEXT_STEPS = "\n".join(FILLER * 3 for _ in range(24))
CJK = re.compile(r"[\u4e00-\u9fff]")


def bulletin(**changes):
    facts = handmade.month_facts(next_steps=NEXT_STEPS, **changes)
    return compose_bulletin(facts, issuer=handmade.ISSUER, number=12, issue_date=datetime.date(2026, 9, 1), draft=False)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The Word file of a long bulletin through LibreOffice, its lines read back, its pages drawn."""
    work = tmp_path_factory.mktemp("bulletin")
    docx = work / "bulletin.docx"
    docx.write_bytes(DocxWriter(bulletin()).build())
    pdf = docx_to_pdf(docx, work)
    keep = artefacts_dir("bulletin")
    shutil.copy(docx, keep / "bulletin.docx")
    shutil.copy(pdf, keep / "bulletin-docx.pdf")
    pngs = pdf_to_pngs(pdf, keep, "bulletin-docx")
    return pdf_lines(pdf), pngs


def test_the_word_file_lays_out_28_characters_a_line_and_22_lines_a_page_in_libreoffice(rendered):
    lines, _pngs = rendered
    pages = sorted({line.page for line in lines})
    # A page of nothing but the next steps' filler: the body text's own grid.
    full_pages = [p for p in pages if all(set(CJK.findall(line.text)) <= set(FILLER) for line in page_lines(lines, p))]
    assert full_pages, "no page holds only body text"
    page = page_lines(lines, full_pages[0])
    assert len(page) == 22, [line.text for line in page]
    widths = [len(CJK.findall(line.text)) for line in page]
    # Every line is full (28 characters) but a paragraph's first, indented two characters (26), and its
    # last (what remains).
    remainder = (3 * len(FILLER) - 26) % 28 or 28
    assert max(widths) == 28, widths
    assert widths.count(28) >= 12, widths
    assert set(widths) <= {26, 28, remainder}, widths


def test_the_number_stands_under_the_masthead_and_above_the_red_rule_and_the_title(rendered):
    lines, _pngs = rendered
    first = page_lines(lines, 1)
    texts = [line.text for line in first]
    mark = texts.index("青田市三创工作领导小组办公室")
    number = texts.index("青三创办〔2026〕12号")
    title = next(i for i, text in enumerate(texts) if text.startswith("关于2026年8月"))
    assert mark < number < title
    # The mark's top edge stands 35 mm below the top of the type area (37 mm from the page top) or so.
    assert 180 < first[mark].y < 230


def test_the_ranking_table_is_an_attachment_after_the_signature_on_a_page_of_its_own(rendered):
    lines, _pngs = rendered
    texts = [(line.page, line.text) for line in lines]
    signature = max(i for i, (_p, t) in enumerate(texts) if t == "2026年9月1日")
    note = next(i for i, (_p, t) in enumerate(texts) if t.startswith("附件：2026年8月"))
    assert note < signature
    label = next(i for i, (_p, t) in enumerate(texts) if t == "附件1")
    assert label > signature
    label_page = texts[label][0]
    assert texts[signature][0] < label_page
    assert page_lines(lines, label_page)[0].text == "附件1"  # top left of its first page
    assert any("甲30社区" in t for p, t in texts if p >= label_page)


def test_the_colophon_sits_at_the_foot_of_the_last_page(rendered):
    lines, _pngs = rendered
    last = max(line.page for line in lines)
    foot = page_lines(lines, last)
    printed = next(line for line in foot if line.text.endswith("印发"))
    copy_to = next(line for line in foot if line.text.startswith("抄送："))
    assert printed.text == "青田市三创工作领导小组办公室2026年9月1日印发"
    assert copy_to.y < printed.y
    # Its last line ends within the type area's last lines (bottom margin 35 mm = 99 pt).
    assert printed.y > printed.page_height - 99 - 2 * 28.95 - 10


def test_the_pdf_puts_the_same_things_in_the_same_places(tmp_path):
    data = bulletin()
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(render_pdf(data))
    keep = artefacts_dir("bulletin")
    shutil.copy(pdf, keep / "bulletin.pdf")
    pdf_to_pngs(pdf, keep, "bulletin-pdf")
    lines = pdf_lines(pdf)
    first = [line.text for line in page_lines(lines, 1)]
    assert first.index("青田市三创工作领导小组办公室") < first.index("青三创办〔2026〕12号")
    label = next(line for line in lines if line.text == "附件1")
    assert page_lines(lines, label.page)[0].text == "附件1"
    last = max(line.page for line in lines)
    printed = next(line for line in page_lines(lines, last) if line.text.endswith("印发"))
    assert printed.y > printed.page_height - 99 - 2 * 28.95 - 10


def test_a_draft_is_marked_for_sign_off_and_has_no_number_yet(tmp_path):
    data = replace(bulletin(), draft=True, number="青三创办〔2026〕\u3000\u3000号")
    docx = tmp_path / "draft.docx"
    docx.write_bytes(DocxWriter(data).build())
    lines = pdf_lines(docx_to_pdf(docx, tmp_path))
    first = [line.text for line in page_lines(lines, 1)]
    assert first[0] == "征求意见稿"
    assert "青三创办〔2026〕号" in first
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(render_pdf(data))
    assert "征求意见稿" in [line.text for line in page_lines(pdf_lines(pdf), 1)]
