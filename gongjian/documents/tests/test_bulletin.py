"""The monthly bulletin (通报): its figures, the Word file and the PDF, and the command.

The small city has two published months. The clock stands at 1 September 2026, so August is
complete and was published that day.

    July    (6 problems)  compound_a1 3×乱堆杂物, community_a2 2×占道经营, community_b1 1×乱堆杂物
    August (10 problems)  compound_a1 5×乱堆杂物, community_a2 2×乱堆杂物 + 2×占道经营, compound_b1 1×私搭乱建

Rules: 50 points less 5 per 乱堆杂物, 50 points less 5 per 占道经营 or 私搭乱建. So in August
community_b1 and compound_b1 score 95, community_a2 80, community_a1 and compound_a1 75; compound_b1
holds the red flag of street B (threshold 90%), nobody that of street A; below 80% is criticised.
"""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.http import Http404
from docx import Document
from docx.oxml.ns import qn
from PIL import Image, ImageChops

from gongjian.accounts.access import actor_for
from gongjian.assessments import bulletin, rulespec, services
from gongjian.assessments.bulletin import BulletinData, BulletinDocx, BulletinNotReady, BulletinPdf, bulletin_data
from gongjian.assessments.models import Assessment
from gongjian.core.fonts import FontsMissing
from gongjian.documents import charts, text
from gongjian.documents.blocks import Paragraph, Run
from gongjian.documents.models import DocumentNumber, DocumentSequence
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory, at
from gongjian.testing.fonts import pdf_fonts

pytestmark = pytest.mark.django_db

NOW = at(2026, 9, 1, 10)
JULY = datetime.date(2026, 7, 1)
AUGUST = datetime.date(2026, 8, 1)
TITLE = "关于2026年8月社区共建工作考核情况的通报"
SECTIONS = ["一、基本情况", "二、考核排名", "三、流动红旗和红黑榜", "四、下一步工作"]

RULES = {
    "name": "社区共建工作考评细则",
    "version": 1,
    "effective_from": "2026-07",
    "total_points": "100",
    "levels": ["community", "compound"],
    "flag_level": "compound",
    "red_flag_threshold": "0.9",
    "list_size": 1,
    "policy": [
        {"when": "red_flag", "kind": "commendation"},
        {"when": "rate_below", "threshold": 0.8, "months": 1, "kind": "criticism"},
    ],
    "items": [
        {
            "code": "1",
            "name": "环境卫生",
            "points": "100",
            "children": [
                {
                    "code": "1.1",
                    "name": "乱堆乱放",
                    "points": "50",
                    "method": "deduct",
                    "per_occurrence": "5",
                    "categories": ["06036"],
                },
                {
                    "code": "1.2",
                    "name": "占道经营和乱搭建",
                    "points": "50",
                    "method": "deduct",
                    "per_occurrence": "5",
                    "categories": ["09006", "06001"],
                },
            ],
        }
    ],
}


@pytest.fixture(autouse=True)
def clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def problem(unit, code, day, state, month=8, **extra):
    """One problem found on ``day`` of ``month`` with a deadline two days later, in ``state``: closed
    "on_time", closed "late", or still "open"."""
    found = at(2026, month, day, 9)
    fields = {"status": "open"}
    if state in ("on_time", "late"):
        submitted = found + datetime.timedelta(days=1 if state == "on_time" else 3)
        fields = {"status": "closed", "submitted_at": submitted, "closed_at": submitted + datetime.timedelta(hours=2)}
    return ProblemFactory(unit=unit, category=Category.objects.get(code=code), found_at=found, **fields, **extra)


def publish(user, city, month):
    assessment = services.assessment_create(user=user, city=city, month=month)
    services.assessment_compute(user=user, assessment=assessment)
    return services.assessment_publish(user=user, assessment=assessment)


