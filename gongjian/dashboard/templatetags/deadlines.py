"""``{% deadline_badge problem %}``: "超期 N 个工作日" / "剩 N 个工作日" for a problem being
rectified (nothing for a problem awaiting re-check, closed or void).

A simple tag building its one ``<span>`` in Python: as an inclusion tag it rendered a template per
row, a tenth of a problem list's CPU (bench/README.md "What a request costs")."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from gongjian.dashboard.labels import DUE_TODAY, deadline_standing
from gongjian.inspections.choices import ProblemStatus

register = template.Library()


@register.simple_tag
def deadline_badge(problem, now=None) -> str:
    if getattr(problem, "status", None) != ProblemStatus.OPEN or problem.deadline is None:
        return ""
    now = timezone.localtime(now or timezone.now())
    standing = deadline_standing(problem.deadline, now)
    if standing.is_overdue:
        tone = "text-bg-danger"
    elif standing.kind == DUE_TODAY:
        tone = "text-bg-warning"
    else:
        tone = "text-bg-light border"
    return format_html('<span class="badge deadline-badge {}">{}</span>', tone, standing.label)
