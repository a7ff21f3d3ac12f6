"""Exports safe to open and laid out as officials expect: formula-like text is text in every CSV
and Excel export, numbers stay numbers, a title row says what was exported with which filter,
the header is frozen with an autofilter, widths fit, dates are dates. Files are read back."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook

from gongjian.core.exporters import ExcelWorkbook, csv_export, display_width, excel_export
from gongjian.inspections.tests.factories import ProblemFactory
from gongjian.participation.choices import VolunteerStatus
from gongjian.participation.models import Volunteer
from gongjian.participation.tests.factories import volunteer
from gongjian.testing.excel import read_export
from tests.hostile.conftest import FORMULAS, page_client

pytestmark = pytest.mark.django_db


def _cells(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_the_shared_writer_writes_formula_like_text_as_text_and_numbers_as_numbers():
    result = excel_export(filename="x.xlsx", title="T", headers=["text", "number"], rows=[[f, -3] for f in FORMULAS])
    exported = read_export(result.content)
    assert exported.column("text") == FORMULAS
    assert all(cell.data_type != "f" for cell in _cells(result.content))
    body = list(exported.sheet.iter_rows(min_row=3))
    assert all(row[0].data_type == "s" and row[0].quotePrefix for row in body)
    assert all(row[1].data_type == "n" and row[1].value == -3 for row in body)


def test_the_shared_csv_writer_neutralises_formula_like_text_and_keeps_negative_numbers():
    result = csv_export(filename="x.csv", headers=["text", "number"], rows=[[f, -3] for f in FORMULAS])
    rows = list(csv.reader(io.StringIO(result.content.decode("utf-8-sig"))))[1:]
    assert [r[0] for r in rows] == ["'" + f for f in FORMULAS]
    assert {r[1] for r in rows} == {"-3"}


@pytest.fixture
def formula_rows(small_city, people):
    """Rows whose text starts like a formula in every exported list, written straight into the tables
    (as anything stored before the exports were made safe)."""
    from gongjian.participation.models import Activity
    from gongjian.participation.tests.factories import activity
    from gongjian.testing.factories import PairingFactory

    for n, text in enumerate(FORMULAS, start=1):
        v = volunteer(people.community_worker, small_city.community_a1, n, name=f"志愿者{n}")
        Volunteer.objects.filter(pk=v.pk).update(name=text, skills=text)
        ProblemFactory(unit=small_city.compound_a1, description=text, address=text)
        a = activity(people.community_worker, small_city.community_a1, title=f"活动{n}")
        Activity.objects.filter(pk=a.pk).update(title=text, place=text, organiser=text)
    pairing = PairingFactory(community=small_city.community_a1)
    type(pairing.cobuild_unit).objects.filter(pk=pairing.cobuild_unit_id).update(name=FORMULAS[0])


@pytest.mark.parametrize(
    "url",
    [
        "/problems/export.xlsx",
        "/participation/volunteers/export.xlsx",
        "/participation/activities/export.xlsx",
        "/participation/pairings/?month=2026-03&export=xlsx",
        "/participation/diversity/?year=2026&quarter=1&export=xlsx",
    ],
)
def test_no_excel_export_holds_a_formula(people, formula_rows, url):
    response = page_client(people.city_admin).get(url)
    assert response.status_code == 200
    cells = _cells(response.content)
    assert cells and all(cell.data_type != "f" for cell in cells)
    starts_like_formula = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@\t"]
    assert all(c.quotePrefix for c in starts_like_formula)


def test_the_csv_volunteer_export_neutralises_formula_like_text(people, formula_rows):
    response = page_client(people.city_admin).get("/participation/volunteers/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    assert sorted(r[0] for r in rows) == sorted("'" + f for f in FORMULAS)


# --- pending sign-ups ---------------------------------------------------------------------------------------------


def test_pending_sign_ups_are_not_in_the_default_volunteer_export_but_can_be_asked_for(small_city, people):
    from gongjian.participation import services

    volunteer(people.community_worker, small_city.community_a1, 1, name="已登记")
    services.volunteer_sign_up(community=small_city.community_a1, name="=待审核", phone="13900000099")
    client = page_client(people.city_admin)
    names = read_export(client.get("/participation/volunteers/export.xlsx").content).column(gettext("Name"))
    assert names == ["已登记"]
    csv_rows = list(
        csv.reader(io.StringIO(client.get("/participation/volunteers/export.csv").content.decode("utf-8-sig")))
    )
    assert [r[0] for r in csv_rows[1:]] == ["已登记"]
    pending = read_export(client.get("/participation/volunteers/export.xlsx?status=pending").content)
    assert pending.column(gettext("Name")) == ["=待审核"]


# --- as officials expect it ---------------------------------------------------------------------------------------


def test_an_export_says_what_was_exported_with_which_filter_freezes_and_filters_its_header(people, small_city):
    ProblemFactory(unit=small_city.compound_a1, status="open", description="楼道里堆放了很多纸箱和旧家具需要清理")
    response = page_client(people.city_admin).get("/problems/export.xlsx?status=open")
    exported = read_export(response.content)
    sheet = exported.sheet
    assert exported.title.startswith(gettext("Problems"))
    assert (
        gettext("Status") in exported.title
        and str(dict(__import__("gongjian.inspections.choices", fromlist=["x"]).ProblemStatus.choices)["open"])
        in exported.title
    )
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:P{2 + len(exported.rows)}"
    assert all(sheet.cell(row=2, column=c).font.bold for c in range(1, len(exported.headers) + 1))
    description = exported.headers.index(gettext("Description")) + 1
    letter = sheet.cell(row=2, column=description).column_letter
    assert sheet.column_dimensions[letter].width >= display_width("楼道里堆放了很多纸箱和旧家具需要清理")
    found = sheet.cell(row=3, column=exported.headers.index(gettext("Found at")) + 1)
    assert isinstance(found.value, datetime.datetime) and found.number_format == "yyyy-mm-dd hh:mm"
    assert len(set(exported.headers)) == len(exported.headers)
    assert {gettext("Community"), gettext("Street")} <= set(exported.headers)


def test_an_export_without_a_filter_says_so(people, small_city):
    exported = read_export(page_client(people.city_admin).get("/problems/export.xlsx").content)
    assert gettext("No filter: all rows you may see") in exported.title


def test_volunteer_and_activity_exports_have_community_and_street_columns(people, small_city):
    volunteer(people.community_worker, small_city.community_a1, 1)
    exported = read_export(page_client(people.city_admin).get("/participation/volunteers/export.xlsx").content)
    row = exported.dicts()[0]
    assert (row[gettext("Home community")], row[gettext("Street")]) == ("甲一社区", "甲街道")
    activities = read_export(page_client(people.city_admin).get("/participation/activities/export.xlsx").content)
    assert {gettext("Community"), gettext("Street")} <= set(activities.headers)


def test_a_cjk_character_counts_double_in_a_column_width():
    assert display_width("社区") == 4 and display_width("ab") == 2
    book = ExcelWorkbook()
    table = book.table(sheet="S", title="T", headers=["名称", "n"])
    table.append(["和平社区第一网格", 1])
    table.append([datetime.date(2026, 3, 1), timezone.now()])
    sheet = load_workbook(io.BytesIO(book.save())).active
    assert sheet.column_dimensions["A"].width == display_width("和平社区第一网格") + 2
    assert sheet["A4"].number_format == "yyyy-mm-dd"


def test_the_title_row_names_a_filtered_unit_by_its_name_not_its_id(people, small_city):
    volunteer(people.community_worker, small_city.community_a1, 1)
    url = f"/participation/volunteers/export.xlsx?community={small_city.street_a.pk}"
    exported = read_export(page_client(people.city_admin).get(url).content)
    assert small_city.street_a.name in exported.title
    assert str(VolunteerStatus.ACTIVE.label) in exported.title  # the default: registered volunteers only


def test_every_spreadsheet_is_written_by_the_shared_writers():
    """No module writes a workbook or a CSV file itself (the demo's sample evidence files aside), so
    no export can miss the safety rules or the layout."""
    from pathlib import Path

    import gongjian

    root = Path(gongjian.__file__).parent
    allowed = {root / "core" / "exporters.py", root / "demo" / "archives.py"}
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and path not in allowed
        and re.search(r"(?<!Excel)Workbook\(|csv\.writer\(|WriteOnlyCell\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize("kind", ["volunteers", "stairwell_heads", "frontage", "team_members"])
def test_an_import_template_with_its_title_row_reads_back_as_a_file_to_import(people, small_city, kind):
    from gongjian.participation import services
    from gongjian.participation.exporters import volunteer_template

    template = volunteer_template(kind)
    assert read_export(template.content).title.startswith(gettext("Import template: fill in one row per person"))
    _batch, report = services.import_upload(
        user=people.community_worker,
        community=small_city.community_a1,
        filename="t.xlsx",
        content=template.content,
        kind=kind,
    )
    assert report.total == 1  # the example row, read under the headers below the title row