@pytest.fixture
def city_with_months(small_city, people):
    c = small_city
    admin = people.city_admin
    known = set(Category.objects.values_list("code", flat=True))
    services.ruleset_create(user=admin, city=c.city, spec=rulespec.parse_ruleset(RULES, known_categories=known))
    # July: 6 found, 4 closed (3 on time), 2 still open.
    first = problem(c.compound_a1, "06036", 2, "on_time", month=7)
    problem(c.compound_a1, "06036", 3, "on_time", month=7)
    problem(c.compound_a1, "06036", 4, "late", month=7)
    problem(c.community_a2, "09006", 5, "on_time", month=7)
    problem(c.community_a2, "09006", 6, "open", month=7)
    problem(c.community_b1, "06036", 7, "open", month=7)
    july = publish(admin, c.city, JULY)
    # August: 10 found, 7 closed (5 on time, one after a rework), 3 open (one a relapse).
    problem(c.compound_a1, "06036", 3, "on_time")
    problem(c.compound_a1, "06036", 4, "on_time")
    problem(c.compound_a1, "06036", 5, "late")
    problem(c.compound_a1, "06036", 6, "open")
    problem(c.compound_a1, "06036", 7, "open", relapse_of=first)
    problem(c.community_a2, "06036", 10, "on_time")
    problem(c.community_a2, "06036", 11, "on_time", rework_count=1)
    problem(c.community_a2, "09006", 12, "late")
    problem(c.community_a2, "09006", 13, "open")
    problem(c.compound_b1, "06001", 14, "on_time")
    august = publish(admin, c.city, AUGUST)
    return july, august


@pytest.fixture
def august(city_with_months) -> Assessment:
    return city_with_months[1]


@pytest.fixture
def data(august) -> BulletinData:
    return bulletin_data(august)


def all_text(data: BulletinData) -> str:
    parts = [data.opening.text]
    for section in data.sections:
        parts.append(section.heading)
        for block in section.blocks:
            parts.append(getattr(block, "text", "") or getattr(block, "caption", "") or getattr(block, "title", ""))
    return "\n".join(parts)


# --- the figures --------------------------------------------------------------------------------------------------


def test_the_bulletin_is_titled_and_dated_by_its_month_and_publication(data):
    assert data.title == TITLE
    assert "".join(data.title_lines) == TITLE
    assert data.issuer == "测试市三创办"
    assert data.issuer_full == "测试市三创工作领导小组办公室"
    assert data.issue_date_text == "2026年9月1日"
    assert [section.heading for section in data.sections] == SECTIONS


def test_the_basic_situation_counts_the_month_and_compares_it_with_the_last(data):
    text = all_text(data)
    assert data.problems.counts.found == 10
    assert "8月，全市共发现问题10处，其中乱堆杂物7处，占70.0%，居各类问题首位" in text
    assert "其次为占道经营2处（占20.0%）、私搭乱建1处（占10.0%）" in text
    assert "问题总数比上月增加4处（上月6处）" in text
    assert "应结案10处，已整改销号7处，结案率70.0%，比上月上升3.3个百分点" in text
    assert "按期结案5处，按期结案率50.0%，与上月持平" in text
    assert "超期整改5处，比上月增加2处" in text
    assert "复查不合格返工1处，比上月增加1处" in text
    assert "销号后回潮1处，比上月增加1处" in text


def test_the_rankings_go_street_by_street_in_rank_order(data):
    tables = [(t.street, t.level, [(r.rank_street, r.unit, r.rate_text) for r in t.rows]) for t in data.rankings]
    assert tables == [
        ("甲街道", "community", [(1, "甲二社区", "80.00%"), (2, "甲一社区", "75.00%")]),
        ("甲街道", "compound", [(1, "甲一小区", "75.00%")]),
        ("乙街道", "community", [(1, "乙一社区", "95.00%")]),
        ("乙街道", "compound", [(1, "乙一小区", "95.00%")]),
    ]
    text = all_text(data)
    assert "本月共考核社区3个、小区2个" in text
    # July: communities 85, 90, 95 and compounds 85, 100; August: 75, 80, 95 and 75, 95.
    assert "全市社区平均得分率83.33%，比上月下降6.67个百分点" in text
    assert "全市小区平均得分率85.00%，比上月下降7.50个百分点" in text


