"""Scoring rules as pure functions (no ORM): which items are assessed in a month, how each method
turns occurrences or rates into points, ranks with ties, red flags, and rewards and penalties.

Every function returns the points lost line by line where a line is owed to a cause, so the sheet
can show each deduction beside the problem, photo and inspector that caused it (原始考核资料)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
DEFAULT_GRADES = (Decimal("1"), Decimal("0.66"), Decimal("0.33"), Decimal("0"))
QUARTER_ENDS = {3, 6, 9, 12}


def q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def assessed_in(frequency: str, month: datetime.date, fold_into_monthly_from: datetime.date | None) -> bool:
    """Is an item of this frequency assessed in ``month``? From the fold month on, every item is
    assessed monthly ("年度、季度指标从8月份开始纳入月度考核"); before it, quarterly items only in
    March, June, September and December, annual items only in December."""
    if frequency == "monthly":
        return True
    if fold_into_monthly_from is not None and month >= fold_into_monthly_from.replace(day=1):
        return True
    if frequency == "quarterly":
        return month.month in QUARTER_ENDS
    if frequency == "annual":
        return month.month == 12
    raise ValueError(f"unknown frequency {frequency!r}")


def applies_to(item_level: str, unit_level: str) -> bool:
    return not item_level or item_level == unit_level


def deduct_lines(points: Decimal, per_occurrence: Decimal, occurrences: int) -> list[Decimal]:
    """Points lost by each occurrence, never taking the item below 0 (later ones lose 0)."""
    lines, left = [], Decimal(points)
    for _ in range(occurrences):
        lost = min(Decimal(per_occurrence), left)
        lines.append(q(lost))
        left -= lost
    return lines


def grade_lines(points: Decimal, occurrences: int, grades: Sequence[Decimal] = DEFAULT_GRADES) -> list[Decimal]:
    """状态描述法: 0 / 1 / 2 / 3+ occurrences earn grades[0..3] of the points. The k-th occurrence
    costs the step between two grades; from the last grade on, nothing more."""
    grades = [Decimal(g) for g in grades] or list(DEFAULT_GRADES)
    lines = []
    for k in range(occurrences):
        if k + 1 < len(grades):
            lines.append(q(points * (grades[k] - grades[k + 1])))
        else:
            lines.append(Decimal("0.00"))
    return lines


def rate_loss(
    points: Decimal, threshold: Decimal, per_point: Decimal, value: Decimal | None, *, lower_is_better: bool = False
) -> Decimal:
    """Points lost for a rate (in percent) against its threshold. Full points at or above the
    threshold (at or below it for rates where less is better, such as the rework rate); each
    percentage point short costs ``per_point``; never below 0. No cases to judge: full points."""
    if value is None:
        return Decimal("0.00")
    shortfall = (value - threshold) if lower_is_better else (threshold - value)
    if shortfall <= 0:
        return Decimal("0.00")
    return q(min(Decimal(points), shortfall * Decimal(per_point)))


def extra_lines(remaining: Decimal, per_case: Decimal, cases: int) -> list[Decimal]:
    """Extra deductions (overdue, rework, relapse) within what is left of the item."""
    return deduct_lines(remaining, per_case, cases) if per_case > 0 else [Decimal("0.00")] * cases


def competition_ranks(values: Iterable[tuple[object, Decimal]]) -> dict[object, int]:
    """Rank by value, highest first; ties share a rank and the next rank skips (1, 2, 2, 4)."""
    ordered = sorted(values, key=lambda kv: kv[1], reverse=True)
    ranks, previous, rank = {}, None, 0
    for position, (key, value) in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = position, value
        ranks[key] = rank
    return ranks


def red_flag_holders(rates: Iterable[tuple[object, Decimal]], threshold: Decimal) -> list[object]:
    """The best units of one street at or above the threshold; ties all hold the flag."""
    eligible = [(key, rate) for key, rate in rates if rate >= threshold]
    if not eligible:
        return []
    best = max(rate for _key, rate in eligible)
    return [key for key, rate in eligible if rate == best]


def sanctions_due(
    policy: Sequence[dict],
    *,
    rates: dict[object, Decimal],
    flag_holders: set[object],
    previous_rates: dict[object, list[Decimal]],
) -> list[tuple[object, str, str]]:
    """(unit, kind, rule) for every rule of the policy a unit meets this month.

    Rules: ``{"when": "red_flag", "kind": ...}``; ``{"when": "rate_below", "threshold": 0.6,
    "months": 2, "kind": ...}`` — below the threshold this month and the months-1 before it."""
    due = []
    for rule in policy:
        when, kind = rule["when"], rule["kind"]
        if when == "red_flag":
            due.extend((unit, kind, "red_flag") for unit in sorted(flag_holders, key=str))
        elif when == "rate_below":
            threshold, months = Decimal(str(rule["threshold"])), int(rule.get("months", 1))
            for unit, rate in rates.items():
                history = [rate, *previous_rates.get(unit, [])][:months]
                if len(history) == months and all(r < threshold for r in history):
                    due.append((unit, kind, f"rate_below:{threshold}:{months}"))
        else:
            raise ValueError(f"unknown policy rule {when!r}")
    return due
