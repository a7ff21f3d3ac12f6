"""When a propaganda position (宣传阵地) is stale: its content has not been renewed within the
period its kind asks for. Pure functions, no ORM.

The periods are per kind, in days, from ``settings.POSITION_UPDATE_DAYS`` (a dict kind → days)
over the defaults below: blackboards and notice boards monthly, electronic screens weekly, signs
once a year."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_PERIOD_DAYS: dict[str, int] = {"blackboard": 31, "board": 31, "screen": 7, "sign": 366}


def period_days(kind: str, overrides: Mapping[str, int] | None = None) -> int:
    if overrides and kind in overrides:
        return int(overrides[kind])
    return DEFAULT_PERIOD_DAYS.get(kind, 31)


def due_on(*, last_update: datetime.date | None, created_on: datetime.date, days: int) -> datetime.date:
    """The last day by which the next update is due: ``days`` after the last update, or after the
    position was registered when it has never been updated."""
    return (last_update or created_on) + datetime.timedelta(days=days)


def is_stale(*, last_update: datetime.date | None, created_on: datetime.date, today: datetime.date, days: int) -> bool:
    """Stale once the due day has passed without an update."""
    return today > due_on(last_update=last_update, created_on=created_on, days=days)


@dataclass(frozen=True)
class Freshness:
    total: int
    stale: int

    @property
    def fresh(self) -> int:
        return self.total - self.stale

    @property
    def stale_rate(self) -> Decimal:
        """Share of stale positions, 0..1 to four places (0 when a unit has none)."""
        if not self.total:
            return Decimal("0")
        return (Decimal(self.stale) / Decimal(self.total)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def freshness(flags: Iterable[bool]) -> Freshness:
    flags = list(flags)
    return Freshness(total=len(flags), stale=sum(1 for f in flags if f))
