"""A rule set as plain data: parsing and validation shared by the UI, the JSON import, the Excel
import and the API (pure: no ORM). Items travel either nested (``children``, the API's shape) or
flat with a ``parent`` code (the Excel sheet's shape); both become the same ``ItemSpec`` rows.

Every problem found is reported with the row or field it concerns, and nothing is saved unless
there are none."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from gongjian.assessments.choices import Frequency, Indicator, ItemLevel, Method
from gongjian.assessments.scoring import DEFAULT_GRADES

ITEM_FIELDS = [
    "code",
    "parent",
    "name",
    "points",
    "frequency",
    "level",
    "method",
    "per_occurrence",
    "categories",
    "grades",
    "indicator",
    "threshold",
    "per_point",
]


@dataclass
class ItemSpec:
    code: str
    name: str
    points: Decimal
    parent: str = ""
    frequency: str = "monthly"
    level: str = ""
    method: str = ""
    per_occurrence: Decimal | None = None
    categories: list[str] = field(default_factory=list)
    grades: list[Decimal] = field(default_factory=list)
    indicator: str = ""
    threshold: Decimal | None = None
    per_point: Decimal | None = None
    row: str = ""  # where it came from, for messages: "item 1.2" or "row 7"


@dataclass
class RuleSetSpec:
    name: str
    version: int
    effective_from: datetime.date
    total_points: Decimal
    overdue_deduction: Decimal = Decimal("0")
    rework_deduction: Decimal = Decimal("0")
    relapse_deduction: Decimal = Decimal("0")
    fold_into_monthly_from: datetime.date | None = None
    levels: list[str] = field(default_factory=lambda: ["community", "compound"])
    flag_level: str = "compound"
    red_flag_threshold: Decimal = Decimal("0.9")
    list_size: int = 5
    policy: list[dict] = field(default_factory=list)
    items: list[ItemSpec] = field(default_factory=list)


class RuleSetInvalid(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _decimal(value, where: str, errors: list[str], *, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors.append(_("%(where)s: a number is required.") % {"where": where})
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.append(_("%(where)s: %(value)s is not a number.") % {"where": where, "value": value})
        return None
    if not number.is_finite():
        errors.append(_("%(where)s: %(value)s is not a number.") % {"where": where, "value": value})
        return None
    return number


def _month(value, where: str, errors: list[str], *, required: bool = True) -> datetime.date | None:
    if value in (None, ""):
        if required:
            errors.append(_("%(where)s: a month (YYYY-MM) is required.") % {"where": where})
        return None
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    try:
        return datetime.datetime.strptime(str(value).strip()[:7], "%Y-%m").date()
    except ValueError:
        errors.append(_("%(where)s: %(value)s is not a month (YYYY-MM).") % {"where": where, "value": value})
        return None


def _codes(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [c.strip() for c in value.replace("，", ",").replace("、", ",").split(",") if c.strip()]
    if not isinstance(value, list | tuple):
        # A number or a yes/no where a list belongs: one value, checked (and refused) by the caller.
        return [str(value)]
    return [str(c).strip() for c in value if str(c).strip()]


def flatten(items: list[dict], parent: str = "") -> list[dict]:
    """Nested items (``children``) → flat rows with a ``parent`` code, in tree order."""
    rows = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        row = {k: v for k, v in item.items() if k != "children"}
        row.setdefault("parent", parent)
        rows.append(row)
        rows.extend(flatten(item.get("children") or [], str(item.get("code", ""))))
    return rows


def parse_items(rows: list[dict], errors: list[str]) -> list[ItemSpec]:
    items = []
    for index, raw in enumerate(rows, start=1):
        code = str(raw.get("code") or "").strip()
        where = raw.get("_row") or (_("item %(code)s") % {"code": code} if code else _("item #%(n)s") % {"n": index})
        if not code:
            errors.append(_("%(where)s: the code is missing.") % {"where": where})
            continue
        name = str(raw.get("name") or "").strip()
        if not name:
            errors.append(_("%(where)s: the name is missing.") % {"where": where})
        item = ItemSpec(
            code=code,
            name=name,
            points=_decimal(raw.get("points"), f"{where} · points", errors) or Decimal("0"),
            parent=str(raw.get("parent") or "").strip(),
            frequency=str(raw.get("frequency") or "monthly").strip(),
            level=str(raw.get("level") or "").strip(),
            method=str(raw.get("method") or "").strip(),
            per_occurrence=_decimal(raw.get("per_occurrence"), f"{where} · per_occurrence", errors, required=False),
            categories=_codes(raw.get("categories")),
            grades=[
                g
                for g in (_decimal(g, f"{where} · grades", errors) for g in _codes(raw.get("grades")))
                if g is not None
            ],
            indicator=str(raw.get("indicator") or "").strip(),
            threshold=_decimal(raw.get("threshold"), f"{where} · threshold", errors, required=False),
            per_point=_decimal(raw.get("per_point"), f"{where} · per_point", errors, required=False),
            row=str(where),
        )
        items.append(item)
    return items


def check_items(items: list[ItemSpec], *, total_points: Decimal, known_categories: set[str]) -> list[str]:
    """Structural and per-method checks; returns the errors (empty when the tree is sound)."""
    errors: list[str] = []
    by_code: dict[str, ItemSpec] = {}
    for item in items:
        if item.code in by_code:
            errors.append(_("%(where)s: the code %(code)s is used twice.") % {"where": item.row, "code": item.code})
        by_code[item.code] = item
    children: dict[str, list[ItemSpec]] = {}
    for item in items:
        if item.parent and item.parent not in by_code:
            errors.append(
                _("%(where)s: the parent code %(parent)s does not exist.") % {"where": item.row, "parent": item.parent}
            )
        children.setdefault(item.parent, []).append(item)
    # A cycle: walking up from an item comes back to it.
    for item in items:
        seen, current = set(), item
        while current.parent and current.parent in by_code:
            if current.code in seen:
                errors.append(_("%(where)s: the parent codes form a cycle.") % {"where": item.row})
                break
            seen.add(current.code)
            current = by_code[current.parent]
    if errors:
        return errors
    for item in items:
        errors.extend(_check_item(item, bool(children.get(item.code)), known_categories))
        kids = children.get(item.code)
        if kids:
            total = sum((k.points for k in kids), Decimal("0"))
            if total != item.points:
                errors.append(
                    _("%(where)s: declares %(points)s points but its items add up to %(total)s.")
                    % {"where": item.row, "points": item.points, "total": total}
                )
    top = sum((i.points for i in children.get("", [])), Decimal("0"))
    if top != total_points:
        errors.append(
            _("The rule set declares %(points)s points but its items add up to %(total)s.")
            % {"points": total_points, "total": top}
        )
    return errors


def _check_item(item: ItemSpec, has_children: bool, known_categories: set[str]) -> list[str]:
    errors, where = [], item.row
    if item.points < 0:
        errors.append(_("%(where)s: points cannot be negative.") % {"where": where})
    if item.frequency not in Frequency.values:
        errors.append(_("%(where)s: unknown frequency %(value)s.") % {"where": where, "value": item.frequency})
    if item.level not in ItemLevel.values:
        errors.append(_("%(where)s: unknown level %(value)s.") % {"where": where, "value": item.level})
    if has_children:
        if item.method:
            errors.append(_("%(where)s: an item with sub-items has no method of its own.") % {"where": where})
        return errors
    if item.method not in Method.values:
        errors.append(_("%(where)s: unknown method %(value)s.") % {"where": where, "value": item.method or "—"})
        return errors
    if item.method in (Method.DEDUCT, Method.GRADE):
        if not item.categories:
            errors.append(
                _("%(where)s: a %(method)s item needs problem categories.") % {"where": where, "method": item.method}
            )
        unknown = [c for c in item.categories if c not in known_categories]
        if unknown:
            errors.append(
                _("%(where)s: unknown problem categories %(codes)s.") % {"where": where, "codes": ", ".join(unknown)}
            )
    if item.method == Method.DEDUCT and (item.per_occurrence is None or item.per_occurrence <= 0):
        errors.append(_("%(where)s: a deduct item needs points per occurrence above 0.") % {"where": where})
    if item.method == Method.GRADE:
        grades = item.grades or list(DEFAULT_GRADES)
        if len(grades) != 4 or any(g < 0 or g > 1 for g in grades) or grades != sorted(grades, reverse=True):
            errors.append(_("%(where)s: grades must be four fractions from 1 down to 0.") % {"where": where})
    if item.method == Method.RATE:
        if item.indicator not in Indicator.values:
            errors.append(
                _("%(where)s: unknown indicator %(value)s.") % {"where": where, "value": item.indicator or "—"}
            )
        if item.threshold is None or not (0 <= item.threshold <= 100):
            errors.append(_("%(where)s: a rate item needs a threshold from 0 to 100.") % {"where": where})
        if item.per_point is None or item.per_point < 0:
            errors.append(_("%(where)s: a rate item needs points per percentage point.") % {"where": where})
    return errors


def parse_ruleset(data: dict, *, known_categories: set[str]) -> RuleSetSpec:
    """A JSON-shaped dict → a checked ``RuleSetSpec``, or ``RuleSetInvalid`` listing every problem."""
    if not isinstance(data, dict):
        raise RuleSetInvalid([_("The rule set must be a JSON object.")])
    errors: list[str] = []
    name = str(data.get("name") or "").strip()
    if not name:
        errors.append(_("name: the rule set needs a name."))
    try:
        version = int(data.get("version") or 1)
    except (TypeError, ValueError):
        errors.append(_("version: %(value)s is not a whole number.") % {"value": data.get("version")})
        version = 1
    levels = data.get("levels") or ["community", "compound"]
    if not isinstance(levels, list) or any(level not in ("community", "compound") for level in levels):
        errors.append(_("levels: choose from community and compound."))
        levels = ["community", "compound"]
    flag_level = str(data.get("flag_level") or "compound")
    if flag_level not in ("community", "compound"):
        errors.append(_("flag_level: choose community or compound."))
    policy = data.get("policy") or []
    if not isinstance(policy, list) or any(
        not isinstance(rule, dict) or rule.get("when") not in ("red_flag", "rate_below") or not rule.get("kind")
        for rule in policy
    ):
        errors.append(_("policy: each rule needs a known 'when' (red_flag, rate_below) and a 'kind'."))
        policy = []
    spec = RuleSetSpec(
        name=name,
        version=version,
        effective_from=_month(data.get("effective_from"), "effective_from", errors) or datetime.date(1970, 1, 1),
        total_points=_decimal(data.get("total_points"), "total_points", errors) or Decimal("0"),
        overdue_deduction=_decimal(data.get("overdue_deduction", 0), "overdue_deduction", errors) or Decimal("0"),
        rework_deduction=_decimal(data.get("rework_deduction", 0), "rework_deduction", errors) or Decimal("0"),
        relapse_deduction=_decimal(data.get("relapse_deduction", 0), "relapse_deduction", errors) or Decimal("0"),
        fold_into_monthly_from=_month(
            data.get("fold_into_monthly_from"), "fold_into_monthly_from", errors, required=False
        ),
        levels=levels,
        flag_level=flag_level,
        red_flag_threshold=_decimal(data.get("red_flag_threshold", "0.9"), "red_flag_threshold", errors)
        or Decimal("0.9"),
        list_size=int(data.get("list_size") or 5) if str(data.get("list_size") or 5).isdigit() else 5,
        policy=policy,
    )
    if not (Decimal("0") <= spec.red_flag_threshold <= Decimal("1")):
        errors.append(_("red_flag_threshold: a fraction from 0 to 1 (e.g. 0.9)."))
    rows = data.get("items")
    if not isinstance(rows, list) or not rows:
        errors.append(_("items: the rule set has no items."))
        rows = []
    # Nested (children) and flat (parent codes) items both flatten to rows with a parent code.
    flat = flatten(rows)
    spec.items = parse_items(flat, errors)
    if not errors:
        errors.extend(check_items(spec.items, total_points=spec.total_points, known_categories=known_categories))
    if errors:
        raise RuleSetInvalid(errors)
    return spec


def spec_to_json(spec_items: list[ItemSpec], header: dict) -> dict:
    """The API's JSON shape, items nested as ``children`` (inverse of ``parse_ruleset``)."""
    nodes = {i.code: _item_json(i) for i in spec_items}
    roots = []
    for item in spec_items:
        (nodes[item.parent]["children"] if item.parent else roots).append(nodes[item.code])
    return {**header, "items": roots}


def _item_json(item: ItemSpec) -> dict:
    out: dict = {"code": item.code, "name": item.name, "points": str(item.points), "frequency": item.frequency}
    if item.level:
        out["level"] = item.level
    if item.method:
        out["method"] = item.method
    if item.per_occurrence is not None:
        out["per_occurrence"] = str(item.per_occurrence)
    if item.categories:
        out["categories"] = item.categories
    if item.grades:
        out["grades"] = [str(g) for g in item.grades]
    if item.indicator:
        out["indicator"] = item.indicator
    if item.threshold is not None:
        out["threshold"] = str(item.threshold)
    if item.per_point is not None:
        out["per_point"] = str(item.per_point)
    out["children"] = []
    return out
