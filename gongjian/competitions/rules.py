"""The competition's rules as pure functions (no ORM): the items written one a line, what an
inspector's result for an item may be, the points it loses, a unit's total and rate, and ranks
with ties per city, street and kind of unit.

Points lost per item reuse the community assessment's scoring (``assessments.scoring``): a
deduction per occurrence never takes an item below 0, grades follow 状态描述法, ranks are
``competition_ranks`` (1, 2, 2, 4)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from gongjian.assessments import scoring

RATE_PLACES = Decimal("0.000001")
MAX_OCCURRENCES = 999
MAX_ITEMS = 60
MAX_POINTS = Decimal("1000")
METHODS = ("deduct", "grade", "points")


class RulesError(ValueError):
    """Everything wrong with the items, one message a line (in the reader's language)."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    points: Decimal
    method: str
    per_occurrence: Decimal | None = None
    grades: tuple[Decimal, ...] = ()

    def as_line(self) -> str:
        """The item as the line ``parse_items`` reads back into an equal spec (numbers without
        trailing zeros: 20, not 20.00)."""
        extra = ""
        if self.method == "deduct":
            extra = f" | {_plain(self.per_occurrence)}"
        elif self.method == "grade":
            extra = " | " + ",".join(_plain(g) for g in self.grades)
        return f"{self.code} | {self.name} | {_plain(self.points)} | {self.method}{extra}"


def _plain(number: Decimal | None) -> str:
    return "" if number is None else f"{Decimal(number).normalize():f}"


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def parse_items(text: str) -> list[ItemSpec]:
    """``code | name | points | method [| per occurrence, or grades]`` one item a line, e.g.
    ``A1 | 门前三包责任落实 | 20 | deduct | 2`` or ``A2 | 内部环境卫生 | 30 | grade | 1,0.8,0.6,0``.
    Raises RulesError listing every bad line; blank lines are skipped."""
    items: list[ItemSpec] = []
    errors: list[str] = []
    seen: set[str] = set()
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1) if line.strip()]
    if not lines:
        raise RulesError([_("Give at least one item.")])
    if len(lines) > MAX_ITEMS:
        raise RulesError([_("At most %(n)s items.") % {"n": MAX_ITEMS}])
    for n, line in lines:
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        where = _("Line %(n)s") % {"n": n}
        if len(parts) < 4:
            errors.append(f"{where}: " + _("write code | name | points | method, separated by |."))
            continue
        code, name, points_text, method = parts[:4]
        extra = parts[4] if len(parts) > 4 else ""
        if not code or len(code) > 20 or not name or len(name) > 200:
            errors.append(f"{where}: " + _("the code (up to 20 characters) and the name are required."))
            continue
        if code in seen:
            errors.append(f"{where}: " + _("the code %(code)s is used twice.") % {"code": code})
            continue
        seen.add(code)
        points = _decimal(points_text)
        if points is None or points <= 0 or points > MAX_POINTS or points != points.quantize(scoring.CENT):
            errors.append(f"{where}: " + _("the points must be a number above 0 with at most 2 decimals."))
            continue
        if method not in METHODS:
            errors.append(f"{where}: " + _("the method must be deduct, grade or points."))
            continue
        if method == "deduct":
            per = _decimal(extra)
            if per is None or per <= 0 or per > points:
                errors.append(
                    f"{where}: "
                    + _("a deduct item needs the points lost per occurrence, above 0 and at most its points.")
                )
                continue
            items.append(ItemSpec(code, name, points, method, per_occurrence=per))
        elif method == "grade":
            grades = (
                tuple(_decimal(g) for g in extra.replace("，", ",").split(",")) if extra else scoring.DEFAULT_GRADES
            )
            if (
                len(grades) < 2
                or any(g is None or not Decimal("0") <= g <= Decimal("1") for g in grades)
                or list(grades) != sorted(grades, reverse=True)
            ):
                errors.append(
                    f"{where}: " + _("the grades must be shares between 1 and 0, best first, e.g. 1,0.8,0.6,0.")
                )
                continue
            items.append(ItemSpec(code, name, points, method, grades=grades))
        else:
            items.append(ItemSpec(code, name, points, method))
    if errors:
        raise RulesError(errors)
    return items


