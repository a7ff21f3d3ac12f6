"""Indicator formulas (pure functions). Definitions, for ONE cohort — the problems found in a period
and not void — so that numerator and denominator always count the same problems and no rate exceeds
100 % (see docs/inspections.md; 数字城管 practice):

* due (应结案)      = closed, or deadline passed by the time of evaluation
* 结案率 close_rate          = closed / due
* 按期结案率 on_time_close_rate = closed with the accepted rectification submitted by the deadline / due
* 返工率 rework_rate         = due problems re-checked as failed at least once / due
* 超期率 overdue_rate        = due problems not rectified by the deadline / due
* 回潮率 relapse_rate        = closed problems of the cohort found again afterwards (a relapse links
                               back to them) / closed problems of the cohort
An approved extension moves the deadline, so the problem leaves "due" until the new deadline.
``relapses`` (relapses found in the period, whatever they relapse from) is a count, never divided.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class CohortCounts:
    found: int = 0
    due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    reworked: int = 0
    overdue: int = 0
    relapses: int = 0  # relapses found in the period (a count, shown as such)
    void: int = 0
    relapsed: int = 0  # closed problems of the cohort that relapsed afterwards (回潮率's numerator)


def percent(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as a percentage with one decimal, half up; None when nothing to divide by."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rates:
    close_rate: Decimal | None
    on_time_close_rate: Decimal | None
    rework_rate: Decimal | None
    overdue_rate: Decimal | None
    relapse_rate: Decimal | None

    def as_dict(self) -> dict[str, Decimal | None]:
        return dict(self.__dict__)


def rates(counts: CohortCounts) -> Rates:
    return Rates(
        close_rate=percent(counts.closed, counts.due),
        on_time_close_rate=percent(counts.closed_on_time, counts.due),
        rework_rate=percent(counts.reworked, counts.due),
        overdue_rate=percent(counts.overdue, counts.due),
        relapse_rate=percent(counts.relapsed, counts.closed),
    )


@dataclass(frozen=True)
class Definition:
    """One rate's written definition: shown on hover wherever the rate appears (stats pages,
    bulletins) and in docs/inspections.md."""

    key: str
    name: str
    numerator: str
    denominator: str

    @property
    def text(self) -> str:
        return _(
            "%(name)s = %(numerator)s ÷ %(denominator)s, over the problems found in the period (void ones left out)"
        ) % {
            "name": self.name,
            "numerator": self.numerator,
            "denominator": self.denominator,
        }


def definitions() -> dict[str, Definition]:
    """The definitions by rate key (translated in the reader's language)."""
    due = _("problems due (closed, or past their deadline)")
    closed = _("problems closed")
    return {
        "close_rate": Definition("close_rate", _("Close rate"), closed, due),
        "on_time_close_rate": Definition(
            "on_time_close_rate",
            _("On-time close rate"),
            _("problems closed with the rectification in by the deadline"),
            due,
        ),
        "rework_rate": Definition("rework_rate", _("Rework rate"), _("due problems sent back at least once"), due),
        "overdue_rate": Definition(
            "overdue_rate", _("Overdue rate"), _("due problems not rectified by the deadline"), due
        ),
        "relapse_rate": Definition(
            "relapse_rate", _("Relapse rate"), _("closed problems found again afterwards"), closed
        ),
    }


@dataclass(frozen=True)
class CategoryShare:
    code: str
    name: str
    count: int
    share: Decimal  # percent, one decimal


def category_shares(rows: list[tuple[str, str, int]]) -> list[CategoryShare]:
    """Counts by category with their share of the total, largest first (ties by code)."""
    total = sum(count for _code, _name, count in rows)
    ordered = sorted((r for r in rows if r[2] > 0), key=lambda r: (-r[2], r[0]))
    return [CategoryShare(code, name, count, percent(count, total) or Decimal("0.0")) for code, name, count in ordered]


def summary_sentence(period: str, total: int, shares: list[CategoryShare]) -> str:
    """The sentence a speech would say: "本月共发现问题N处，其中乱堆杂物M处，占X%，居各类问题首位"."""
    if total == 0 or not shares:
        return _("%(period)s no problems were found.") % {"period": period}
    top = shares[0]
    tied = [s.name for s in shares[1:] if s.count == top.count]
    values = {"period": period, "total": total, "name": top.name, "count": top.count, "share": top.share}
    if tied:
        values["others"] = "、".join(tied)
        return (
            _(
                "%(period)s %(total)s problems were found; %(name)s with %(count)s (%(share)s%%) "
                "ties with %(others)s for the most of all categories."
            )
            % values
        )
    return (
        _(
            "%(period)s %(total)s problems were found, of which %(name)s %(count)s, %(share)s%%, "
            "the most of all categories."
        )
        % values
    )
