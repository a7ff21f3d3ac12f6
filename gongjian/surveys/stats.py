"""The results' arithmetic (pure): which answer counts as satisfied, the satisfaction rate and its
Wilson score interval, and the note that goes with a small sample."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

#: Below this many responses a community's rate is shown with a "too few responses" note.
MIN_RESPONSES = 30
Z_95 = 1.959963984540054


def is_satisfied(question, *, choices=(), scale=None) -> bool | None:
    """Does this answer to the satisfaction question count as satisfied? None when unanswered."""
    if question.kind == "scale":
        return None if scale is None else scale >= question.satisfied_min
    if not choices:
        return None
    return any(choice in question.satisfied_options for choice in choices)


def rate_percent(satisfied: int, answered: int) -> Decimal | None:
    """Satisfied / answered in percent, two decimals (half up); None without answers."""
    if not answered:
        return None
    return (Decimal(satisfied) * 100 / Decimal(answered)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (successes of n) as fractions; None for n = 0."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError("successes must lie between 0 and n")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def confidence_note(successes: int, n: int) -> dict:
    """What the results page says beside a rate: the 95 % interval in percent and whether n is small."""
    interval = wilson_interval(successes, n)
    if interval is None:
        return {"low": None, "high": None, "too_few": True}
    low, high = interval
    return {"low": round(low * 100, 1), "high": round(high * 100, 1), "too_few": n < MIN_RESPONSES}
