"""Archive periods: a month ("2026-07"), a quarter ("2026-Q3") or a year ("2026"). Pure functions.

An evidence record belongs to one period; an audit or a binder covers one period and everything
filed in the periods inside it (a year's binder holds its months and quarters)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from gongjian.core.inputs import month_bounds

MONTH, QUARTER, YEAR = "month", "quarter", "year"
_RANK = {MONTH: 0, QUARTER: 1, YEAR: 2}
_INTERVAL_KIND = {"monthly": MONTH, "quarterly": QUARTER, "yearly": YEAR}
_CODE = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|[Qq](?P<quarter>[1-4])))?$")


@dataclass(frozen=True, order=True)
class Period:
    start: datetime.date
    kind: str

    @property
    def end(self) -> datetime.date:
        """The last day of the period (inclusive)."""
        months = {MONTH: 1, QUARTER: 3, YEAR: 12}[self.kind]
        year, month = divmod(self.start.month - 1 + months, 12)
        return datetime.date(self.start.year + year, month + 1, 1) - datetime.timedelta(days=1)

    @property
    def code(self) -> str:
        if self.kind == YEAR:
            return f"{self.start.year}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"

    def __str__(self) -> str:
        return self.code

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def includes(self, other: Period) -> bool:
        """Is ``other`` this period or one inside it?"""
        return _RANK[other.kind] <= _RANK[self.kind] and self.start <= other.start <= self.end

    def slots(self, interval: str) -> list[Period]:
        """The sub-periods an interval ("monthly", "quarterly", "yearly") divides this period into;
        empty when the interval is longer than the period (a yearly duty is not due in a month)."""
        kind = _INTERVAL_KIND[interval]
        if _RANK[kind] > _RANK[self.kind]:
            return []
        out, cursor = [], self.start
        while cursor <= self.end:
            slot = of(kind, cursor)
            out.append(slot)
            cursor = slot.end + datetime.timedelta(days=1)
        return out


def of(kind: str, day: datetime.date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == YEAR:
        return Period(datetime.date(day.year, 1, 1), YEAR)
    if kind == QUARTER:
        return Period(datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1), QUARTER)
    if kind == MONTH:
        return Period(datetime.date(day.year, day.month, 1), MONTH)
    raise ValueError(f"unknown period kind {kind!r}")


def parse(code: str) -> Period:
    """ "2026", "2026-Q3" or "2026-07" → Period; ValueError for anything else."""
    match = _CODE.match((code or "").strip())
    if not match:
        raise ValueError(f"not a period: {code!r}")
    year = int(match["year"])
    first, last = month_bounds()
    if not first.year <= year <= last.year:
        raise ValueError(f"year out of range: {code!r}")
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f"no such month: {code!r}")
        return Period(datetime.date(year, month, 1), MONTH)
    if match["quarter"]:
        return Period(datetime.date(year, (int(match["quarter"]) - 1) * 3 + 1, 1), QUARTER)
    return Period(datetime.date(year, 1, 1), YEAR)


def from_fields(kind: str, start: datetime.date) -> Period:
    return of(kind, start)
