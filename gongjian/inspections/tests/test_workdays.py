"""Rectification deadlines in working days and working hours (no database).

Expected values were worked out by hand from the 2026 calendar in chinesecalendar 1.11.0:
  New Year        Jan 1 (Thu)–Jan 3 off, Jan 4 (Sun) worked
  Spring Festival Feb 15 (Sun)–Feb 23 (Mon) off, Feb 14 (Sat) and Feb 28 (Sat) worked
  Mid-autumn      Sep 25 (Fri)–Sep 27 (Sun) off  (Sep 27 is NOT a make-up day)
  National Day    Oct 1 (Thu)–Oct 7 (Wed) off, Sep 20 (Sun) and Oct 10 (Sat) worked
"""

import datetime
import logging
import math
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from gongjian.inspections import workdays
from gongjian.inspections.workdays import (
    OFFICE_HOURS,
    add_working_days,
    add_working_hours,
    deadline_for,
    is_workday,
    working_days_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0, second=0):
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def end_of(year, month, day):
    return at(year, month, day, 23, 59, 59)


def weekdays_only(day):
    return day.weekday() < 5


@pytest.fixture
def fresh_warnings(monkeypatch, caplog):
    """Forget which years were already warned about, and capture this module's warnings."""
    monkeypatch.setattr(workdays, "_warned_years", set())
    caplog.set_level(logging.WARNING, logger=workdays.__name__)
    return caplog


def warnings_from_workdays(caplog):
    return [r for r in caplog.records if r.name == workdays.__name__ and r.levelno == logging.WARNING]


# --- the calendar itself ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 4), True),  # Sunday, make-up day for New Year
        (date(2026, 2, 14), True),  # Saturday, make-up day for Spring Festival
        (date(2026, 2, 15), False),  # Spring Festival starts
        (date(2026, 2, 23), False),  # ... and ends on a Monday
        (date(2026, 2, 28), True),  # Saturday, second make-up day for Spring Festival
        (date(2026, 9, 20), True),  # Sunday, make-up day for National Day
        (date(2026, 9, 25), False),  # Friday, Mid-autumn Festival
        (date(2026, 9, 27), False),  # Sunday, still Mid-autumn holiday, not a make-up day
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # last day of the National Day week
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, make-up day for National Day
        (date(2026, 10, 11), False),  # an ordinary Sunday
    ],
)
def test_the_official_2026_calendar_counts_make_up_weekends_and_holidays(day, working):
    assert is_workday(day) is working


def test_a_year_the_package_does_not_know_falls_back_to_monday_to_friday_with_one_warning(fresh_warnings):
    assert is_workday(date(2027, 1, 1)) is True  # Friday; the fallback cannot know it is New Year's Day
    assert is_workday(date(2027, 1, 2)) is False  # Saturday
    assert is_workday(date(2027, 1, 4)) is True  # Monday
    # Thu 2026-12-31 + 3 working days: Fri Jan 1 (1), Mon Jan 4 (2), Tue Jan 5 (3)
    assert add_working_days(at(2026, 12, 31, 9), 3) == end_of(2027, 1, 5)

    (record,) = warnings_from_workdays(fresh_warnings)
    message = record.getMessage()
    assert "2027" in message
    assert "missing" in message
    assert "pip install -U chinesecalendar" in message


def test_the_fallback_warns_once_for_each_missing_year_and_never_for_a_known_one(fresh_warnings):
    is_workday(date(2026, 6, 1))
    assert warnings_from_workdays(fresh_warnings) == []

    for day in (date(2027, 3, 1), date(2027, 7, 1), date(2028, 1, 3), date(2028, 5, 5), date(2027, 12, 31)):
        is_workday(day)

    warned = warnings_from_workdays(fresh_warnings)
    assert len(warned) == 2
    assert "2027" in warned[0].getMessage()
    assert "2028" in warned[1].getMessage()