def grade_label(index: int) -> str:
    labels = [_("Excellent"), _("Good"), _("Fair"), _("Poor")]
    return labels[index] if index < len(labels) else _("Grade %(n)s") % {"n": index + 1}


def check_value(item: ItemSpec, value) -> Decimal:
    """The inspector's result for one item, checked: occurrences for deduct, the grade's position
    (0 = best) for grade, points lost for points. Raises ValueError with a message for people."""
    number = _decimal(str(value)) if value is not None else None
    if number is None:
        raise ValueError(_("Give a number."))
    if item.method == "deduct":
        if number != number.to_integral_value() or not 0 <= number <= MAX_OCCURRENCES:
            raise ValueError(
                _("Give the number of occurrences, a whole number from 0 to %(n)s.") % {"n": MAX_OCCURRENCES}
            )
        return number.quantize(Decimal("1"))
    if item.method == "grade":
        if number != number.to_integral_value() or not 0 <= number < len(item.grades):
            raise ValueError(_("Choose one of the item's grades."))
        return number.quantize(Decimal("1"))
    if not Decimal("0") <= number <= item.points or number != number.quantize(scoring.CENT):
        raise ValueError(
            _("The points lost must be between 0 and %(points)s, with at most 2 decimals.") % {"points": item.points}
        )
    return number.quantize(scoring.CENT)


def item_lost(item: ItemSpec, value: Decimal | None) -> Decimal:
    """Points the item loses for the inspector's (checked) result; no result loses nothing."""
    if value is None:
        return Decimal("0.00")
    if item.method == "deduct":
        return scoring.q(sum(scoring.deduct_lines(item.points, item.per_occurrence, int(value)), Decimal("0")))
    if item.method == "grade":
        return scoring.q(sum(scoring.grade_lines(item.points, int(value), item.grades), Decimal("0")))
    return scoring.q(min(Decimal(value), item.points))


@dataclass(frozen=True)
class Total:
    score: Decimal
    max_score: Decimal
    rate: Decimal
    missing: int  # items without a result


def unit_total(items: Sequence[ItemSpec], values: dict[str, Decimal]) -> Total:
    """A unit's score: the items' points less what each loses; ``values`` by item code."""
    max_score = scoring.q(sum((i.points for i in items), Decimal("0")))
    lost = sum((item_lost(i, values.get(i.code)) for i in items), Decimal("0"))
    score = scoring.q(max_score - lost)
    rate = (score / max_score).quantize(RATE_PLACES) if max_score else Decimal("0")
    return Total(score, max_score, rate, sum(1 for i in items if i.code not in values))


@dataclass(frozen=True)
class Ranks:
    city: int
    street: int | None
    kind: int


def rank_all(rows: Iterable[tuple[object, Decimal, object, str]]) -> dict[object, Ranks]:
    """(key, rate, street, kind) → ranks by rate in the whole city, within the street (None when
    the unit has no street) and among units of the same kind; ties share a rank (1, 2, 2, 4)."""
    rows = list(rows)
    city = scoring.competition_ranks((key, rate) for key, rate, _street, _kind in rows)
    by_street: dict[object, list] = defaultdict(list)
    by_kind: dict[str, list] = defaultdict(list)
    for key, rate, street, kind in rows:
        if street is not None:
            by_street[street].append((key, rate))
        by_kind[kind].append((key, rate))
    street_ranks: dict[object, int] = {}
    for members in by_street.values():
        street_ranks.update(scoring.competition_ranks(members))
    kind_ranks: dict[object, int] = {}
    for members in by_kind.values():
        kind_ranks.update(scoring.competition_ranks(members))
    return {key: Ranks(city[key], street_ranks.get(key), kind_ranks[key]) for key, *_rest in rows}
