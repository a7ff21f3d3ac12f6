"""``{% status_badges problem %}``: the status badge of a problem, then "overdue" (unless the page
shows the working-day deadline badge beside it: ``with_deadline=True``), "relapse" and "rework ×N".
``{% problem_rows problems %}``: the rows of a problem list (templates/inspections/_problem_rows.html).

Built in Python rather than by templates: a list of 30 problems included the badges' template 30
times, about a tenth of the page's CPU (bench/README.md "What a request costs"), and the rows'
template, with its tags and filters resolved per row, was half of the list page's CPU ("Round 4").
"""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gongjian.inspections.choices import ProblemStatus

register = template.Library()

_STATUS_LABELS = dict(ProblemStatus.choices)  # lazy labels: translated when printed


@register.simple_tag
def status_badges(problem, with_deadline: bool = False) -> str:
    # As get_status_display() prints it, without rebuilding the choices' mapping for every row.
    label = _STATUS_LABELS.get(problem.status, problem.status)
    parts = [format_html('<span class="badge status-{}">{}</span>', problem.status, label)]
    if not with_deadline and problem.is_overdue:
        parts.append(format_html(' <span class="badge text-bg-danger">{}</span>', _("Overdue")))
    if problem.is_relapse:
        parts.append(format_html(' <span class="badge text-bg-warning">{}</span>', _("Relapse")))
    if problem.rework_count:
        n = problem.rework_count
        label = ngettext("rework ×%(n)s", "rework ×%(n)s", n) % {"n": n}
        parts.append(format_html(' <span class="badge text-bg-secondary">{}</span>', label))
    return mark_safe("".join(parts))


# A key no problem has, reversed once per list and replaced by each row's key.
_KEY_PLACEHOLDER = 918273645546372819


def _ymd_hm(value) -> str:
    """As the ``ymd_hm`` filter prints a moment: local time, to the minute; nothing for no moment."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"


@register.simple_tag
def problem_rows(problems) -> str:
    """Each problem as a link to its page: category, deadline and status badges, number, unit,
    address, when found and the deadline. "Nothing here." for no problem."""
    from gongjian.dashboard.templatetags.deadlines import deadline_badge

    found_label, deadline_label = _("Found"), _("Deadline")
    detail_url = reverse("problems:detail", args=[_KEY_PLACEHOLDER])
    placeholder = str(_KEY_PLACEHOLDER)
    now = timezone.now()
    rows = format_html_join(
        "\n",
        '  <a class="list-group-item list-group-item-action" href="{}">\n'
        '    <div class="d-flex justify-content-between flex-wrap gap-1">\n'
        "      <strong>{}</strong>\n"
        "      <span>{} {}</span>\n"
        "    </div>\n"
        '    <div class="small text-muted">{} · {} · {}</div>\n'
        '    <div class="small">{} {} · {} {}</div>\n'
        "  </a>",
        (
            (
                detail_url.replace(placeholder, str(problem.pk)),
                problem.category.name,
                deadline_badge(problem, now),
                status_badges(problem, with_deadline=True),
                problem.number,
                problem.unit.name,
                problem.address,
                found_label,
                _ymd_hm(problem.found_at),
                deadline_label,
                _ymd_hm(problem.deadline),
            )
            for problem in problems
        ),
    )
    if not rows:
        rows = format_html('  <p class="text-muted">{}</p>', _("Nothing here."))
    return format_html('<div class="list-group">\n{}\n</div>', rows)
