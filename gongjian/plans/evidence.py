"""A unit's work plan files itself in the archive as a document record (its goals,
requirements, measures and tasks with their dates), counted for the rule items its tasks name."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.archives.choices import EvidenceKind
from gongjian.archives.services.collection import _collect, _in_site_language
from gongjian.plans.models import Plan


def _plan_text(plan: Plan) -> str:
    lines = [
        f"{_('Goals (目标)')}：{plan.goals or '—'}",
        f"{_('Requirements (要求)')}：{plan.requirements or '—'}",
        f"{_('Measures (措施)')}：{plan.measures or '—'}",
    ]
    if plan.target_date:
        lines.append(f"{_('Target date')}：{plan.target_date:%Y-%m-%d}")
    tasks = list(plan.tasks.select_related("owner").order_by("position", "id"))
    if tasks:
        lines += ["", _("Tasks:")]
        for n, task in enumerate(tasks, 1):
            dates = (
                f"{task.latest_start:%Y-%m-%d}–{task.latest_finish:%Y-%m-%d}"
                if task.latest_start and task.latest_finish
                else "—"
            )
            lines.append(f"{n}. {task.name}（{dates}，{task.progress}%）")
    return "\n".join(lines)


@_in_site_language
def collect_from_plan(plan: Plan, *, actor=None, cache: dict | None = None):
    if plan.is_template:
        return None
    return _collect(
        source="plan",
        source_id=plan.pk,
        unit=plan.unit,
        kind=EvidenceKind.DOCUMENT,
        title=_("Work plan: %(title)s") % {"title": plan.title},
        date=timezone.localtime(plan.created_at).date(),
        text=_plan_text(plan),
        files=[],
        actor=actor,
        cache=cache,
        rule_item_ids=set(plan.tasks.filter(rule_item__isnull=False).values_list("rule_item_id", flat=True)),
    )