def test_red_flags_lists_and_sanctions_are_named(data):
    assert data.red_flags == (("甲街道", ()), ("乙街道", ("乙一小区",)))
    assert [e.unit for e in data.red_list["community"]] == ["乙一社区"]
    assert [e.unit for e in data.black_list["community"]] == ["甲一社区"]
    assert [e.unit for e in data.black_list["compound"]] == ["甲一小区"]
    text = all_text(data)
    assert "获得流动红旗的是：乙街道乙一小区" in text
    assert "甲街道本月无小区达到标准" in text
    assert "社区红榜（全市得分率前1名）：乙一社区（乙街道，95.00%，全市第1名）" in text
    assert "社区黑榜（全市得分率后1名）：甲一社区（甲街道，75.00%，全市第3名）" in text
    assert "对乙一小区予以通报表扬（获得本街道小区流动红旗）" in text
    assert "予以通报批评（本月得分率低于80%）" in text
    assert "甲一社区" in text.split("通报批评")[0].rsplit("；", 1)[-1]


def test_next_steps_are_the_offices_text_when_it_wrote_one(august):
    default = bulletin_data(august).sections[3]
    assert len(default.blocks) >= 4
    assert default.blocks[0].runs[0] == Run("（一）整治整改要再具体。", "kai")
    assert "乱堆杂物" in default.blocks[0].text
    august.next_steps = "（一）抓好整改。各社区要限期整改。\n（二）加强宣传。"
    august.save(update_fields=["next_steps"])
    written = bulletin_data(august).sections[3]
    assert written.blocks == (
        Paragraph((Run("（一）抓好整改。", "kai"), Run("各社区要限期整改。"))),
        Paragraph((Run("（二）加强宣传。", "kai"),)),
    )


def test_a_month_not_yet_published_has_no_bulletin(small_city, people):
    admin = people.city_admin
    known = set(Category.objects.values_list("code", flat=True))
    services.ruleset_create(
        user=admin, city=small_city.city, spec=rulespec.parse_ruleset(RULES, known_categories=known)
    )
    assessment = services.assessment_create(user=admin, city=small_city.city, month=AUGUST)
    services.assessment_compute(user=admin, assessment=assessment)
    with pytest.raises(BulletinNotReady):
        bulletin_data(assessment)
    with pytest.raises(BulletinNotReady):
        BulletinDocx(assessment).render()
    with pytest.raises(BulletinNotReady):
        BulletinPdf(assessment).render()


def test_a_reader_of_the_city_gets_the_same_bulletin_and_the_outsider_a_404(people, august):
    assert bulletin_data(august, actor=actor_for(people.community_worker)) == bulletin_data(august)
    with pytest.raises(Http404):
        bulletin_data(august, actor=actor_for(people.outsider))


# --- pure helpers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "before", "said"),
    [(10, 6, "比上月增加4处"), (3, 5, "比上月减少2处"), (4, 4, "与上月持平"), (0, 0, "与上月持平")],
)
def test_count_changes_are_said_as_in_a_report(now, before, said):
    assert text.count_change(now, before) == said


@pytest.mark.parametrize(
    ("now", "before", "said"),
    [
        (Decimal("70.0"), Decimal("66.7"), "比上月上升3.3个百分点"),
        (Decimal("50.0"), Decimal("62.5"), "比上月下降12.5个百分点"),
        (Decimal("50.0"), Decimal("50.0"), "与上月持平"),
        (Decimal("50.0"), None, ""),
        (None, Decimal("50.0"), ""),
    ],
)
def test_rate_changes_are_said_in_percentage_points(now, before, said):
    assert text.points_change(now, before) == said


@pytest.mark.parametrize(("n", "said"), [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (23, "二十三")])
def test_headings_are_numbered_in_chinese(n, said):
    assert text.chinese_number(n) == said


def test_dates_and_rates_are_written_with_arabic_digits():
    assert text.date_text(datetime.date(2026, 8, 31)) == "2026年8月31日"
    assert text.date_text(datetime.date(2026, 10, 1)) == "2026年10月1日"
    assert text.percent_text(Decimal("0.955")) == "95.50%"
    assert text.percent_text(Decimal("0.833333")) == "83.33%"


def test_a_long_title_breaks_after_a_whole_phrase_with_the_shorter_line_below():
    assert text.title_lines(TITLE) == ("关于2026年8月社区共建工作", "考核情况的通报")
    assert text.title_lines("关于考核的通报") == ("关于考核的通报",)


# --- charts ---------------------------------------------------------------------------------------------------------