# --- working days -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        # Fri 2026-03-06 + 1: the weekend does not count -> Mon 03-09
        (at(2026, 3, 6, 16), 1, end_of(2026, 3, 9)),
        # the time of day on the start day does not matter
        (at(2026, 3, 6, 0, 0), 1, end_of(2026, 3, 9)),
        (at(2026, 3, 6, 23, 59, 59), 1, end_of(2026, 3, 9)),
        # found on a Saturday: Saturday is not counted either -> Mon 03-09
        (at(2026, 3, 7, 10), 1, end_of(2026, 3, 9)),
        # Mon 03-09 + 4 (accumulated debris): Tue (1), Wed (2), Thu (3), Fri 03-13 (4)
        (at(2026, 3, 9, 10), 4, end_of(2026, 3, 13)),
        # Wed 2025-12-31 + 1: Jan 1-3 off, Sun 2026-01-04 is a make-up working day
        (at(2025, 12, 31, 10), 1, end_of(2026, 1, 4)),
    ],
)
def test_working_days_end_at_the_last_second_of_the_nth_working_day_after_the_start_day(start, days, deadline):
    assert add_working_days(start, days) == deadline


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        # Tue 09-29 + 1 -> Wed 09-30, the last working day before the holiday
        (at(2026, 9, 29, 10), 1, end_of(2026, 9, 30)),
        # Wed 09-30 + 1: Oct 1-7 off -> Thu 10-08
        (at(2026, 9, 30, 10), 1, end_of(2026, 10, 8)),
        # found on National Day itself: Oct 2-7 off -> Thu 10-08
        (at(2026, 10, 1, 10), 1, end_of(2026, 10, 8)),
        # Wed 09-30 + 4: Oct 8 (1), Oct 9 (2), Sat Oct 10 make-up (3), Mon Oct 12 (4)
        (at(2026, 9, 30, 10), 4, end_of(2026, 10, 12)),
        # Fri 10-09 + 1 -> Sat 10-10, a make-up working day
        (at(2026, 10, 9, 10), 1, end_of(2026, 10, 10)),
        # Fri 09-18 + 1 -> Sun 09-20, a make-up working day
        (at(2026, 9, 18, 10), 1, end_of(2026, 9, 20)),
        # Thu 09-24 + 1: Mid-autumn Sep 25-27 off (Sunday 27th included) -> Mon 09-28
        (at(2026, 9, 24, 10), 1, end_of(2026, 9, 28)),
    ],
)
def test_the_2026_national_day_and_mid_autumn_holidays_are_skipped_and_their_make_up_days_count(start, days, deadline):
    assert add_working_days(start, days) == deadline


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        # Fri 02-13 + 1 -> Sat 02-14, a make-up working day
        (at(2026, 2, 13, 15), 1, end_of(2026, 2, 14)),
        # Sat 02-14 + 1: Feb 15-23 off -> Tue 02-24
        (at(2026, 2, 14, 15), 1, end_of(2026, 2, 24)),
        # Thu 02-12 + 4: Fri 13 (1), Sat 14 (2), Tue 24 (3), Wed 25 (4)
        (at(2026, 2, 12, 9), 4, end_of(2026, 2, 25)),
        # Fri 02-27 + 1 -> Sat 02-28, the second make-up day
        (at(2026, 2, 27, 9), 1, end_of(2026, 2, 28)),
    ],
)
def test_the_2026_spring_festival_is_skipped_and_saturday_make_up_days_count(start, days, deadline):
    assert add_working_days(start, days) == deadline


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        # Mon 09-21: Sep 22 (1), 23 (2), 24 (3), [25-27 Mid-autumn], 28 (4), 29 (5), 30 (6), [Oct 1-7],
        # Oct 8 (7), 9 (8), Sat 10 (9), [Sun 11], 12 (10), 13 (11), 14 (12), 15 (13), 16 (14), [17-18], Mon 19 (15)
        (at(2026, 9, 21, 11), end_of(2026, 10, 19)),
        # Mon 02-09: Feb 10 (1), 11 (2), 12 (3), 13 (4), Sat 14 (5), [15-23], 24 (6), 25 (7), 26 (8), 27 (9),
        # Sat 28 (10), [Sun Mar 1], Mar 2 (11), 3 (12), 4 (13), 5 (14), Fri Mar 6 (15)
        (at(2026, 2, 9, 11), end_of(2026, 3, 6)),
    ],
)
def test_fifteen_working_days_for_a_dirty_water_body_run_across_a_holiday(start, deadline):
    assert add_working_days(start, 15) == deadline


def test_a_day_deadline_keeps_the_tzinfo_of_the_start():
    deadline = add_working_days(at(2026, 3, 6, 16), 1)
    assert deadline.tzinfo is SHANGHAI
    assert deadline.utcoffset() == datetime.timedelta(hours=8)


def test_a_fake_workday_function_replaces_the_official_calendar():
    # With Monday-Friday only, Thu 2026-10-01 + 1 is Fri 10-02 and Fri 2026-02-13 + 1 is Mon 02-16
    assert add_working_days(at(2026, 10, 1, 10), 1, workday=weekdays_only) == end_of(2026, 10, 2)
    assert add_working_days(at(2026, 2, 13, 10), 1, workday=weekdays_only) == end_of(2026, 2, 16)
    # A "year" of 260 weekdays from Thu 2026-01-01 ends on Thu 2026-12-31 (261 weekdays in 2026, Jan 1 not counted)
    assert add_working_days(at(2026, 1, 1), 260, workday=weekdays_only) == end_of(2026, 12, 31)


