"""A city's first accounts from an Excel roster (manage.py import_users)."""

from __future__ import annotations

import csv
import io
import stat

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from gongjian.accounts import roster
from gongjian.accounts.choices import Role
from gongjian.accounts.models import Membership, User
from gongjian.core.models import AuditEvent
from gongjian.organizations.choices import UnitLevel
from gongjian.testing.factories import CobuildUnitFactory, UnitFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "用户名", "角色", "单位代码"]


@pytest.fixture
def city():
    """GIVEN a city imported from the division codes: one district, one street, one community."""
    city = UnitFactory(code="330100000000", name="杭州市", level=UnitLevel.CITY)
    district = UnitFactory(code="330106000000", name="西湖区", level=UnitLevel.DISTRICT, parent=city)
    street = UnitFactory(code="330106001000", name="北山街道", level=UnitLevel.STREET, parent=district)
    community = UnitFactory(code="330106001001", name="保俶路社区", level=UnitLevel.COMMUNITY, parent=street)
    return {"city": city, "street": street, "community": community}


@pytest.fixture
def write(tmp_path):
    def _write(rows, header=HEADER):
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        path = tmp_path / "roster.xlsx"
        workbook.save(path)
        return str(path)

    return _write


ROSTER = [
    ["张三", "zhangsan", "市三创办管理员", "330100000000"],
    ["李四", "lisi", "street_officer", "330106001000"],
    ["王五", "wangwu", "Community worker", "330106001001"],
    ["王五", "wangwu", "志愿者", 330106001001],  # a second role; the code as Excel stores a number
    ["赵六", "zhaoliu", "督查员", "330106001"],  # a short street code
]


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_users", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refusal(*args) -> tuple[str, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_users", *args, stdout=io.StringIO(), stderr=err)
    return str(refused.value), err.getvalue()


def signs_in(username: str, password: str) -> bool:
    return User.objects.get(username=username).check_password(password)


def printed_passwords(out: str) -> dict[str, str]:
    rows = [line.strip().split("\t") for line in out.splitlines() if line.startswith("  ") and "\t" in line]
    return {username: password for username, _name, password in rows}


def test_it_creates_each_person_with_their_roles_and_prints_each_password_once(city, write):
    out = run(write(ROSTER))
    passwords = printed_passwords(out)
    assert set(passwords) == {"zhangsan", "lisi", "wangwu", "zhaoliu"}
    for username, password in passwords.items():
        assert signs_in(username, password)
        assert len(password) == 12 and not set(password) & set("0O1lI")
    assert len(set(passwords.values())) == 4

    wangwu = User.objects.get(username="wangwu")
    assert wangwu.name == "王五"
    assert set(wangwu.memberships.values_list("role", "unit__code")) == {
        (Role.COMMUNITY_WORKER, "330106001001"),
        (Role.VOLUNTEER, "330106001001"),
    }
    assert Membership.objects.get(user__username="zhaoliu").unit == city["street"]
    assert Membership.objects.get(user__username="zhangsan").role == Role.CITY_ADMIN

    assert AuditEvent.objects.filter(action="user.create").count() == 4
    assert AuditEvent.objects.filter(action="membership.grant").count() == 5
    assert not AuditEvent.objects.filter(changes__icontains=passwords["lisi"]).exists()


def test_running_it_again_creates_nothing_prints_no_password_and_keeps_passwords(city, write):
    path = write(ROSTER)
    first = printed_passwords(run(path))
    events = AuditEvent.objects.count()

    out = run(path)
    assert printed_passwords(out) == {}
    assert AuditEvent.objects.count() == events
    assert signs_in("lisi", first["lisi"])


def test_an_existing_user_gets_the_files_roles_and_name_but_keeps_the_password(city, write):
    """GIVEN lisi already works in the community WHEN the roster makes him a street officer under a
    new name THEN his roles and name follow the file, his password stays, and others are untouched."""
    lisi = user_with_role(Role.COMMUNITY_WORKER, unit=city["community"], username="lisi", name="李四旧名")
    lisi.set_password("his-own-secret-9")
    lisi.save()
    bystander = user_with_role(Role.COMMUNITY_WORKER, unit=city["community"], username="bystander")

    out = run(write([["李四", "lisi", "街道干部", "330106001000"]]))
    assert printed_passwords(out) == {}
    lisi.refresh_from_db()
    assert lisi.name == "李四"
    assert signs_in("lisi", "his-own-secret-9")
    active = lisi.memberships.filter(is_active=True)
    assert list(active.values_list("role", "unit__code")) == [(Role.STREET_OFFICER, "330106001000")]
    assert lisi.memberships.filter(is_active=False, role=Role.COMMUNITY_WORKER).exists()
    assert bystander.memberships.get().is_active
    assert AuditEvent.objects.filter(
        action="membership.revoke", target_id=str(lisi.memberships.get(is_active=False).pk)
    )
    assert AuditEvent.objects.get(action="user.update").changes == {"name": ["李四旧名", "李四"]}