def test_charts_are_pngs_drawn_with_the_shipped_chinese_font(data):
    assert set(data.figures) == {"categories.png", "score-trend.png"}
    for png in data.figures.values():
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.width > 1000
    assert charts.chart_font_family() == "Noto Sans SC"


def test_a_chart_draws_every_chinese_glyph_with_no_missing_glyph_warning(recwarn):
    png = charts.trend_chart([(JULY, {"community": Decimal("0.9")}), (AUGUST, {"community": None})])
    assert png.startswith(b"\x89PNG")
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


def test_without_the_shipped_fonts_a_chart_is_refused_with_a_clear_message(settings, tmp_path):
    settings.FONT_DIR = tmp_path
    with pytest.raises(FontsMissing) as refused:
        charts.trend_chart([(JULY, {"community": Decimal("0.9")})])
    assert str(tmp_path) in refused.value.message and "NotoSansSC-Regular.ttf" in refused.value.message


# --- the Word file --------------------------------------------------------------------------------------------------


def east_asian_font(run) -> str | None:
    fonts = run._element.rPr.rFonts if run._element.rPr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def test_the_word_file_follows_the_official_format(data, august):
    result = BulletinDocx(august, data=data).render()
    assert result.filename == "2026年8月社区共建工作考核通报.docx"
    assert result.content_type == bulletin.DOCX
    document = Document(io.BytesIO(result.content))
    assert document.core_properties.title == TITLE
    assert document.core_properties.author == "测试市三创工作领导小组办公室"
    paragraphs = document.paragraphs
    texts = [p.text for p in paragraphs]

    # Page: A4, margins 37 / 35 / 28 / 26 mm.
    section = document.sections[0]
    for length, mm in [
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ]:
        assert abs(length.mm - mm) < 0.1, (length.mm, mm)
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt: 22 lines a page

    # Title: 22 pt 方正小标宋简体, centred.
    title = next(p for p in paragraphs if p.text.replace("\n", "") == TITLE)
    assert title.alignment == 1  # centre
    assert {east_asian_font(r) for r in title.runs} == {"方正小标宋简体"}
    assert {r.font.size.pt for r in title.runs} == {22}

    # The four sections in order, in 黑体 16 pt; a sub-heading in 楷体_GB2312.
    positions = [texts.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    for heading in SECTIONS:
        runs = paragraphs[texts.index(heading)].runs
        assert {east_asian_font(r) for r in runs} == {"黑体"}
        assert {r.font.size.pt for r in runs} == {16}
    assert {east_asian_font(r) for r in paragraphs[texts.index("（一）甲街道")].runs} == {"楷体_GB2312"}

    # Body: 16 pt 仿宋_GB2312, first line indented two characters, exactly 28.95 pt apart.
    sentence = next(p for p in paragraphs if "共发现问题10处" in p.text)
    assert "其中乱堆杂物7处，占70.0%，居各类问题首位" in sentence.text
    assert {east_asian_font(r) for r in sentence.runs} == {"仿宋_GB2312"}
    assert {r.font.size.pt for r in sentence.runs} == {16}
    fmt = sentence.paragraph_format
    assert fmt.first_line_indent.pt == 32
    assert fmt.line_spacing.pt == pytest.approx(28.95, abs=0.05)
    assert fmt.line_spacing_rule == 4  # WD_LINE_SPACING.EXACTLY
    assert "结案率70.0%，比上月上升3.3个百分点" in "\n".join(texts)

    # The issue date, right-aligned, after the issuer.
    date = paragraphs[texts.index("2026年9月1日")]
    assert date.alignment == 2  # right
    assert texts.index("测试市三创工作领导小组办公室", texts.index(SECTIONS[-1])) < texts.index("2026年9月1日")

    # Ranking tables: ruled, a header row, units in rank order.
    tables = document.tables
    assert len(tables) == 4
    first = tables[0]
    assert [c.text for c in first.rows[0].cells] == ["名次", "社区名称", "得分", "满分", "得分率", "全市排名", "备注"]
    assert [(r.cells[0].text, r.cells[1].text, r.cells[4].text) for r in first.rows[1:]] == [
        ("1", "甲二社区", "80.00%"),
        ("2", "甲一社区", "75.00%"),
    ]
    borders = first._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"single"} and len(borders) == 6
    assert first.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    flag_row = tables[3].rows[1]
    assert [flag_row.cells[1].text, flag_row.cells[6].text] == ["乙一小区", "流动红旗"]

    # Both charts as pictures about 15 cm wide.
    pictures = document.inline_shapes
    assert len(pictures) == 2
    assert all(abs(shape.width.cm - 15) < 0.1 for shape in pictures)

    # Page numbers "— N —" in 14 pt from a PAGE field, odd pages right and even pages left.
    assert document.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "fldChar" in xml
        paragraph = footer.paragraphs[0]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert {r.font.size.pt for r in paragraph.runs} == {14}
    assert section.footer.paragraphs[0].alignment == 2
    assert section.even_page_footer.paragraphs[0].alignment == 0


