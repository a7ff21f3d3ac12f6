"""Pure rules (no ORM): the participation index of a co-construction unit and the diversity of a
community's activities. Formulas are documented in docs/participation.md and here.

Participation index of a unit for a month (0–100)::

    A  attendance         = joined / held           (activities held in its paired communities that
                                                     month; when none was held A = 1: nothing missed)
    H  head attendance    = head_joined / joined    (0 when it joined nothing)
    O  obligation progress = mean over its obligations of min(1, done_year_to_date / (target × m / 12)),
                             m = month number; 0 when it has no obligations (no letter is a finding)
    S  stability          = 1 / (1 + changes of the leader in charge in the 12 months up to the month's
                             end); 0 when no leader is recorded
    index = 100 × (0.35 A + 0.15 H + 0.30 O + 0.20 S), rounded to one decimal;
    perfunctory (应付) when index < 60.

Diversity of a community's held activities in a quarter, with n_i activities of type i, N in all,
p_i = n_i / N, T = number of activity types in use in the city::

    entropy H = −Σ p_i ln p_i;   normalised J = H / ln T   (0 when N = 0 or T < 2)
    single kind (活动载体单一) when N ≥ 1 and the most frequent type has ≥ 80 % of the activities.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WEIGHTS = {
    "attendance": Decimal("0.35"),
    "head": Decimal("0.15"),
    "obligations": Decimal("0.30"),
    "stability": Decimal("0.20"),
}
PERFUNCTORY_BELOW = Decimal("60")
SINGLE_KIND_SHARE = Decimal("0.8")


@dataclass(frozen=True)
class ObligationProgress:
    target: int  # per year
    done: int  # year to date


@dataclass(frozen=True)
class IndexInputs:
    held: int
    joined: int
    head_joined: int
    obligations: Sequence[ObligationProgress]
    leader_changes: int
    has_leader: bool
    month: int  # 1..12


@dataclass(frozen=True)
class IndexResult:
    attendance: Decimal
    head: Decimal
    obligations: Decimal
    stability: Decimal
    index: Decimal

    @property
    def perfunctory(self) -> bool:
        return self.index < PERFUNCTORY_BELOW


def _ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal:
    return min(Decimal(1), Decimal(numerator) / Decimal(denominator))


def participation_index(inputs: IndexInputs) -> IndexResult:
    if not 1 <= inputs.month <= 12:
        raise ValueError("month must be 1..12")
    attendance = _ratio(inputs.joined, inputs.held) if inputs.held else Decimal(1)
    head = _ratio(inputs.head_joined, inputs.joined) if inputs.joined else Decimal(0)
    if inputs.obligations:
        parts = [
            _ratio(o.done, Decimal(o.target) * inputs.month / 12) if o.target > 0 else Decimal(1)
            for o in inputs.obligations
        ]
        obligations = sum(parts, Decimal(0)) / len(parts)
    else:
        obligations = Decimal(0)
    stability = Decimal(1) / (1 + inputs.leader_changes) if inputs.has_leader else Decimal(0)
    raw = 100 * (
        WEIGHTS["attendance"] * attendance
        + WEIGHTS["head"] * head
        + WEIGHTS["obligations"] * obligations
        + WEIGHTS["stability"] * stability
    )
    q = Decimal("0.001")
    return IndexResult(
        attendance=attendance.quantize(q),
        head=head.quantize(q),
        obligations=obligations.quantize(q),
        stability=stability.quantize(q),
        index=raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
    )


@dataclass(frozen=True)
class Diversity:
    total: int
    kinds: int
    entropy: float
    normalised: float
    top_share: float
    single_kind: bool


def diversity(counts: Mapping[str, int], types_in_use: int) -> Diversity:
    """Diversity of activity types from ``{type: count}`` (see the module docstring)."""
    values = [n for n in counts.values() if n > 0]
    total = sum(values)
    if total == 0:
        return Diversity(total=0, kinds=0, entropy=0.0, normalised=0.0, top_share=0.0, single_kind=False)
    entropy = -sum((n / total) * math.log(n / total) for n in values)
    entropy = max(0.0, entropy)  # -0.0 for one kind
    normalised = entropy / math.log(types_in_use) if types_in_use >= 2 else 0.0
    top_share = max(values) / total
    return Diversity(
        total=total,
        kinds=len(values),
        entropy=round(entropy, 4),
        normalised=round(min(1.0, normalised), 4),
        top_share=round(top_share, 4),
        single_kind=Decimal(max(values)) / total >= SINGLE_KIND_SHARE,
    )


def competition_ranks(values: Sequence[Decimal]) -> list[int]:
    """1, 2, 2, 4 ... for values sorted from best to worst."""
    ranks: list[int] = []
    for i, value in enumerate(values):
        ranks.append(ranks[-1] if i and value == values[i - 1] else i + 1)
    return ranks
