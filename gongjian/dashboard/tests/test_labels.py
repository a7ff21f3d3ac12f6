""" "超期 N 个工作日" / "剩 N 个工作日" / "今天到期", counted on the working-day calendar."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from gongjian.dashboard.labels import DUE_TODAY, LEFT, OVERDUE, Standing, deadline_standing

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0, second=0):
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def end_of(year, month, day):
    return at(year, month, day, 23, 59, 59)


# A made-up calendar: Monday to Friday, except the "holidays" of 2030-06-12 and 2030-06-13 (Wed, Thu),
# and Saturday 2030-06-15 worked to make up for them (调休).
HOLIDAYS = {datetime.date(2030, 6, 12), datetime.date(2030, 6, 13)}
MAKE_UP = {datetime.date(2030, 6, 15)}


def workday(day: datetime.date) -> bool:
    return day in MAKE_UP or (day.weekday() < 5 and day not in HOLIDAYS)


@pytest.mark.parametrize(
    ("deadline", "now", "expected"),
    [
        # Monday's deadline seen on Monday morning: due today.
        (end_of(2030, 6, 10), at(2030, 6, 10, 9), Standing(DUE_TODAY, 0)),
        # Seen on Sunday 06-09: one working day (Monday) left.
        (end_of(2030, 6, 10), at(2030, 6, 9, 9), Standing(LEFT, 1)),
        # Tuesday 06-11 → Friday 06-14: the holidays in between do not count, Friday does.
        (end_of(2030, 6, 14), at(2030, 6, 11, 9), Standing(LEFT, 1)),
        # Tuesday's deadline seen on Friday: the two holidays do not count, Friday does.
        (end_of(2030, 6, 11), at(2030, 6, 14, 9), Standing(OVERDUE, 1)),
        # ... and on the make-up Saturday: two working days overdue.
        (end_of(2030, 6, 11), at(2030, 6, 15, 9), Standing(OVERDUE, 2)),
        # ... and on Sunday still two, Monday three.
        (end_of(2030, 6, 11), at(2030, 6, 16, 9), Standing(OVERDUE, 2)),
        (end_of(2030, 6, 11), at(2030, 6, 17, 9), Standing(OVERDUE, 3)),
        # Friday's deadline seen on the Sunday after a normal weekend: overdue, no working day yet.
        (end_of(2030, 6, 21), at(2030, 6, 23, 9), Standing(OVERDUE, 0)),
        # An hours deadline at 15:00 today: due today at 10:00, overdue (0 days) at 16:00.
        (at(2030, 6, 10, 15), at(2030, 6, 10, 10), Standing(DUE_TODAY, 0)),
        (at(2030, 6, 10, 15), at(2030, 6, 10, 16), Standing(OVERDUE, 0)),
    ],
)
def test_a_deadline_stands_on_the_working_day_calendar(deadline, now, expected):
    assert deadline_standing(deadline, now, workday=workday) == expected


def test_the_official_calendar_skips_the_national_day_holiday_and_counts_the_make_up_saturday():
    deadline = end_of(2025, 9, 30)  # the last working day before 1–8 October 2025

    assert deadline_standing(deadline, at(2025, 10, 8, 9)) == Standing(OVERDUE, 0)
    assert deadline_standing(deadline, at(2025, 10, 9, 9)) == Standing(OVERDUE, 1)
    assert deadline_standing(deadline, at(2025, 10, 11, 9)) == Standing(OVERDUE, 3)  # Saturday 11th is worked
    assert deadline_standing(end_of(2025, 10, 9), at(2025, 9, 30, 9)) == Standing(LEFT, 1)


def test_a_deadline_in_another_zone_is_counted_on_the_city_s_days():
    utc_deadline = datetime.datetime(2030, 6, 10, 16, 30, tzinfo=datetime.UTC)  # 00:30 on 06-11 in Shanghai

    assert deadline_standing(utc_deadline, at(2030, 6, 10, 9), workday=workday) == Standing(LEFT, 1)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        deadline_standing(datetime.datetime(2030, 6, 10), at(2030, 6, 10), workday=workday)


@pytest.mark.parametrize(
    ("standing", "chinese", "english"),
    [
        (Standing(OVERDUE, 5), "超期 5 个工作日", "Overdue by 5 working days"),
        (Standing(OVERDUE, 1), "超期 1 个工作日", "Overdue by 1 working day"),
        (Standing(OVERDUE, 0), "已超期", "Past the deadline"),
        (Standing(LEFT, 2), "剩 2 个工作日", "2 working days left"),
        (Standing(LEFT, 1), "剩 1 个工作日", "1 working day left"),
        (Standing(DUE_TODAY, 0), "今天到期", "Due today"),
    ],
)
def test_the_labels_read_as_the_city_says_them(standing, chinese, english):
    with translation.override("zh-hans"):
        assert standing.label == chinese
    with translation.override("en"):
        assert standing.label == english
