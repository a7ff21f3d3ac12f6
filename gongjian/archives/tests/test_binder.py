"""The binder of a community's year, read back the way an inspector reads it: the PDF's pages as
text (poppler's pdftotext) and its images (pdfimages), the ZIP's members and its index.xlsx."""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass

import pytest
from openpyxl import Workbook, load_workbook

from gongjian.archives import binder, periods
from gongjian.archives.choices import EvidenceKind
from gongjian.archives.models import EvidenceFile
from gongjian.archives.services import FileIn
from gongjian.archives.tests.factories import archive_ruleset, photo, published_template, record
from gongjian.core.fonts import FontsMissing
from gongjian.testing.fonts import pdf_fonts

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed"),
]

YEAR = periods.parse("2026")
MEETING_TEXT = "会议研究了垃圾分类和楼道堆物整治工作，明确了责任人和完成时间。"


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class Year:
    unit: object
    meetings: list
    roster: object
    nasty: object
    plan_and_meeting: object


@pytest.fixture
def year(people, small_city) -> Year:
    """GIVEN community a1's year: two monthly meetings with photos (one photo without a caption),
    a meeting that also counts as the year's plan, the roster as an Excel file, and a record whose
    title tries to climb out of the ZIP."""
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    worker, unit = people.community_worker, small_city.community_a1
    march = record(
        worker,
        unit,
        ruleset,
        day=datetime.date(2026, 3, 10),
        title="三月共建例会",
        text=MEETING_TEXT,
        files=[photo(1, "会场全景"), photo(2, "签到表"), photo(3, "")],
    )
    april = record(
        worker, unit, ruleset, day=datetime.date(2026, 4, 8), title="四月共建例会", files=[photo(4, "四月会场")]
    )
    roster = record(
        worker,
        unit,
        ruleset,
        code="3.3",
        kind=EvidenceKind.DOCUMENT,
        day=datetime.date(2026, 2, 1),
        title="四支队伍花名册",
        files=[FileIn(name="花名册.xlsx", data=xlsx([["姓名", "队伍"], ["张三", "志愿者"]]))],
    )
    nasty = record(
        worker,
        unit,
        ruleset,
        code="3.3",
        kind=EvidenceKind.PHOTO_SET,
        day=datetime.date(2026, 5, 6),
        title="../../etc/passwd",
        files=[photo(5, "越界"), photo(6, "越界二")],
    )
    from gongjian.archives import services
    from gongjian.archives.tests.factories import item

    plan = services.evidence_create(
        user=worker,
        unit=unit,
        period=periods.parse("2026-06"),
        kind=EvidenceKind.MEETING,
        title="年中推进会暨计划调整",
        date=datetime.date(2026, 6, 3),
        rule_items=[item(ruleset, "3.1"), item(ruleset, "3.2")],
        text="调整下半年计划。",
    )
    return Year(unit=unit, meetings=[march, april], roster=roster, nasty=nasty, plan_and_meeting=plan)


