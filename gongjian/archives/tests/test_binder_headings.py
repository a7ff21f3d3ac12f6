"""No heading of the binder or of its table of contents ends a page alone: each shares its page with
the start of what it heads (read back from the PDF's page texts). Each test lays out a binder whose
page breaks fall where an unprotected heading was left alone (checked by removing the rules)."""

from __future__ import annotations

import datetime
import shutil

import pytest

from gongjian.archives import binder, periods
from gongjian.archives.tests.factories import archive_ruleset, photo, published_template, record
from gongjian.archives.tests.test_binder import pdf_pages

pytestmark = [
    pytest.mark.django_db,
    # Page layout of the PDF; what goes into the binder is tested on both engines (test_binder.py).
    pytest.mark.engine_independent,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed"),
]

YEAR = periods.parse("2026")
FILLER = "社区组织志愿者清理楼道堆物，逐户宣传垃圾分类知识，并对整改情况进行了复查。"


def _page_of(pages, marker, *, last=False) -> int:
    found = [n for n, text in enumerate(pages) if marker in text.replace(" ", "")]
    assert found, f"{marker} is not in the PDF"
    return found[-1] if last else found[0]


@pytest.fixture
def crowded(people, small_city):
    """Records of every length one after the other, text-only and photo-only, so that with the
    page breaks falling where they may some record's heading lands at the foot of a page."""
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    worker, unit = people.community_worker, small_city.community_a1
    made = []
    for n in range(1, 41):
        day = datetime.date(2026, 1 + n % 11, 1 + n % 27)
        if n % 3 == 0:
            files, text = [photo(100 + n, f"图{n:02d}说明")], ""
        else:
            files, text = [], f"正文{n:02d}起" + FILLER * (1 + (n * 7) % 9)
        made.append(
            (n, text, record(worker, unit, ruleset, day=day, title=f"记录标题{n:02d}号", text=text, files=files))
        )
    return unit, made


def test_no_record_heading_ends_a_page_without_the_start_of_its_record(crowded, tmp_path):
    unit, made = crowded
    path = tmp_path / "binder.pdf"
    binder.build_pdf(unit, YEAR, path)
    pages = pdf_pages(path)
    alone = []
    for n, text, _record in made:
        heading = _page_of(pages, f"记录标题{n:02d}号", last=True)
        start = _page_of(pages, f"正文{n:02d}起" if text else f"图{n:02d}说明")
        if heading != start:
            alone.append((n, heading + 1, start + 1))
    assert not alone, f"headings alone at the foot of a page (record, its page, its content's page): {alone}"


def _plan_records(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    worker, unit = people.community_worker, small_city.community_a1
    for n in (1, 2):
        record(worker, unit, ruleset, code="3.2", day=datetime.date(2026, 2, n), title=f"计划记录{n}号", text="计划")
    record(worker, unit, ruleset, code="3.3", day=datetime.date(2026, 2, 5), title="名册记录1号", text="名册")
    return ruleset, worker, unit


def test_no_section_of_the_contents_ends_a_page_without_its_first_record(people, small_city, tmp_path):
    """The contents list the first section's records one line each: as their number grows by one,
    the next sections' entries move down a line, through the foot of the page."""
    ruleset, worker, unit = _plan_records(people, small_city)
    alone = []
    for count in range(1, 36):
        record(worker, unit, ruleset, day=datetime.date(2026, 1 + count % 11, 1 + count % 27), title=f"例会{count:02d}")
        if count < 32:  # with fewer, the contents fit on one page (with 33 and 34, unprotected, they broke)
            continue
        path = tmp_path / f"binder-{count}.pdf"
        binder.build_pdf(unit, YEAR, path)
        pages = pdf_pages(path)
        for section, first in (("二、年度计划与总结", "计划记录1号"), ("三、四支队伍花名册", "名册记录1号")):
            if _page_of(pages, section) != _page_of(pages, first):
                alone.append((count, section))
    assert not alone, f"a section's entry alone at the foot of a contents page (records before, section): {alone}"