# --- the PDF --------------------------------------------------------------------------------------------------------

POPPLER = all(shutil.which(tool) for tool in ("pdftoppm", "pdffonts", "pdftotext"))


def test_the_pdf_embeds_the_chinese_fonts_and_renders(data, august, tmp_path):
    result = BulletinPdf(august, data=data).render()
    assert result.filename == "2026年8月社区共建工作考核通报.pdf"
    assert result.content_type == "application/pdf"
    assert result.content.startswith(b"%PDF")
    if not POPPLER:
        pytest.skip("poppler-utils (pdftoppm, pdffonts, pdftotext) is not installed")
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(result.content)

    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    names = [row.split()[0].split("+")[-1].replace("-", "").lower() for row in rows]
    assert any(name.startswith("notoserifsc") for name in names), fonts
    assert any(name.startswith("notosanssc") for name in names), fonts
    # Only the shipped Simplified Chinese faces: no JP (nor any system) shapes.
    assert all(name.startswith(("notoserifsc", "notosanssc", "lxgwwenkai")) for name in names), fonts
    # Every font is embedded (the "emb" column).
    assert all(" yes " in f" {row} " for row in rows), fonts

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "社区共建工作" in flat and "考核情况的通报" in flat
    for words in ("一、基本情况", "四、下一步工作", "甲二社区", "乙一小区", "2026年9月1日", "—1—"):
        assert words in flat, words

    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    pages = list(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    image = Image.open(pages[0]).convert("L")
    assert abs(image.width / image.height - 210 / 297) < 0.01
    dark = sum(image.histogram()[:100])
    assert dark > 500, "page 1 looks blank"
    r, g, b = Image.open(pages[0]).convert("RGB").split()
    red = ImageChops.multiply(
        r.point(lambda v: 255 if v > 180 else 0),
        ImageChops.multiply(g.point(lambda v: 255 if v < 90 else 0), b.point(lambda v: 255 if v < 90 else 0)),
    )
    assert red.histogram()[255] > 200, "the red issuer's mark and rule are missing"


@pytest.mark.usefixtures("no_system_fonts")
def test_the_pdf_is_set_in_the_shipped_fonts_on_a_machine_without_any_font(data, august, tmp_path):
    """GIVEN fontconfig that knows no font at all WHEN the bulletin PDF is made THEN its Chinese is
    in the product's own faces, embedded, and reads back as text."""
    if not POPPLER:
        pytest.skip("poppler-utils (pdftoppm, pdffonts, pdftotext) is not installed")
    pdf = tmp_path / "fontless.pdf"
    pdf.write_bytes(BulletinPdf(august, data=data).render().content)
    embedded = pdf_fonts(pdf)
    assert {name for name, _ in embedded} >= {"Noto-Serif-SC", "Noto-Sans-SC"}, embedded
    assert all(name.startswith(("Noto-Serif-SC", "Noto-Sans-SC", "LXGW-WenKai")) for name, _ in embedded), embedded
    assert all(is_embedded for _, is_embedded in embedded), embedded
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "考核情况的通报" in "".join(text.split())


def test_without_the_shipped_fonts_the_pdf_is_refused_with_a_clear_message(data, august, settings, tmp_path):
    settings.FONT_DIR = tmp_path
    with pytest.raises(FontsMissing, match="make assets"):
        BulletinPdf(august, data=data).render()


# --- the command ----------------------------------------------------------------------------------------------------


def test_the_command_writes_the_format_its_output_names(august, tmp_path):
    docx_file = tmp_path / "out" / "通报.docx"
    call_command("bulletin", "--month", "2026-08", "--output", str(docx_file), stdout=io.StringIO())
    document = Document(str(docx_file))
    assert any(p.text.replace("\n", "") == TITLE for p in document.paragraphs)

    pdf_file = tmp_path / "bulletin.bin"
    call_command("bulletin", "--month", "2026-08", "--output", str(pdf_file), "--format", "pdf", stdout=io.StringIO())
    assert pdf_file.read_bytes().startswith(b"%PDF")


def test_the_command_refuses_an_unknown_or_unpublished_month(small_city, people, august, tmp_path):
    out = tmp_path / "x.docx"
    with pytest.raises(CommandError, match="2026-05"):
        call_command("bulletin", "--month", "2026-05", "--output", str(out))
    with pytest.raises(CommandError):
        call_command("bulletin", "--month", "2026-13", "--output", str(out))
    with pytest.raises(CommandError):
        call_command("bulletin", "--month", "2026-08", "--output", str(tmp_path / "x.txt"))
    with pytest.raises(CommandError):
        call_command("bulletin", "--month", "2026-08", "--output", str(out), "--city", small_city.other_city.code)
    september = services.assessment_create(
        user=people.city_admin, city=small_city.city, month=datetime.date(2026, 9, 1)
    )
    services.assessment_compute(user=people.city_admin, assessment=september)
    with pytest.raises(CommandError, match="2026-09"):
        call_command("bulletin", "--month", "2026-09", "--output", str(out))
    assert not out.exists()


# --- the document number and the draft ------------------------------------------------------------------------------


def test_a_published_bulletin_is_numbered_once_and_the_number_stands_under_the_masthead(august, settings):
    settings.DOCUMENT_ORGAN_PREFIX = "测三创办"
    first = bulletin_data(august)
    assert first.number == "测三创办〔2026〕1号" and not first.draft
    assert bulletin_data(august).number == first.number  # issued again: the same number
    assert DocumentNumber.objects.filter(assessment=august).count() == 1
    document = Document(io.BytesIO(BulletinDocx(august).render().content))
    texts = [p.text.replace("\n", "") for p in document.paragraphs]
    assert texts.index("测试市三创工作领导小组办公室") < texts.index("测三创办〔2026〕1号") < texts.index(TITLE)


def test_numbers_run_per_organ_and_year(city_with_months):
    july, august = city_with_months
    assert bulletin_data(august).number == "测试三创办〔2026〕1号"  # the city's name without 市
    assert bulletin_data(july).number == "测试三创办〔2026〕2号"
    assert DocumentSequence.objects.get(prefix="测试三创办", year=2026).last == 2


def test_the_city_office_drafts_a_computed_month_for_sign_off_and_no_one_else_may(small_city, people):
    admin = people.city_admin
    known = set(Category.objects.values_list("code", flat=True))
    services.ruleset_create(
        user=admin, city=small_city.city, spec=rulespec.parse_ruleset(RULES, known_categories=known)
    )
    assessment = services.assessment_create(user=admin, city=small_city.city, month=AUGUST)
    with pytest.raises(BulletinNotReady):  # nothing computed yet
        bulletin_data(assessment, actor=actor_for(admin), draft=True)
    services.assessment_compute(user=admin, assessment=assessment)
    assessment.refresh_from_db()
    draft = bulletin_data(assessment, actor=actor_for(admin), draft=True)
    assert draft.draft and draft.number == "测试三创办〔2026〕\u3000\u3000号"
    assert draft.filename_stem.endswith("（征求意见稿）")
    assert not DocumentNumber.objects.exists()
    document = Document(io.BytesIO(BulletinDocx(assessment, data=draft).render().content))
    assert document.paragraphs[0].text == "征求意见稿"
    for reader in (people.community_worker, people.outsider):
        with pytest.raises(Http404):
            bulletin_data(assessment, actor=actor_for(reader), draft=True)


def test_a_published_month_has_no_draft_any_more(august, people):
    with pytest.raises(BulletinNotReady):
        bulletin_data(august, actor=actor_for(people.city_admin), draft=True)