def pdf_pages(path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def images_per_page(path) -> dict[int, int]:
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    counts: dict[int, int] = {}
    for line in listing.splitlines()[2:]:
        fields = line.split()
        if len(fields) > 2 and fields[2] == "image":
            counts[int(fields[0])] = counts.get(int(fields[0]), 0) + 1
    return counts


@pytest.fixture
def pdf(year, tmp_path):
    path = tmp_path / "binder.pdf"
    seen = []
    binder.build_pdf(year.unit, YEAR, path, progress=lambda percent, stage: seen.append((percent, stage)))
    # Kept, with its pages drawn, for a person to look at (var/test-artefacts/binder/).
    from gongjian.documents.tests.layout import artefacts_dir, pdf_to_pngs

    keep = artefacts_dir("binder")
    shutil.copy(path, keep / "binder.pdf")
    pdf_to_pngs(path, keep, "binder")
    return path, pdf_pages(path), seen


def test_the_pdf_opens_with_a_cover_naming_the_unit_the_period_compiler_reviewer_and_date(pdf):
    path, pages, _seen = pdf
    assert path.read_bytes().startswith(b"%PDF")
    cover = pages[0]
    assert "甲一社区" in cover and "测试市 测试区 甲街道 甲一社区" in cover
    assert "2026" in cover
    assert "编制人" in cover and "审核人" in cover and "日期" in cover
    assert re.search(r"20\d\d-\d\d-\d\d", cover)


def test_the_names_given_for_compiler_and_reviewer_are_on_the_cover(year, tmp_path):
    path = tmp_path / "signed.pdf"
    binder.build_pdf(year.unit, YEAR, path, compiler="王小明", reviewer="李主任")
    cover = pdf_pages(path)[0]
    assert re.search(r"编制人\s+王小明", cover) and re.search(r"审核人\s+李主任", cover)


def test_internal_metrics_never_reach_the_binder_the_inspectors_receive(pdf, year, tmp_path):
    """GIVEN the same year WHEN the binder and the self-check report are made THEN completeness and
    points at risk are in the self-check report only."""
    _path, pages, _seen = pdf
    text = "\n".join(pages)
    for internal in ("完整率", "完整度", "失分风险", "可能失分", "%"):
        assert internal not in text, internal
    report = tmp_path / "self-check.pdf"
    binder.build_self_check_pdf(year.unit, YEAR, report)
    checked = "\n".join(pdf_pages(report))
    assert "自查报告" in checked and "甲一社区" in checked
    assert re.search(r"\d+%", checked)
    assert "不随台帐资料报送检查" in checked


@pytest.mark.usefixtures("no_system_fonts")
def test_the_pdf_embeds_the_shipped_chinese_fonts_on_a_machine_without_any_font(year, tmp_path):
    """GIVEN fontconfig that knows no font at all (a fresh machine) WHEN the binder is built
    THEN its Chinese is set in the product's own Noto SC faces, embedded, and reads back as text."""
    path = tmp_path / "fontless.pdf"
    binder.build_pdf(year.unit, YEAR, path)
    embedded = pdf_fonts(path)
    assert {name for name, _ in embedded} >= {"Noto-Sans-SC", "Noto-Serif-SC"}, embedded
    assert all(name.startswith(("Noto-Sans-SC", "Noto-Serif-SC")) for name, _ in embedded), embedded
    assert all(is_embedded for _, is_embedded in embedded), embedded
    assert "测试市 测试区 甲街道 甲一社区" in pdf_pages(path)[0]


def test_without_the_shipped_fonts_the_binder_is_refused_before_any_work(year, tmp_path, settings):
    settings.FONT_DIR = tmp_path / "nowhere"
    seen = []
    with pytest.raises(FontsMissing, match="NotoSansSC-Regular.ttf"):
        binder.build_pdf(year.unit, YEAR, tmp_path / "never.pdf", progress=lambda *report: seen.append(report))
    assert seen == [] and not (tmp_path / "never.pdf").exists()


def test_the_table_of_contents_gives_the_page_where_each_section_starts(pdf):
    _path, pages, _seen = pdf
    toc = pages[1]
    titles = ["一、共建例会", "二、年度计划与总结", "三、四支队伍花名册"]
    for title in titles:
        match = re.search(re.escape(title) + r"[ .]*?(\d+)\s*$", toc, re.M)
        assert match, f"{title} not in the contents:\n{toc}"
        page = int(match.group(1))
        # The section's heading is on that page, and on no page between the contents and it.
        assert title in pages[page - 1]
        assert not any(title in text for text in pages[2 : page - 1])
    # Sections in the template's order.
    assert [toc.index(t) for t in titles] == sorted(toc.index(t) for t in titles)


def test_a_record_counting_for_two_items_appears_in_both_sections(pdf):
    _path, pages, _seen = pdf
    text = "\n".join(pages)
    assert text.count("年中推进会暨计划调整") >= 2


def test_photos_follow_their_record_on_the_same_page_with_captions_and_a_marker_where_one_is_missing(pdf):
    path, pages, _seen = pdf
    images = images_per_page(path)
    assert sum(images.values()) == 6  # every photo once, whatever section it is in
    assert max(images.values()) <= 3
    heading = next(n for n, text in enumerate(pages, start=1) if "三月共建例会" in text and "会议研究了" in text)
    # The record's text and its first photo share a page: no page left half empty before the photos.
    assert images.get(heading, 0) >= 1
    assert "会场全景" in pages[heading - 1]
    text = "\n".join(pages)
    assert "签到表" in text
    assert "［无照片说明］" in text  # the marker, in the binder's language (Chinese)


def test_the_contents_list_every_record_with_the_page_it_is_on(pdf, year):
    _path, pages, _seen = pdf
    toc = pages[1]
    for title in ("三月共建例会", "四月共建例会", "四支队伍花名册", "年中推进会暨计划调整"):
        match = re.search(r"\d{4}-\d{2}-\d{2}\s*" + re.escape(title) + r"[ .]*?(\d+)\s*$", toc, re.M)
        assert match, f"{title} not in the contents:\n{toc}"
        assert title in pages[int(match.group(1)) - 1]


def test_excel_and_word_evidence_is_printed_as_its_content(people, small_city, year, tmp_path):
    """GIVEN the roster as an Excel file and a plan as a Word file with a table
    THEN the binder prints their cells and paragraphs, not only their names."""
    from docx import Document

    from gongjian.archives.models import Evidence

    document = Document()
    document.add_paragraph("二〇二六年社区共建工作计划")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "月份", "重点工作"
    table.cell(1, 0).text, table.cell(1, 1).text = "三月", "楼道堆物清理"
    buffer = io.BytesIO()
    document.save(buffer)
    roster = Evidence.objects.get(pk=year.roster.pk)
    record(
        people.community_worker,
        year.unit,
        roster.rule_items.first().ruleset,
        code="3.3",
        kind=EvidenceKind.DOCUMENT,
        day=datetime.date(2026, 2, 2),
        title="年度工作计划",
        files=[FileIn(name="工作计划.docx", data=buffer.getvalue())],
    )
    path = tmp_path / "office.pdf"
    binder.build_pdf(year.unit, YEAR, path)
    text = re.sub(r"\s+", "", "\n".join(pdf_pages(path)))
    assert "张三" in text and "志愿者" in text  # the roster's cells
    assert "二〇二六年社区共建工作计划" in text and "楼道堆物清理" in text  # the plan's paragraph and table


def test_the_chinese_text_read_back_from_the_pdf_is_what_was_filed(pdf):
    _path, pages, _seen = pdf
    text = re.sub(r"\s+", "", "\n".join(pages))
    assert re.sub(r"\s+", "", MEETING_TEXT) in text
    assert "花名册.xlsx" in text  # an Excel file is headed by its name


def test_every_page_after_the_cover_has_the_running_header_and_a_page_number(pdf):
    _path, pages, _seen = pdf
    total = len(pages)
    for number, text in enumerate(pages[1:], start=2):
        assert "甲一社区" in text.splitlines()[0] or "甲一社区" in text[:200]
        assert re.search(rf"\D{number}\D.*\D{total}\D", text.strip().splitlines()[-1] + " "), text[-200:]


def test_the_pdf_build_reports_progress_up_to_the_end(pdf):
    _path, _pages, seen = pdf
    percents = [p for p, _stage in seen]
    assert percents == sorted(percents) and percents[-1] >= 99 and all(stage for _p, stage in seen)


def test_the_pdf_never_embeds_a_photo_larger_than_the_layout_needs(year, tmp_path, settings):
    """GIVEN a photo as large as a phone takes it, WHEN the binder is made, THEN the PDF holds a
    reduced copy (memory and file size do not follow the camera)."""
    listing_path = tmp_path / "big.pdf"
    binder.build_pdf(year.unit, YEAR, listing_path)
    listing = subprocess.run(["pdfimages", "-list", str(listing_path)], capture_output=True, text=True).stdout
    widths = [int(line.split()[3]) for line in listing.splitlines()[2:] if line.split()[2:3] == ["image"]]
    assert widths and max(widths) <= binder.PHOTO_MAX_SIDE


# --- ZIP ------------------------------------------------------------------------------------------


@pytest.fixture
def archive(year, tmp_path):
    path = tmp_path / "binder.zip"
    binder.build_zip(year.unit, YEAR, path)
    return zipfile.ZipFile(path)


def test_the_zip_has_a_folder_per_section_holding_the_original_bytes(year, archive):
    names = archive.namelist()
    folders = {n.split("/")[0] for n in names if "/" in n}
    assert folders == {"01 一、共建例会", "03 三、四支队伍花名册"}
    files = EvidenceFile.objects.filter(evidence__in=[*year.meetings, year.roster, year.nasty])
    by_hash = {hashlib.sha256(archive.read(n)).hexdigest(): n for n in names if n != binder.INDEX_NAME}
    for f in files:
        assert f.sha256 in by_hash, f.name
    assert any(n.startswith("03 三、四支队伍花名册/2026-02-01-四支队伍花名册-1") and n.endswith(".xlsx") for n in names)


def test_the_index_lists_every_file_with_its_sha256_and_where_it_is_in_the_zip(archive):
    sheet = load_workbook(io.BytesIO(archive.read(binder.INDEX_NAME)), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[1], rows[2:]  # below the title row
    assert len(header) == 9
    members = set(archive.namelist()) - {binder.INDEX_NAME}
    assert {row[8] for row in body} == members
    for row in body:
        assert hashlib.sha256(archive.read(row[8])).hexdigest() == row[7]
    captions = {row[6] for row in body}
    assert {"会场全景", "签到表", "四月会场"} <= captions


def test_no_zip_member_can_climb_out_of_its_folder_even_with_a_hostile_title(archive):
    for name in archive.namelist():
        parts = name.split("/")
        assert not name.startswith("/") and "\\" not in name
        assert ".." not in parts and all(p and not p.startswith(".") for p in parts), name
        assert len(parts) <= 2
    assert any("etc_passwd" in name for name in archive.namelist())


def test_two_files_that_would_get_the_same_name_are_kept_apart(people, small_city, tmp_path):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    for seed in (10, 20):
        record(people.community_worker, small_city.community_a1, ruleset, title="同名", files=[photo(seed, "x")])
    path = tmp_path / "same.zip"
    binder.build_zip(small_city.community_a1, YEAR, path)
    names = [n for n in zipfile.ZipFile(path).namelist() if n != binder.INDEX_NAME]
    assert len(names) == 2 and len(set(names)) == 2


def test_records_counting_for_no_section_go_to_other_records(people, small_city, tmp_path):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    record(people.community_worker, small_city.community_a1, ruleset, code="1.1", title="不在样本中的记录")
    content = binder.binder_content(small_city.community_a1, YEAR)
    assert [r.title for r in content.sections[-1].records] == ["不在样本中的记录"]
    assert content.sections[-1].template_section is None


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("..\\..\\windows", "windows"),
        ("a/b", "a_b"),
        ("  ..  ", "file"),
        ("会议\x00记录", "会议记录"),
        ('x:y*z?"<>|', "x_y_z"),
    ],
)
def test_safe_component_keeps_names_inside_their_folder(title, expected):
    assert binder.safe_component(title) == expected