def test_a_liaison_is_placed_in_the_co_construction_unit_named_by_its_credit_code(city, write):
    cobuild = CobuildUnitFactory(name="市供电公司", credit_code="91330100MA2AAAAA1X")
    run(write([["钱七", "qianqi", "共建联络员", "91330100MA2AAAAA1X"]]))
    membership = Membership.objects.get(user__username="qianqi")
    assert (membership.cobuild_unit, membership.unit) == (cobuild, None)


def test_passwords_go_to_a_new_file_only_its_owner_can_read(city, write, tmp_path):
    target = tmp_path / "passwords.csv"
    out = run(write(ROSTER), "--passwords", str(target))
    assert printed_passwords(out) == {} and str(target) in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert {row["username"] for row in rows} == {"zhangsan", "lisi", "wangwu", "zhaoliu"}
    row = next(row for row in rows if row["username"] == "wangwu")
    assert row["name"] == "王五"
    assert signs_in("wangwu", row["initial_password"])

    message, _errors = refusal(write([["孙八", "sunba", "志愿者", "330106001001"]]), "--passwords", str(target))
    assert str(target) in message
    assert not User.objects.filter(username="sunba").exists()


def test_a_dry_run_counts_and_changes_nothing(city, write):
    out = run(write(ROSTER), "--dry-run")
    assert "4" in out and printed_passwords(out) == {}
    assert not User.objects.exists() and not AuditEvent.objects.exists()


def test_every_bad_row_is_named_and_nothing_is_created(city, write, tmp_path):
    """GIVEN a roster whose good rows come first WHEN some rows break the rules THEN each is
    reported with its row number, no account is created and no password file is left behind."""
    rows = [
        *ROSTER,  # rows 2-6
        ["", "noname", "志愿者", "330106001001"],  # 7: no name
        ["坏名", "bad name!", "志愿者", "330106001001"],  # 8: a username with a space and "!"
        ["无角色", "norole", "区长", "330106001001"],  # 9: no such role
        ["无单位", "nounit", "志愿者", "330199999999"],  # 10: no such unit
        ["错级", "wronglevel", "社区工作者", "330106001000"],  # 11: a community role at a street
        ["王五二", "wangwu", "志愿者", "330106001001"],  # 12: wangwu is 王五 on row 4
        ["空单位", "nocode", "志愿者", ""],  # 13: no unit code
    ]
    target = tmp_path / "never.csv"
    message, errors = refusal(write(rows), "--passwords", str(target))
    assert "7" in message or "problems" in message or "问题" in message
    for line in (7, 8, 9, 10, 11, 12, 13):
        assert any(f"{line}" in error for error in errors.splitlines()), (line, errors)
    assert not User.objects.exists() and not AuditEvent.objects.exists()
    assert not target.exists()

    assert "330199999999" in errors and "北山街道" in errors


def test_a_file_that_is_not_a_workbook_or_lacks_a_column_is_refused(city, write, tmp_path):
    bogus = tmp_path / "roster.xlsx"
    bogus.write_bytes(b"name,username\n")
    refusal(str(bogus))
    _message, errors = refusal(write(ROSTER, header=["姓名", "用户名", "角色"]))
    assert "unit code" in errors or "unit_code" in errors
    assert not User.objects.exists()


def test_the_actor_is_recorded_in_the_audit_trail(city, write):
    office = UserFactory(username="office")
    run(write(ROSTER[:1]), "--actor", "office")
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {office.pk}
    refusal(write(ROSTER[:1]), "--actor", "nobody")


@pytest.mark.parametrize("attempt", range(20))
def test_an_initial_password_passes_the_password_rules(attempt):
    from django.contrib.auth.password_validation import validate_password

    password = roster.initial_password()
    validate_password(password, User(username="wangwu", name="王五"))
    assert any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
