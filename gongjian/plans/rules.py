"""Pure rules of a plan: what it lacks."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PARTS = (("goals", _("goals")), ("requirements", _("requirements")), ("measures", _("measures")))


def missing_parts(*, goals: str, requirements: str, measures: str) -> list[str]:
    """The names of the parts (目标、要求、措施) a plan leaves empty, in that order."""
    values = {"goals": goals, "requirements": requirements, "measures": measures}
    return [str(label) for key, label in PARTS if not (values[key] or "").strip()]


def dates_problem(*, starts_on, target_date) -> str | None:
    """Why a plan's dates cannot stand (a target before the start), or None."""
    if starts_on and target_date and target_date < starts_on:
        return str(_("The target date cannot be before the start date."))
    return None


_TEMPLATE_MARKS = ("（样本）", "(样本)", "（模板）", "(模板)")


def copy_title(*, title: str, unit_name: str, template_year: int, year: int) -> str:
    """The title of a unit's copy of a city template: without the template's mark (（样本）),
    for the copy's year, and naming the unit (和平社区2027年…), at most 200 characters."""
    for mark in _TEMPLATE_MARKS:
        title = title.replace(mark, "")
    title = title.strip()
    if year != template_year:
        title = title.replace(f"{template_year}年", f"{year}年", 1)
    if unit_name and unit_name not in title:
        title = f"{unit_name}{title}"
    return title[:200]
