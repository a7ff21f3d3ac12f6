"""Rule sets out to JSON and Excel and back in: round trips, and files the city gets wrong, each refused
with a message naming what is wrong and saving nothing.

The helpers at the top (``rules``, ``make_ruleset``...) are shared with the API and command tests."""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from gongjian.assessments import importexport, services
from gongjian.assessments.models import RuleItem, RuleSet
from gongjian.assessments.rulespec import RuleSetInvalid, parse_ruleset
from gongjian.demo.assessments import demo_rules
from gongjian.inspections.models import Category

pytestmark = pytest.mark.django_db


# --- shared helpers -------------------------------------------------------------------------------------------------


def rules(**overrides) -> dict:
    """A small rule set of 20 points: two groups, one item of each scoring method that matters."""
    data = {
        "name": "测试考评细则",
        "version": 1,
        "effective_from": "2026-01",
        "total_points": "20",
        "overdue_deduction": "0.5",
        "rework_deduction": "0.5",
        "relapse_deduction": "1",
        "fold_into_monthly_from": "2026-08",
        "levels": ["community", "compound"],
        "flag_level": "compound",
        "red_flag_threshold": "0.9",
        "list_size": 5,
        "policy": [
            {"when": "red_flag", "kind": "commendation"},
            {"when": "rate_below", "threshold": 0.6, "months": 2, "kind": "criticism"},
        ],
        "items": [
            {
                "code": "1",
                "name": "环境卫生",
                "points": "12",
                "children": [
                    {
                        "code": "1.1",
                        "name": "无乱堆乱放",
                        "points": "6",
                        "method": "deduct",
                        "per_occurrence": "1",
                        "categories": ["06036", "06010"],
                    },
                    {
                        "code": "1.2",
                        "name": "楼道整洁",
                        "points": "6",
                        "method": "grade",
                        "categories": ["L0101"],
                        "grades": ["1", "0.66", "0.33", "0"],
                        "level": "compound",
                    },
                ],
            },
            {
                "code": "2",
                "name": "共建工作与整改",
                "points": "8",
                "children": [
                    {
                        "code": "2.1",
                        "name": "按期结案率",
                        "points": "5",
                        "method": "rate",
                        "indicator": "on_time_close_rate",
                        "threshold": "80",
                        "per_point": "0.2",
                    },
                    {
                        "code": "2.2",
                        "name": "宣传阵地规范",
                        "points": "3",
                        "method": "manual",
                        "frequency": "quarterly",
                        "level": "community",
                    },
                ],
            },
        ],
    }
    data.update(overrides)
    return data


def known() -> set[str]:
    return set(Category.objects.values_list("code", flat=True))


def make_ruleset(user, city, **overrides) -> RuleSet:
    """A rule set stored the way the API stores one: parsed, checked, then created by the service."""
    spec = parse_ruleset(rules(**overrides), known_categories=known())
    return services.ruleset_create(user=user, city=city, spec=spec)


def stored() -> tuple[int, int]:
    return RuleSet.objects.count(), RuleItem.objects.count()


def canonical(spec) -> dict:
    """A spec as plain data without where each row came from; decimals compared by value."""

    def plain(value):
        if isinstance(value, Decimal):
            return value.normalize()
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k != "row"}
        return value

    return plain(dataclasses.asdict(spec))