def test_text_people_wrote_is_only_ever_text_in_the_index_and_control_characters_do_not_break_it(
    people, small_city, tmp_path
):
    """GIVEN a record whose title, author and caption start like spreadsheet formulas and hold
    control characters, WHEN the ZIP is made, THEN index.xlsx holds them as plain text cells."""
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    record(
        people.community_worker,
        small_city.community_a1,
        ruleset,
        title='=HYPERLINK("http://evil.example","点击")\x07',
        author="@SUM(1+1)",
        files=[photo(30, "+1\x01-2"), photo(31, "-会场")],
    )
    path = tmp_path / "hostile.zip"
    binder.build_zip(small_city.community_a1, YEAR, path)
    index = zipfile.ZipFile(path).read(binder.INDEX_NAME)
    sheet = load_workbook(io.BytesIO(index)).worksheets[0]
    body = list(sheet.iter_rows(min_row=3))  # below the title and header rows
    assert body
    for row in body:
        for cell in row:
            assert cell.data_type != "f", cell.value
    titles = {row[1].value for row in body}
    assert titles == {'=HYPERLINK("http://evil.example","点击")'}
    assert {row[4].value for row in body} == {"@SUM(1+1)"}
    assert {row[6].value for row in body} == {"+1-2", "-会场"}
    assert all(row[1].quotePrefix and row[4].quotePrefix and row[6].quotePrefix for row in body)


def test_markup_and_control_characters_in_a_record_are_printed_as_text_in_the_pdf(people, small_city, tmp_path):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    record(
        people.community_worker,
        small_city.community_a1,
        ruleset,
        title="<b>加粗</b>\x0c标题",
        text="第一行\x00<script>alert(1)</script>",
        files=[photo(32, '"); } @page { content: "x')],
    )
    path = tmp_path / "hostile.pdf"
    binder.build_pdf(small_city.community_a1, YEAR, path)
    text = "\n".join(pdf_pages(path))
    assert "<b>加粗</b>" in text and "<script>alert(1)</script>" in text


def test_the_command_makes_the_self_check_report_and_a_signed_binder(year, tmp_path):
    from django.core.management import call_command

    report = tmp_path / "self-check.pdf"
    call_command("binder", unit=str(year.unit.pk), period="2026", format="self-check", output=str(report))
    assert "自查报告" in "\n".join(pdf_pages(report))
    signed = tmp_path / "binder.pdf"
    call_command(
        "binder", unit=str(year.unit.pk), period="2026", output=str(signed), compiler="王小明", reviewer="李主任"
    )
    assert "王小明" in pdf_pages(signed)[0]