def test_many_working_days_are_not_cut_short_by_the_runaway_guard():
    # 3000 weekdays is more than 3660 calendar days; the guard only limits a run of non-working days.
    # Mon 2026-03-02 + 3000 weekdays: each week Tue..Mon holds 5, so 600 weeks = 4200 days later, Mon 2037-08-31.
    assert add_working_days(at(2026, 3, 2), 3000, workday=weekdays_only) == end_of(2037, 8, 31)


def test_a_workday_function_that_never_says_yes_raises_instead_of_looping_forever():
    with pytest.raises(RuntimeError, match="no working day"):
        add_working_days(at(2026, 3, 6), 1, workday=lambda day: False)
    with pytest.raises(RuntimeError, match="no working day"):
        add_working_hours(at(2026, 3, 6), 1, workday=lambda day: False)


# --- working hours ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "deadline"),
    [
        # Mon 03-09 10:00 + 4h: 10:00-12:00 (2h) + 13:30-15:30 (2h)
        (at(2026, 3, 9, 10), 4, at(2026, 3, 9, 15, 30)),
        # Running out exactly at noon gives 12:00, not 13:30
        (at(2026, 3, 9, 10), 2, at(2026, 3, 9, 12)),
        # A whole office day: 08:30-12:00 (3.5h) + 13:30-17:30 (4h) = 7.5h
        (at(2026, 3, 9, 8, 30), 7.5, at(2026, 3, 9, 17, 30)),
        # 8h from 08:30 is the whole Monday plus 0.5h of Tuesday -> Tue 09:00
        (at(2026, 3, 9, 8, 30), 8, at(2026, 3, 10, 9)),
        # Fractions: 11:45-12:00 (15 min) + 13:30-13:45 (15 min)
        (at(2026, 3, 9, 11, 45), 0.5, at(2026, 3, 9, 13, 45)),
    ],
)
def test_working_hours_count_only_office_time(start, hours, deadline):
    assert add_working_hours(start, hours) == deadline


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        # before the office opens, Mon 08:00: 08:30-12:00 (3.5h) + 13:30-14:00 (0.5h)
        (at(2026, 3, 9, 8), at(2026, 3, 9, 14)),
        # in the lunch break, Mon 12:30: counting starts 13:30 -> 17:30
        (at(2026, 3, 9, 12, 30), at(2026, 3, 9, 17, 30)),
        # after closing, Mon 18:00: Tue 08:30-12:00 (3.5h) + 13:30-14:00 (0.5h)
        (at(2026, 3, 9, 18), at(2026, 3, 10, 14)),
        # exactly at closing time, Mon 17:30: same as after closing
        (at(2026, 3, 9, 17, 30), at(2026, 3, 10, 14)),
        # on a Sunday, 2026-03-08 10:00: Mon 08:30-12:00 + 13:30-14:00
        (at(2026, 3, 8, 10), at(2026, 3, 9, 14)),
        # on National Day, Thu 2026-10-01 10:00: Oct 1-7 off -> Thu 10-08 08:30-12:00 + 13:30-14:00
        (at(2026, 10, 1, 10), at(2026, 10, 8, 14)),
    ],
)
def test_four_working_hours_starting_outside_office_time_begin_at_the_next_office_period(start, deadline):
    assert add_working_hours(start, 4) == deadline


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        # Mon 16:00: 16:00-17:30 (1.5h), Tue 08:30-11:00 (2.5h)
        (at(2026, 3, 9, 16), at(2026, 3, 10, 11)),
        # Fri 03-06 16:00: 1.5h on Friday, weekend skipped, Mon 03-09 08:30-11:00
        (at(2026, 3, 6, 16), at(2026, 3, 9, 11)),
        # Wed 09-30 16:00: 1.5h, Oct 1-7 off, Thu 10-08 08:30-11:00
        (at(2026, 9, 30, 16), at(2026, 10, 8, 11)),
        # Fri 02-13 16:00: 1.5h, then Sat 02-14 (make-up day) 08:30-11:00
        (at(2026, 2, 13, 16), at(2026, 2, 14, 11)),
    ],
)
def test_four_working_hours_spill_over_into_the_next_working_day(start, deadline):
    assert add_working_hours(start, 4) == deadline


def test_working_hours_can_use_a_fake_workday_function_and_other_office_hours():
    # With Monday-Friday only, National Day 2026-10-01 (Thu) is an ordinary day: 10:00 + 4h = 15:30
    assert add_working_hours(at(2026, 10, 1, 10), 4, workday=weekdays_only) == at(2026, 10, 1, 15, 30)
    # One period 09:00-17:00: Fri 03-06 16:00 + 2h = 1h on Friday + Mon 09:00-10:00
    nine_to_five = ((time(9), time(17)),)
    assert add_working_hours(at(2026, 3, 6, 16), 2, workday=weekdays_only, office_hours=nine_to_five) == at(
        2026, 3, 9, 10
    )