def edited(data: bytes, change) -> bytes:
    """The workbook with ``change(workbook)`` applied, as the city would save it."""
    workbook = load_workbook(io.BytesIO(data))
    change(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


#: The exported sheets start with a title row; rows below are counted from the headings (1 = headings).
TITLE_ROWS = 1


def column(sheet, name: str) -> int:
    return [cell.value for cell in sheet[1 + TITLE_ROWS]].index(name) + 1


def set_item(row: int, name: str, value):
    """A change: the items sheet's cell at ``row`` (1 = headings) in the column ``name``."""

    def change(workbook):
        sheet = workbook.worksheets[0]
        sheet.cell(row=row + TITLE_ROWS, column=column(sheet, name)).value = value  # value=None would not clear it

    return change


def row_of(number: int) -> str:
    """The importer's name for the row ``number`` (1 = headings) of an exported sheet."""
    return gettext("row %(row)s") % {"row": number + TITLE_ROWS}


def import_and_create(user, city, data: bytes):
    """What the import does: read the workbook, check it, store it."""
    spec = parse_ruleset(importexport.ruleset_from_xlsx(data), known_categories=known())
    return services.ruleset_create(user=user, city=city, spec=spec)


@pytest.fixture
def ruleset(people, small_city) -> RuleSet:
    return make_ruleset(people.city_admin, small_city.city)


# --- JSON -----------------------------------------------------------------------------------------------------------


def test_a_rule_set_goes_out_in_the_json_shape_of_the_demo_rules(ruleset):
    data = importexport.ruleset_to_json(ruleset)
    assert set(data) == set(demo_rules(datetime.date(2026, 1, 1)))
    assert data["effective_from"] == "2026-01"
    assert data["fold_into_monthly_from"] == "2026-08"
    assert data["total_points"] == "20"
    assert data["red_flag_threshold"] == "0.9"
    assert [item["code"] for item in data["items"]] == ["1", "2"]
    deduct = data["items"][0]["children"][0]
    assert deduct == {
        "code": "1.1",
        "name": "无乱堆乱放",
        "points": "6",
        "frequency": "monthly",
        "method": "deduct",
        "per_occurrence": "1",
        "categories": ["06036", "06010"],
        "children": [],
    }
    assert data["items"][0]["children"][1]["grades"] == ["1", "0.66", "0.33", "0"]
    json.dumps(data)  # plain data all the way down


def test_the_json_shape_reads_back_to_the_same_rule_set(ruleset):
    original = parse_ruleset(rules(), known_categories=known())
    again = parse_ruleset(importexport.ruleset_to_json(ruleset), known_categories=known())
    assert canonical(again) == canonical(original)


def test_the_demo_city_rules_survive_a_json_round_trip_through_the_database(people, small_city):
    spec = parse_ruleset(demo_rules(datetime.date(2026, 1, 1)), known_categories=known())
    stored_set = services.ruleset_create(user=people.city_admin, city=small_city.city, spec=spec)
    text = json.dumps(importexport.ruleset_to_json(stored_set), ensure_ascii=False)
    again = parse_ruleset(importexport.ruleset_from_json(text.encode()), known_categories=known())
    assert canonical(again) == canonical(spec)
    assert len(again.items) == len(spec.items) == 32


def test_json_with_a_byte_order_mark_is_read():
    text = json.dumps(rules(), ensure_ascii=False).encode("utf-8-sig")
    assert importexport.ruleset_from_json(text)["name"] == "测试考评细则"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"name": "x",', "line 1"),
        (b"\xff\xfe\x00{", None),
        (b"[1, 2]", None),
    ],
    ids=["broken-json", "not-utf8", "not-an-object"],
)
def test_a_json_file_that_is_not_a_rule_set_object_is_refused_clearly(content, expected, english):
    with pytest.raises(RuleSetInvalid) as caught:
        importexport.ruleset_from_json(content)
    assert len(caught.value.errors) == 1
    if expected:
        assert expected in caught.value.errors[0]


# --- Excel out ------------------------------------------------------------------------------------------------------


def test_the_workbook_has_a_row_per_item_and_a_settings_sheet_with_bold_headings(ruleset):
    workbook = load_workbook(io.BytesIO(importexport.ruleset_to_xlsx(ruleset)))
    items, settings = workbook.worksheets
    assert items.title == gettext("Rules")
    assert settings.title == gettext("Settings")
    assert items["A1"].value.startswith(gettext("Assessment rules"))
    assert items.freeze_panes == "A3" and items.auto_filter.ref == "A2:M8"
    headings = [cell.value for cell in items[2]]
    assert headings == [
        "code",
        "parent",
        "name",
        "points",
        "frequency",
        "level",
        "method",
        "per_occurrence",
        "categories",
        "grades",
        "indicator",
        "threshold",
        "per_point",
    ]
    assert all(cell.font.bold for cell in items[2])
    assert items.column_dimensions["C"].width >= 10
    rows = list(items.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1] or "") for r in rows] == [
        ("1", ""),
        ("1.1", "1"),
        ("1.2", "1"),
        ("2", ""),
        ("2.1", "2"),
        ("2.2", "2"),
    ]
    deduct = dict(zip(headings, rows[1], strict=True))
    assert deduct["points"] == 6 and deduct["per_occurrence"] == 1
    assert deduct["categories"] == "06036, 06010"
    assert dict(zip(headings, rows[2], strict=True))["grades"] == "1, 0.66, 0.33, 0"
    values = {row[0]: row[1] for row in settings.iter_rows(min_row=3, values_only=True)}
    assert list(values) == importexport.HEADER_FIELDS
    assert values["effective_from"] == "2026-01"
    assert values["levels"] == "community, compound"
    assert json.loads(values["policy"])[0] == {"when": "red_flag", "kind": "commendation"}
    assert all(cell.font.bold for cell in settings[2])


