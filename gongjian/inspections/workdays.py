"""Working-day arithmetic for rectification deadlines (整改时限).

A problem found by an inspector must be put right within a number of working days ("N个工作日内") or working hours
set per problem category. Working days follow China's official calendar, make-up working weekends (调休) included,
as published by the ``chinesecalendar`` package; for years that package does not know yet we fall back to
Monday–Friday and say so once per year in the log.

Pure functions: no ORM, no settings. Every datetime passed in must be timezone-aware (callers use Asia/Shanghai);
results are in the same tzinfo. Each function takes ``workday`` so that tests, or a city with its own calendar, can
swap in another day predicate.
"""

from __future__ import annotations

import datetime
import decimal
import logging
import math
import numbers
import operator
import threading
from collections.abc import Callable, Sequence

import chinese_calendar

logger = logging.getLogger(__name__)

Workday = Callable[[datetime.date], bool]
OfficeHours = Sequence[tuple[datetime.time, datetime.time]]

#: Default working periods of a working day: 08:30–12:00 and 13:30–17:30, 7.5 hours in all.
OFFICE_HOURS: tuple[tuple[datetime.time, datetime.time], ...] = (
    (datetime.time(8, 30), datetime.time(12, 0)),
    (datetime.time(13, 30), datetime.time(17, 30)),
)

#: A day deadline ends at the last second of the day found.
END_OF_DAY = datetime.time(23, 59, 59)

#: How many calendar days in a row may be non-working before we give up; the longest official break is nine days,
#: so this only trips when a ``workday`` function says "no" (nearly) forever.
MAX_DAYS_WITHOUT_WORK = 3660

UNITS = ("days", "hours")

_warned_years: set[int] = set()
_warned_lock = threading.Lock()


def is_workday(day: datetime.date) -> bool:
    """Whether ``day`` is a working day in China's official calendar, make-up weekends (调休) included.

    For a year ``chinesecalendar`` has no data for, Monday–Friday count as working days and a warning is logged
    once per year per process.
    """
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_missing_year(day.year)
        return day.weekday() < 5


def _warn_missing_year(year: int) -> None:
    with _warned_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    logger.warning(
        "The official Chinese holiday calendar for %d is missing (chinesecalendar %s); treating Monday to Friday "
        "as working days for %d. `pip install -U chinesecalendar` updates it.",
        year,
        getattr(chinese_calendar, "__version__", "?"),
        year,
    )


def add_working_days(start: datetime.datetime, days: int, *, workday: Workday = is_workday) -> datetime.datetime:
    """End (23:59:59) of the ``days``-th working day after the local day of ``start``.

    The day of ``start`` itself never counts, whatever the time or whether it is a working day: a problem found on
    Friday with "1个工作日内" is due by the end of the next working day, usually Monday.
    """
    local = _local(start)
    days = operator.index(days)
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    day = local.date()
    for _ in range(days):
        day = _next_workday(day, workday)
    return datetime.datetime.combine(day, END_OF_DAY, tzinfo=local.tzinfo)


def add_working_hours(
    start: datetime.datetime,
    hours: float,
    *,
    workday: Workday = is_workday,
    office_hours: OfficeHours = OFFICE_HOURS,
) -> datetime.datetime:
    """The moment ``hours`` of office time have passed since ``start``.

    Only time inside ``office_hours`` on working days counts. A ``start`` outside office time (lunch break, evening,
    weekend, holiday) begins counting at the next office period. When the hours run out exactly at the end of a
    period, that end is returned (e.g. 12:00, not 13:30).
    """
    local = _local(start)
    if not (isinstance(hours, numbers.Real | decimal.Decimal) and 0 < hours < math.inf):
        raise ValueError(f"hours must be a positive finite number, got {hours!r}")
    periods = _check_office_hours(office_hours)
    tz = local.tzinfo
    remaining = datetime.timedelta(hours=float(hours))
    day = local.date()
    if not workday(day):
        day = _next_workday(day, workday)
    while True:
        for begin_time, end_time in periods:
            # Same tzinfo on both sides, so these are wall-clock comparisons and differences.
            period_end = datetime.datetime.combine(day, end_time, tzinfo=tz)
            begin = max(datetime.datetime.combine(day, begin_time, tzinfo=tz), local)
            if begin >= period_end:
                continue
            available = period_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day = _next_workday(day, workday)


def deadline_for(
    start: datetime.datetime, amount: int, unit: str, *, workday: Workday = is_workday
) -> datetime.datetime:
    """Deadline for a category's time limit: ``unit`` is "days" (working days) or "hours" (working hours)."""
    if unit == "days":
        return add_working_days(start, amount, workday=workday)
    if unit == "hours":
        return add_working_hours(start, amount, workday=workday)
    raise ValueError(f"unknown time-limit unit {unit!r}; expected one of {', '.join(UNITS)}")


def working_days_between(start: datetime.date, end: datetime.date, *, workday: Workday = is_workday) -> int:
    """Number of working days ``d`` with ``start < d <= end``; 0 when ``end <= start``.

    Used for "how many working days overdue": ``working_days_between(deadline_day, today)``. Takes dates, not
    datetimes; convert with ``dt.astimezone(tz).date()`` first.
    """
    for value in (start, end):
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise TypeError(f"working_days_between() takes dates, got {value!r}")
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if workday(day):
            count += 1
    return count


def _local(start: datetime.datetime) -> datetime.datetime:
    if not isinstance(start, datetime.datetime):
        raise TypeError(f"expected a datetime, got {start!r}")
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(f"start must be timezone-aware, got naive {start!r}")
    return start.astimezone(start.tzinfo)


def _next_workday(day: datetime.date, workday: Workday) -> datetime.date:
    """The first working day after ``day``."""
    candidate = day
    for _ in range(MAX_DAYS_WITHOUT_WORK):
        candidate += datetime.timedelta(days=1)
        if workday(candidate):
            return candidate
    raise RuntimeError(f"no working day within {MAX_DAYS_WITHOUT_WORK} days after {day}; check the workday function")


def _check_office_hours(office_hours: OfficeHours) -> tuple[tuple[datetime.time, datetime.time], ...]:
    periods = tuple(office_hours)
    if not periods:
        raise ValueError("office_hours must contain at least one period")
    previous_end: datetime.time | None = None
    for begin, end in periods:
        if not begin < end:
            raise ValueError(f"office period {begin}–{end} must start before it ends")
        if previous_end is not None and begin < previous_end:
            raise ValueError("office periods must be in order and must not overlap")
        previous_end = end
    return periods
