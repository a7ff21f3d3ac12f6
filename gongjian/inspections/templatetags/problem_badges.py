"""``{% status_badges problem %}``: the status badge of a problem, then "overdue" (unless the page
shows the working-day deadline badge beside it: ``with_deadline=True``), "relapse" and "rework ×N".

Built in Python rather than by including a template: a list of 30 problems included one 30 times,
about a tenth of the page's CPU (bench/README.md "What a request costs")."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.simple_tag
def status_badges(problem, with_deadline: bool = False) -> str:
    parts = [format_html('<span class="badge status-{}">{}</span>', problem.status, problem.get_status_display())]
    if not with_deadline and problem.is_overdue:
        parts.append(format_html(' <span class="badge text-bg-danger">{}</span>', _("Overdue")))
    if problem.is_relapse:
        parts.append(format_html(' <span class="badge text-bg-warning">{}</span>', _("Relapse")))
    if problem.rework_count:
        n = problem.rework_count
        label = ngettext("rework ×%(n)s", "rework ×%(n)s", n) % {"n": n}
        parts.append(format_html(' <span class="badge text-bg-secondary">{}</span>', label))
    return mark_safe("".join(parts))
