"""Importing volunteer sheets: a preview first, per-row reasons, nothing half-imported, no 500."""

import io

import pytest
from openpyxl import load_workbook

from gongjian.core.models import AuditEvent
from gongjian.participation import importers, services
from gongjian.participation.importers import ImportRefused
from gongjian.participation.models import ImportBatch, Volunteer
from gongjian.participation.tests.factories import HEADER, id_number, phone, volunteer, wrong_check_digit, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _upload(people, small_city, content, filename="volunteers.xlsx"):
    return services.import_upload(
        user=people.community_worker, community=small_city.community_a1, filename=filename, content=content
    )


def _sheet():
    return xlsx(
        [
            HEADER,
            ["张一", phone(1), id_number(1), "在职党员", "市税务局", "摄影", "周末"],
            ["李二", "12345", "", "", "", "", ""],  # not a mobile number
            [None, None, None, None, None, None, None],  # empty: skipped
            ["王三", phone(3), wrong_check_digit(id_number(3)), "", "", "", ""],  # bad check digit
            ["赵四", phone(1), "", "", "", "", ""],  # same phone as row 2
            ["钱五", phone(5), id_number(1), "", "", "", ""],  # same ID number as row 2
            ["孙六", float(phone(6)), "", "居民党员", "", "", ""],  # a phone typed as a number
            ["周七", phone(7), "", "党外人士", "", "", ""],  # unknown party membership
        ]
    )


def test_the_preview_counts_valid_and_invalid_rows_with_reasons_and_saves_nothing(small_city, people):
    batch, report = _upload(people, small_city, _sheet())
    assert (report.total, report.valid, report.error_count, report.empty) == (7, 2, 5, 1)
    reasons = {e.row: e.reason for e in report.errors}
    assert set(reasons) == {3, 5, 6, 7, 9}
    assert "mobile" in reasons[3] and "check digit" in reasons[5]
    assert "row 2" in reasons[6] and "row 2" in reasons[7]
    assert not Volunteer.objects.exists()
    assert batch.status == "preview"


