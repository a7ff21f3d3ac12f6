"""Pure rules of a plan: what it lacks."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PARTS = (("goals", _("goals")), ("requirements", _("requirements")), ("measures", _("measures")))


def missing_parts(*, goals: str, requirements: str, measures: str) -> list[str]:
    """The names of the parts (目标、要求、措施) a plan leaves empty, in that order."""
    values = {"goals": goals, "requirements": requirements, "measures": measures}
    return [str(label) for key, label in PARTS if not (values[key] or "").strip()]