def test_the_exporter_names_the_file_after_the_rule_set(ruleset):
    result = importexport.RuleSetExcelExporter(ruleset).render()
    assert result.filename == "测试考评细则-v1-2026-01.xlsx"
    assert result.content_type.endswith("spreadsheetml.sheet")
    load_workbook(io.BytesIO(result.content))


# --- Excel in -------------------------------------------------------------------------------------------------------


def test_an_exported_workbook_reads_back_to_the_same_rule_set(ruleset):
    data = importexport.ruleset_from_xlsx(importexport.ruleset_to_xlsx(ruleset))
    assert data["items"][1]["_row"] == row_of(3)
    again = parse_ruleset(data, known_categories=known())
    assert canonical(again) == canonical(parse_ruleset(rules(), known_categories=known()))


def test_an_edited_workbook_becomes_the_next_version(people, small_city, ruleset):
    def next_version(workbook):
        settings = workbook.worksheets[1]
        for row in settings.iter_rows(min_row=3):
            if row[0].value == "version":
                row[1].value = 2
            if row[0].value == "effective_from":
                row[1].value = datetime.datetime(2026, 6, 1)  # Excel made the month a date
        items = workbook.worksheets[0]
        items.cell(row=3 + TITLE_ROWS, column=column(items, "per_occurrence"), value=2)

    created = import_and_create(
        people.city_admin, small_city.city, edited(importexport.ruleset_to_xlsx(ruleset), next_version)
    )
    assert (created.version, created.effective_from) == (2, datetime.date(2026, 6, 1))
    assert created.items.get(code="1.1").per_occurrence == Decimal("2")
    assert created.items.get(code="1.1").parent.code == "1"
    assert created.items.count() == 6


def test_empty_rows_are_skipped(ruleset):
    def blank_rows(workbook):
        workbook.worksheets[0].insert_rows(4 + TITLE_ROWS, amount=2)
        workbook.worksheets[1].insert_rows(3 + TITLE_ROWS)

    data = importexport.ruleset_from_xlsx(edited(importexport.ruleset_to_xlsx(ruleset), blank_rows))
    assert [item["code"] for item in data["items"]] == ["1", "1.1", "1.2", "2", "2.1", "2.2"]
    assert data["items"][2]["_row"] == row_of(6)
    parse_ruleset(data, known_categories=known())


def test_codes_typed_as_numbers_are_read_as_codes(ruleset):
    def numbers(workbook):
        sheet = workbook.worksheets[0]
        sheet.cell(row=5 + TITLE_ROWS, column=column(sheet, "code"), value=2)
        sheet.cell(row=6 + TITLE_ROWS, column=column(sheet, "parent"), value=2.0)
        sheet.cell(row=7 + TITLE_ROWS, column=column(sheet, "parent"), value=2)
        sheet.cell(row=3 + TITLE_ROWS, column=column(sheet, "categories"), value=6036)  # Excel dropped the leading zero

    data = importexport.ruleset_from_xlsx(edited(importexport.ruleset_to_xlsx(ruleset), numbers))
    spec = parse_ruleset(data, known_categories=known())
    assert [(i.code, i.parent) for i in spec.items][3:] == [("2", ""), ("2.1", "2"), ("2.2", "2")]
    assert spec.items[1].categories == ["06036"]


def _drop_columns(*names):
    def change(workbook):
        sheet = workbook.worksheets[0]
        for name in names:
            sheet.delete_cols(column(sheet, name))

    return change


def _merge(workbook):
    workbook.worksheets[0].merge_cells("A3:B3")


def _rename_settings(workbook):
    workbook.worksheets[1].title = "Sheet2"


def _unknown_heading(workbook):
    workbook.worksheets[0].cell(row=1 + TITLE_ROWS, column=14, value="备注")


def _cycle(workbook):
    set_item(2, "parent", "1.1")(workbook)


def _code_became_a_date(workbook):
    set_item(3, "code", datetime.datetime(2026, 1, 1))(workbook)
    set_item(4, "parent", "")(workbook)


def _unknown_setting(workbook):
    workbook.worksheets[1].append(["overdue_deductoin", "1"])


def _bad_policy(workbook):
    for row in workbook.worksheets[1].iter_rows(min_row=3):
        if row[0].value == "policy":
            row[1].value = "[{when: red_flag"