def test_the_default_office_hours_make_a_seven_and_a_half_hour_day():
    total = sum(
        (
            datetime.datetime.combine(date.min, end) - datetime.datetime.combine(date.min, begin)
            for begin, end in OFFICE_HOURS
        ),
        datetime.timedelta(),
    )
    assert total == datetime.timedelta(hours=7.5)


# --- deadline_for -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "deadline"),
    [
        # exposed garbage, 1 working day from Fri 03-06 -> Mon 03-09 end of day
        (1, "days", end_of(2026, 3, 9)),
        # accumulated debris, 4 working days from Fri 03-06: Mon 9 (1), Tue 10 (2), Wed 11 (3), Thu 12 (4)
        (4, "days", end_of(2026, 3, 12)),
        # 4 working hours from Fri 03-06 10:00: 10:00-12:00 + 13:30-15:30
        (4, "hours", at(2026, 3, 6, 15, 30)),
    ],
)
def test_deadline_for_dispatches_on_the_unit(amount, unit, deadline):
    assert deadline_for(at(2026, 3, 6, 10), amount, unit) == deadline


def test_deadline_for_passes_the_workday_function_on():
    # Mon-Fri only: Thu 2026-10-01 + 1 day -> Fri 10-02; + 4 hours -> 15:30 the same day
    assert deadline_for(at(2026, 10, 1, 10), 1, "days", workday=weekdays_only) == end_of(2026, 10, 2)
    assert deadline_for(at(2026, 10, 1, 10), 4, "hours", workday=weekdays_only) == at(2026, 10, 1, 15, 30)


# --- working_days_between -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date(2026, 3, 6), date(2026, 3, 9), 1),  # Fri -> Mon: only Monday
        (date(2026, 3, 6), date(2026, 3, 8), 0),  # Fri -> Sun: weekend only
        (date(2026, 3, 6), date(2026, 3, 6), 0),  # same day
        (date(2026, 3, 9), date(2026, 3, 6), 0),  # end before start
        (date(2026, 9, 30), date(2026, 10, 7), 0),  # the whole National Day week
        (date(2026, 9, 30), date(2026, 10, 8), 1),
        (date(2026, 2, 13), date(2026, 2, 24), 2),  # Sat Feb 14 (make-up) and Tue Feb 24
        (date(2026, 9, 21), date(2026, 10, 19), 15),  # the fifteen days worked out above
    ],
)
def test_working_days_between_counts_days_after_start_up_to_and_including_end(start, end, count):
    assert working_days_between(start, end) == count


def test_working_days_between_uses_the_workday_function():
    # Mon-Fri only: Wed 2026-09-30 -> Thu 10-08 has Oct 1, 2, 5, 6, 7, 8
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 8), workday=weekdays_only) == 6


@pytest.mark.parametrize("days", [1, 4, 15])
def test_working_days_between_undoes_add_working_days_on_every_start_day_of_2026(days):
    day = date(2026, 1, 1)
    while day < date(2026, 11, 30):
        deadline = add_working_days(datetime.datetime.combine(day, time(10), tzinfo=SHANGHAI), days)
        assert working_days_between(day, deadline.date()) == days, day
        day += datetime.timedelta(days=1)


def test_working_days_between_takes_dates_not_datetimes():
    with pytest.raises(TypeError):
        working_days_between(at(2026, 3, 6), date(2026, 3, 9))


# --- bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda start: add_working_days(start, 1),
        lambda start: add_working_hours(start, 4),
        lambda start: deadline_for(start, 1, "days"),
        lambda start: deadline_for(start, 4, "hours"),
    ],
)
def test_a_naive_start_is_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime.datetime(2026, 3, 6, 10))


@pytest.mark.parametrize("days", [0, -1])
def test_zero_or_negative_working_days_are_refused(days):
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(at(2026, 3, 6), days)


def test_a_fractional_number_of_working_days_is_refused():
    with pytest.raises(TypeError):
        add_working_days(at(2026, 3, 6), 1.5)


@pytest.mark.parametrize("hours", [0, -1, math.nan, math.inf])
def test_hours_must_be_positive_and_finite(hours):
    with pytest.raises(ValueError, match="positive finite"):
        add_working_hours(at(2026, 3, 6), hours)


@pytest.mark.parametrize(
    "office_hours",
    [
        (),
        ((time(12), time(8, 30)),),
        ((time(8, 30), time(12)), (time(11), time(17))),
        ((time(13, 30), time(17, 30)), (time(8, 30), time(12))),
    ],
)
def test_office_hours_must_be_ordered_non_overlapping_periods(office_hours):
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 3, 9, 10), 1, office_hours=office_hours)


@pytest.mark.parametrize("unit", ["weeks", "day", "", "DAYS"])
def test_an_unknown_unit_is_refused(unit):
    with pytest.raises(ValueError, match="unknown time-limit unit"):
        deadline_for(at(2026, 3, 6), 1, unit)
