"""``{% deadline_badge problem %}``: "超期 N 个工作日" / "剩 N 个工作日" for a problem being
rectified (nothing for a problem awaiting re-check, closed or void)."""

from django import template
from django.utils import timezone

from gongjian.dashboard.labels import deadline_standing
from gongjian.inspections.choices import ProblemStatus

register = template.Library()


@register.inclusion_tag("dashboard/_deadline_badge.html")
def deadline_badge(problem, now=None):
    if getattr(problem, "status", None) != ProblemStatus.OPEN or problem.deadline is None:
        return {"standing": None}
    now = timezone.localtime(now or timezone.now())
    return {"standing": deadline_standing(problem.deadline, now)}