BAD_WORKBOOKS = [
    ("missing-columns", _drop_columns("points", "method"), lambda: ["points", "method"]),
    ("text-in-a-number-column", set_item(3, "points", "abc"), lambda: [row_of(3), "points", "abc"]),
    ("text-in-per-occurrence", set_item(3, "per_occurrence", "一分"), lambda: [row_of(3), "per_occurrence", "一分"]),
    ("merged-cells", _merge, lambda: ["A3:B3"]),
    ("missing-sheet", _rename_settings, lambda: [gettext("Settings"), "Sheet2"]),
    ("unknown-heading", _unknown_heading, lambda: ["备注", "N"]),
    (
        "cycle-in-parent-codes",
        _cycle,
        lambda: [gettext("%(where)s: the parent codes form a cycle.") % {"where": row_of(2)}],
    ),
    (
        "points-not-adding-up",
        set_item(3, "points", 5),
        lambda: [
            gettext("%(where)s: declares %(points)s points but its items add up to %(total)s.")
            % {"where": row_of(2), "points": "12", "total": "11"}
        ],
    ),
    (
        "deduct-item-without-categories",
        set_item(3, "categories", None),
        lambda: [
            gettext("%(where)s: a %(method)s item needs problem categories.") % {"where": row_of(3), "method": "deduct"}
        ],
    ),
    (
        "unknown-method",
        set_item(6, "method", "guess"),
        lambda: [gettext("%(where)s: unknown method %(value)s.") % {"where": row_of(6), "value": "guess"}],
    ),
    ("code-turned-into-a-date", _code_became_a_date, lambda: [row_of(3), "code"]),
    ("unknown-setting", _unknown_setting, lambda: ["overdue_deductoin"]),
    ("policy-not-json", _bad_policy, lambda: ["policy"]),
]


@pytest.mark.parametrize(("change", "expected"), [b[1:] for b in BAD_WORKBOOKS], ids=[b[0] for b in BAD_WORKBOOKS])
def test_a_bad_workbook_is_refused_with_a_message_naming_the_problem_and_saves_nothing(
    people, small_city, ruleset, change, expected
):
    data = edited(importexport.ruleset_to_xlsx(ruleset), change)
    before = stored()
    with pytest.raises(RuleSetInvalid) as caught:
        import_and_create(people.city_admin, small_city.city, data)
    assert stored() == before
    messages = caught.value.errors
    assert any(all(part in message for part in expected()) for message in messages), messages


@pytest.mark.parametrize(
    "content",
    [
        b"code,parent,name\n1,,x\n",
        b"PK\x03\x04 this is not really a zip",
        json.dumps(rules()).encode(),
        b"",
    ],
    ids=["csv", "broken-zip", "json", "empty"],
)
def test_a_file_that_is_not_an_xlsx_is_refused_clearly(people, small_city, content):
    before = stored()
    with pytest.raises(RuleSetInvalid) as caught:
        import_and_create(people.city_admin, small_city.city, content)
    assert caught.value.errors == [importexport._not_xlsx()]
    assert stored() == before


def test_a_zip_that_is_not_a_workbook_is_refused_clearly():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(RuleSetInvalid) as caught:
        importexport.ruleset_from_xlsx(buffer.getvalue())
    assert caught.value.errors == [importexport._not_xlsx()]


def test_a_small_zip_that_unpacks_to_a_huge_file_is_refused_before_reading_it():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (importexport.MAX_UNPACKED_BYTES + 1))
    assert len(buffer.getvalue()) < importexport.MAX_FILE_BYTES
    with pytest.raises(RuleSetInvalid) as caught:
        importexport.ruleset_from_xlsx(buffer.getvalue())
    assert caught.value.errors == [gettext("The file is too large (at most 5 MB).")]


def test_a_workbook_with_neither_sheet_names_both():
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(RuleSetInvalid) as caught:
        importexport.ruleset_from_xlsx(buffer.getvalue())
    assert len(caught.value.errors) == 2
    assert "Sheet1" in caught.value.errors[0]


def test_every_problem_of_a_workbook_is_listed_at_once(people, small_city, ruleset):
    def two_problems(workbook):
        set_item(3, "points", "abc")(workbook)
        set_item(6, "threshold", "eighty")(workbook)

    data = edited(importexport.ruleset_to_xlsx(ruleset), two_problems)
    with pytest.raises(RuleSetInvalid) as caught:
        import_and_create(people.city_admin, small_city.city, data)
    joined = " | ".join(caught.value.errors)
    assert row_of(3) in joined and "abc" in joined
    assert row_of(6) in joined and "eighty" in joined
