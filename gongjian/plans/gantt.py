"""The Gantt view's geometry: where each task's bar starts and how wide it is, in percent of the
span from the plan's first latest start to its target (pure; the page sets the bars' sizes from
data attributes in static/js/plans.js, as the Content Security Policy forbids inline styles)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    offset: float
    width: float


@dataclass(frozen=True)
class Axis:
    start: datetime.date
    end: datetime.date
    months: list[tuple[datetime.date, float]]  # first of each month inside the span, at its offset
    today: float | None


def axis(starts: list[datetime.date], end: datetime.date, *, today: datetime.date) -> Axis | None:
    if not starts:
        return None
    start = min(min(starts), end)
    span = (end - start).days + 1
    months = []
    day = (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    while day <= end:
        months.append((day, round((day - start).days * 100 / span, 2)))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    today_at = round((today - start).days * 100 / span, 2) if start <= today <= end else None
    return Axis(start=start, end=end, months=months, today=today_at)


def bar(scale: Axis, first: datetime.date, last: datetime.date) -> Bar:
    span = (scale.end - scale.start).days + 1
    offset = max(0, (first - scale.start).days) * 100 / span
    width = max(1, (last - first).days + 1) * 100 / span
    return Bar(offset=round(offset, 2), width=round(min(width, 100 - offset), 2))
