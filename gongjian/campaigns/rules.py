"""Pure rules of a campaign: which problems it takes, and its figures per unit and per ISO week.

Relapse (回潮) reuses the inspections' notions: a problem is a relapse when it repeats a closed
problem of the same category at the same place within the category's window (``Problem.relapse_of``,
set at report time), or when it went back for rework after being declared done (``rework_count``:
a failed re-check or a resident's "not solved" reopen)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

# Level of a target unit → the problem's column holding its ancestor-or-self at that level.
COLUMN_FOR_LEVEL = {
    "city": "city_id",
    "district": "district_id",
    "street": "street_id",
    "community": "community_id",
    "compound": "unit_id",
}


@dataclass(frozen=True)
class ProblemRow:
    """What the figures need of one tagged problem."""

    unit_id: int  # the campaign's target unit it falls under
    found_on: datetime.date
    closed_on: datetime.date | None
    closed: bool
    relapse: bool


@dataclass
class Tally:
    found: int = 0
    closed: int = 0
    relapse: int = 0

    @property
    def open(self) -> int:
        return self.found - self.closed

    @property
    def closed_rate(self) -> int | None:
        return round(100 * self.closed / self.found) if self.found else None


@dataclass
class Figures:
    total: Tally = field(default_factory=Tally)
    by_unit: dict[int, Tally] = field(default_factory=dict)
    by_week: dict[str, Tally] = field(default_factory=dict)


def iso_week(day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_parts(code: str) -> tuple[int, int]:
    """(year, week) of an ISO week code such as ``2026-W43``."""
    year, week = code.split("-W")
    return int(year), int(week)


def weeks_between(start: datetime.date, end: datetime.date) -> list[str]:
    """Every ISO week touching [start, end], in order."""
    weeks: list[str] = []
    day = start - datetime.timedelta(days=start.weekday())
    while day <= end:
        weeks.append(iso_week(day))
        day += datetime.timedelta(days=7)
    return weeks


def target_of(problem_columns: dict[str, int | None], targets: Iterable[tuple[int, str]]) -> int | None:
    """The first target unit (id, level) the problem lies under, else None."""
    for unit_id, level in targets:
        column = COLUMN_FOR_LEVEL.get(level)
        if column and problem_columns.get(column) == unit_id:
            return unit_id
    return None


def figures(
    rows: Iterable[ProblemRow], *, unit_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> Figures:
    """Found, closed and relapses per target unit (every unit listed, even with none) and per ISO
    week of [start, end]: a problem counts as found in the week it was found, closed in the week it
    was closed (if that week is in the period), and as a relapse in the week it was found."""
    result = Figures(
        by_unit={uid: Tally() for uid in unit_ids}, by_week={w: Tally() for w in weeks_between(start, end)}
    )
    for row in rows:
        unit = result.by_unit.setdefault(row.unit_id, Tally())
        for tally in (result.total, unit):
            tally.found += 1
            tally.closed += int(row.closed)
            tally.relapse += int(row.relapse)
        week = result.by_week.get(iso_week(row.found_on))
        if week is not None:
            week.found += 1
            week.relapse += int(row.relapse)
        if row.closed and row.closed_on is not None:
            closed_week = result.by_week.get(iso_week(row.closed_on))
            if closed_week is not None:
                closed_week.closed += 1
    return result