def test_confirming_saves_the_valid_rows_and_the_rest_come_back_with_their_reason(small_city, people):
    batch, _report = _upload(people, small_city, _sheet())
    batch, report = services.import_confirm(user=people.community_worker, batch=batch)
    assert report.saved == 2
    assert sorted(Volunteer.objects.values_list("name", flat=True)) == ["孙六", "张一"]
    assert Volunteer.objects.get(name="孙六").phone == phone(6)
    sheet = load_workbook(io.BytesIO(batch.errors_file.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    rows = rows[1:]  # below the title row
    assert rows[0][0] == "Row" or rows[0][-1]  # header row, reason last
    assert [r[0] for r in rows[1:]] == [3, 5, 6, 7, 9]
    assert all(r[-1] for r in rows[1:])
    assert AuditEvent.objects.filter(action="volunteers.import", changes__saved=2).exists()


def test_cancelling_saves_nothing_and_deletes_the_file(small_city, people, django_capture_on_commit_callbacks):
    batch, _report = _upload(people, small_city, _sheet())
    name = batch.file.name
    from django.core.files.storage import default_storage

    with django_capture_on_commit_callbacks(execute=True):
        services.import_cancel(user=people.community_worker, batch=batch)
    assert not Volunteer.objects.exists()
    assert not default_storage.exists(name)
    batch.refresh_from_db()
    assert batch.status == "cancelled"


def test_the_uploaded_sheet_is_deleted_once_its_rows_are_saved(small_city, people, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    batch, _report = _upload(people, small_city, _sheet())
    name = batch.file.name
    with django_capture_on_commit_callbacks(execute=True):
        batch, _report = services.import_confirm(user=people.community_worker, batch=batch)
    assert not default_storage.exists(name) and not batch.file
    assert batch.errors_file  # the rows not imported stay downloadable


def test_a_batch_is_saved_once(small_city, people):
    from gongjian.core.errors import Conflict

    batch, _ = _upload(people, small_city, _sheet())
    services.import_confirm(user=people.community_worker, batch=batch)
    with pytest.raises(Conflict):
        services.import_confirm(user=people.community_worker, batch=batch)


def test_rows_already_registered_in_the_community_are_duplicates(small_city, people):
    volunteer(people.community_worker, small_city.community_a1, 1)
    _batch, report = _upload(people, small_city, xlsx([HEADER, ["张一", phone(1), "", "", "", "", ""]]))
    assert report.valid == 0 and "already registered" in report.errors[0].reason


def test_wrong_headers_refuse_the_file_saying_which(small_city, people):
    with pytest.raises(ImportRefused) as refused:
        _upload(people, small_city, xlsx([["名字", "电话号", "备注"], ["张一", phone(1), ""]]))
    assert "姓名" in refused.value.message and "名字" in refused.value.message
    assert not ImportBatch.objects.exists()


def test_merged_cells_refuse_the_file(small_city, people):
    content = xlsx([HEADER, ["张一", phone(1)], ["", phone(2)]], merge="A2:A3")
    with pytest.raises(ImportRefused) as refused:
        _upload(people, small_city, content)
    assert "A2:A3" in refused.value.message


def test_a_file_that_is_not_a_sheet_is_refused(small_city, people):
    with pytest.raises(ImportRefused):
        _upload(people, small_city, b"PK\x03\x04 broken zip", filename="x.xlsx")
    with pytest.raises(ImportRefused):
        _upload(people, small_city, b"%PDF-1.4", filename="x.pdf")
    with pytest.raises(ImportRefused):
        _upload(people, small_city, b"", filename="x.csv")


def test_more_rows_than_the_limit_refuse_the_whole_file(small_city, people, monkeypatch, english):
    monkeypatch.setattr(importers, "MAX_ROWS", 3)
    rows = [HEADER] + [[f"人{i}", phone(i)] for i in range(5)]
    with pytest.raises(ImportRefused) as refused:
        _upload(people, small_city, xlsx(rows))
    assert "more than 3" in refused.value.message
    assert not Volunteer.objects.exists()


def _csv(lines, encoding):
    return "\r\n".join(lines).encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_or_gbk_as_excel_saves_it_is_read(small_city, people, encoding):
    content = _csv([",".join(HEADER), f"张一,{phone(1)},{id_number(1)},居民党员,市政府,,"], encoding)
    batch, report = _upload(people, small_city, content, filename="名单.csv")
    assert report.valid == 1, report.errors
    services.import_confirm(user=people.community_worker, batch=batch)
    assert Volunteer.objects.get().name == "张一"


def test_rows_in_another_encoding_than_the_rest_are_reported_per_row(small_city, people):
    header = ",".join(HEADER).encode("utf-8")
    good = f"张一,{phone(1)},,,,,".encode()
    odd = f"李二,{phone(2)},,,,,".encode("gbk")
    _batch, report = _upload(people, small_city, b"\r\n".join([header, good, odd]), filename="mixed.csv")
    assert report.valid == 1
    assert report.errors[0].row == 3 and "GBK" in report.errors[0].reason


def test_a_large_sheet_is_checked_in_bounded_chunks(small_city, people):
    rows = [HEADER] + [
        [f"人{i}", phone(i), id_number(i % 1000, birth=f"19{50 + i // 1000:02d}0101")] for i in range(5000)
    ]
    batch, report = _upload(people, small_city, xlsx(rows))
    assert (report.total, report.valid, report.error_count) == (5000, 5000, 0)
    services.import_confirm(user=people.community_worker, batch=batch)
    assert Volunteer.objects.count() == 5000


def test_only_a_volunteer_manager_of_the_community_may_import(small_city, people):
    from gongjian.core.errors import NotPermitted

    for who in ("street_officer", "liaison", "volunteer", "outsider"):
        with pytest.raises(NotPermitted):
            services.import_upload(
                user=getattr(people, who), community=small_city.community_a1, filename="x.xlsx", content=_sheet()
            )


# --- rosters: team members, stairwell heads, the 门前三包 register --------------------------------------


def _roster(people, small_city, kind, rows, filename="roster.xlsx"):
    return services.import_upload(
        user=people.community_worker,
        community=small_city.community_a1,
        filename=filename,
        content=xlsx(rows) if filename.endswith(".xlsx") else rows,
        kind=kind,
    )


def test_stairwell_heads_are_imported_with_per_row_reasons(small_city, people):
    rows = [
        ["小区", "楼栋", "单元", "楼道长", "手机号"],
        [small_city.compound_a1.name, "3", "2", "楼道长甲", phone(1)],
        ["不存在小区", "1", "1", "乙", phone(2)],
        [small_city.compound_a1.name, "3", "2", "丙", phone(3)],  # same stairwell as row 2
        [small_city.compound_a1.name, "4", "1", "丁", "123"],
    ]
    batch, report = _roster(people, small_city, "stairwell_heads", rows)
    assert (report.valid, report.error_count) == (1, 3)
    assert [e.row for e in report.errors] == [3, 4, 5]
    assert not small_city.compound_a1.stairwell_heads.exists()
    services.import_confirm(user=people.community_worker, batch=batch)
    assert list(small_city.compound_a1.stairwell_heads.values_list("name", flat=True)) == ["楼道长甲"]


def test_the_frontage_register_is_imported_from_a_gbk_csv(small_city, people):
    lines = [
        "商户名称,地址,责任区域,三包内容,责任人,手机号",
        f"好又多超市,人民路12号,门前12米,卫生、秩序,王五,{phone(4)}",
    ]
    batch, report = _roster(people, small_city, "frontage", "\r\n".join(lines).encode("gbk"), filename="门前三包.csv")
    assert report.valid == 1, report.errors
    services.import_confirm(user=people.community_worker, batch=batch)
    duty = small_city.community_a1.frontage_duties.get()
    assert (duty.cleanliness, duty.order, duty.greenery) == (True, True, False)


def test_team_members_are_found_by_the_volunteers_phone(small_city, people):
    volunteer(people.community_worker, small_city.community_a1, 1)
    rows = [
        ["队伍", "志愿者手机号", "责任区域", "值班时间"],
        ["文明劝导员", phone(1), "人民路口", "周一 7:00"],
        ["文明劝导员", phone(9), "人民路口", "周一 7:00"],  # no such volunteer
        ["巡逻队", phone(1), "x", "y"],  # unknown team
    ]
    batch, report = _roster(people, small_city, "team_members", rows)
    assert (report.valid, report.error_count) == (1, 2)
    services.import_confirm(user=people.community_worker, batch=batch)
    assert Volunteer.objects.get().team_memberships.get().team.kind == "persuasion"


def test_a_roster_sheet_with_the_wrong_headers_is_refused(small_city, people):
    with pytest.raises(ImportRefused) as refused:
        _roster(people, small_city, "stairwell_heads", [["姓名", "手机号"], ["甲", phone(1)]])
    assert "楼栋" in refused.value.message


def test_fifty_thousand_rows_are_checked_and_saved_in_one_go(small_city, people):
    """GIVEN a CSV of 50,000 rows, the last one bad WHEN previewed and confirmed THEN 49,999 are
    saved, the bad one is reported with its row number, and nothing else happens."""
    lines = [",".join(HEADER)] + [f"人{i},{phone(i)},,,,," for i in range(49_999)] + ["坏行,12345,,,,,"]
    content = "\r\n".join(lines).encode("utf-8")
    batch, report = _upload(people, small_city, content, filename="big.csv")
    assert (report.total, report.valid, report.error_count) == (50_000, 49_999, 1)
    assert report.errors[0].row == 50_001
    batch, report = services.import_confirm(user=people.community_worker, batch=batch)
    assert report.saved == 49_999 == Volunteer.objects.count()
