"""The completeness audit, as a pure function: which slots are met, what each finding says, and
the points at risk — tables of plain values, no database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from gongjian.archives import completeness as c
from gongjian.archives.periods import parse

D = datetime.date
YEAR = parse("2026")
MEETINGS = c.SectionView(
    id=1,
    position=0,
    title="共建例会",
    rule_item_id=31,
    rule_item_code="3.1",
    points=Decimal("6"),
    requirements=(c.RequirementView(1, "每月例会，两张带说明的照片", ("meeting",), "monthly", 1, 2),),
)
PLAN = c.SectionView(
    id=2,
    position=1,
    title="计划与总结",
    rule_item_id=32,
    rule_item_code="3.2",
    points=Decimal("2"),
    requirements=(c.RequirementView(2, "年度计划和总结", ("document",), "yearly", 2, 0),),
)


def photo(n: int, caption: str = "会场", taken: datetime.date | None = None, sha: str = "", phash: str = ""):
    return c.FileView(n, f"IMG_{n}.jpg", True, caption, sha or f"{n:064x}", phash or f"{n * 7919:016x}", taken)


def meeting(n: int, day: datetime.date, *photos_, kind="meeting", period=None, key=None):
    return c.RecordView(
        id=n,
        record_key=key or f"r{n}",
        version=1,
        kind=kind,
        title=f"{day.month}月例会",
        date=day,
        started_on=None,
        period=period or parse(f"{day:%Y-%m}"),
        rule_item_ids=frozenset({31}),
        files=tuple(photos_),
    )


END_OF_MARCH = D(2026, 3, 31)


def audit(records, *, today=END_OF_MARCH, sections=(MEETINGS, PLAN), history=(), mechanisms=(), **kw):
    return c.audit(
        period=YEAR,
        sections=list(sections),
        records=list(records),
        mechanisms=list(mechanisms),
        photo_history=list(history),
        today=today,
        **kw,
    )


def codes(result) -> list[str]:
    return [f.code for f in result.findings]


def test_each_month_that_has_started_is_due_and_met_by_a_meeting_with_two_captioned_photos():
    result = audit([meeting(1, D(2026, 1, 8), photo(1), photo(2)), meeting(2, D(2026, 2, 8), photo(3), photo(4))])
    section = result.sections[0]
    assert (section.due, section.met) == (3, 2)  # Jan, Feb, Mar (started); Apr not yet
    assert section.points_at_risk == Decimal("2.00")  # 6 points × 1 of 3 months
    assert [f.slot for f in result.findings if f.code == "missing"] == ["2026-03", "2026"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ((), "no_photos"),  # text without photos
        ((photo(1), photo(2, caption="")), "no_caption"),  # photos without captions
        ((photo(1, caption=" "),), "no_caption"),
    ],
)
def test_text_without_photos_and_photos_without_captions_do_not_count_and_are_named(files, expected):
    result = audit([meeting(1, D(2026, 1, 8), *files)], today=D(2026, 1, 31))
    assert result.sections[0].met == 0
    assert expected in codes(result)


def test_adding_the_missing_caption_meets_the_slot_and_removes_the_finding():
    before = audit([meeting(1, D(2026, 1, 8), photo(1), photo(2, caption=""))], today=D(2026, 1, 31))
    after = audit([meeting(1, D(2026, 1, 8), photo(1), photo(2, caption="签到"))], today=D(2026, 1, 31))
    assert "no_caption" in codes(before) and "no_caption" not in codes(after)
    assert (before.sections[0].met, after.sections[0].met) == (0, 1)


def test_a_record_dated_outside_its_period_is_flagged_and_counts_only_where_its_date_falls():
    result = audit([meeting(1, D(2026, 2, 3), photo(1), photo(2), period=parse("2026-01"))], today=D(2026, 2, 28))
    assert "outside_period" in codes(result)
    assert [s.met for s in result.sections[0].slots] == [False, True]


def test_a_photo_taken_far_from_the_meeting_date_is_flagged_but_a_near_one_is_not():
    result = audit(
        [
            meeting(1, D(2026, 1, 8), photo(1, taken=D(2025, 6, 1)), photo(2, taken=D(2026, 1, 8))),
            meeting(2, D(2026, 2, 8), photo(3, taken=D(2026, 2, 12)), photo(4)),
        ],
        today=D(2026, 2, 28),
        date_tolerance_days=7,
    )
    assert [f.file_id for f in result.findings if f.code == "photo_date"] == [1]


def test_the_same_or_a_near_identical_photo_in_another_record_is_flagged():
    mine = photo(1, phash="ffff0000ffff0000")
    near = c.PhotoRef(9, "other", 5, D(2025, 7, 1), "x" * 64, "ffff0000ffff0003", "去年七月例会")  # 2 bits off
    far = c.PhotoRef(10, "other2", 5, D(2025, 8, 1), "y" * 64, "0000ffff0000ffff", "别的照片")
    result = audit([meeting(1, D(2026, 1, 8), mine, photo(2))], history=[near, far], today=D(2026, 1, 31))
    reused = [f for f in result.findings if f.code == "reused_photo"]
    assert len(reused) == 1 and "去年七月例会" in reused[0].message and "2025-07" in reused[0].message


def test_only_the_later_use_of_a_photo_is_flagged_not_the_original():
    mine = photo(1, phash="ffff0000ffff0000")
    later = c.PhotoRef(9, "later", 5, D(2026, 2, 1), mine.sha256, mine.phash, "二月例会", date=D(2026, 2, 8))
    result = audit([meeting(1, D(2026, 1, 8), mine, photo(2))], history=[later])
    assert "reused_photo" not in codes(result)


def test_a_photo_is_not_reused_by_being_in_an_earlier_version_of_its_own_record():
    mine = photo(1)
    own = c.PhotoRef(1, "r1", 5, D(2026, 1, 1), mine.sha256, mine.phash, "1月例会")
    assert "reused_photo" not in codes(audit([meeting(1, D(2026, 1, 8), mine, photo(2))], history=[own]))


def test_a_monthly_mechanism_without_a_record_in_a_past_month_is_a_dead_letter():
    cleaning = c.MechanismView(1, "cleaning", "保洁制度", "保洁制度", "monthly", D(2026, 1, 5), (D(2026, 1, 20),))
    result = audit([], mechanisms=[cleaning], today=D(2026, 3, 15))
    m = result.mechanisms[0]
    assert [s.code for s in m.expected] == ["2026-01", "2026-02"]  # March has not ended
    assert [s.code for s in m.missed] == ["2026-02"] and m.dead_letter
    assert "dead_letter" in codes(result)


def test_points_lost_in_the_assessment_count_only_slots_that_have_ended():
    result = audit([], today=D(2026, 8, 31))
    meetings, plan = result.sections
    assert meetings.points_lost_by(D(2026, 8, 31)) == (Decimal("6.00"), [f"2026-{m:02d}" for m in range(1, 9)])
    assert plan.points_lost_by(D(2026, 8, 31)) == (Decimal("0.00"), [])  # the year's summary is due in December
    assert plan.points_at_risk == Decimal("2.00")  # but it is at risk


def test_without_a_template_the_archive_is_zero_percent_and_says_why():
    result = audit([], sections=())
    assert result.percent == 0 and codes(result) == ["no_template"]
