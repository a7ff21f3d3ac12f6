"""Writes to work plans, each audited: create and change plans, copy the city's templates, add
tasks and record their progress, set the target and reschedule (倒排)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.organizations.choices import UnitLevel
from gongjian.plans import rules
from gongjian.plans import schedule as sched
from gongjian.plans.choices import PlanKind
from gongjian.plans.models import Plan, PlanTask

PLAN_FIELDS = ("title", "goals", "requirements", "measures", "starts_on", "target_date")


def _require(user, perm: Perm, unit_id: int) -> None:
    if perm not in perms_at_unit(actor_for(user), unit_id):
        raise NotPermitted(_("You cannot change the plans of this unit."))


def plan_create(
    *,
    actor,
    unit,
    year: int,
    title: str,
    kind: str = PlanKind.YEAR,
    goals: str = "",
    requirements: str = "",
    measures: str = "",
    starts_on: datetime.date | None = None,
    target_date: datetime.date | None = None,
    is_template: bool = False,
) -> Plan:
    _require(actor, Perm.PLAN_MANAGE, unit.id)
    _check_dates(starts_on=starts_on, target_date=target_date)
    if is_template and unit.level != UnitLevel.CITY:
        raise ValidationError(_("Only the city issues plan templates."))
    if not is_template and Plan.objects.filter(unit=unit, kind=kind, year=year, is_template=False).exists():
        raise ValidationError(_("This unit already has a plan of this kind for %(year)s.") % {"year": year})
    with transaction.atomic():
        plan = Plan.objects.create(
            unit=unit,
            kind=kind,
            year=year,
            title=title,
            goals=goals,
            requirements=requirements,
            measures=measures,
            starts_on=starts_on,
            target_date=target_date,
            is_template=is_template,
            parent=_three_year_parent(unit, kind, year) if not is_template else None,
            created_by=actor,
        )
        audit_record(actor=actor, action="plan.create", target=plan, to_state=kind)
        if kind == PlanKind.THREE_YEAR and not is_template:
            _adopt_year_plans(actor=actor, plan=plan)
    return plan


def _adopt_year_plans(*, actor, plan: Plan) -> None:
    """Year plans the unit wrote before its three-year plan roll up into it too (those of the
    three years it covers that roll up into no other)."""
    orphans = Plan.objects.filter(
        unit=plan.unit,
        kind=PlanKind.YEAR,
        is_template=False,
        parent__isnull=True,
        year__gte=plan.year,
        year__lte=plan.year + 2,
    )
    for year_plan in orphans:
        year_plan.parent = plan
        year_plan.save(update_fields=["parent", "updated_at"])
        audit_record(actor=actor, action="plan.roll_up", target=year_plan, to_state=str(plan.pk))


def _check_dates(*, starts_on, target_date) -> None:
    problem = rules.dates_problem(starts_on=starts_on, target_date=target_date)
    if problem:
        raise ValidationError(problem)


def _three_year_parent(unit, kind: str, year: int) -> Plan | None:
    """The unit's three-year plan that covers ``year`` (a year plan rolls up into it)."""
    if kind != PlanKind.YEAR:
        return None
    return (
        Plan.objects.filter(unit=unit, kind=PlanKind.THREE_YEAR, is_template=False, year__lte=year, year__gte=year - 2)
        .order_by("-year")
        .first()
    )


def plan_update(*, actor, plan: Plan, **fields) -> Plan:
    _require(actor, Perm.PLAN_MANAGE, plan.unit_id)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"plan_update() got unexpected fields {sorted(unknown)}")
    _check_dates(
        starts_on=fields.get("starts_on", plan.starts_on), target_date=fields.get("target_date", plan.target_date)
    )
    changes = {k: [str(getattr(plan, k) or ""), str(v or "")] for k, v in fields.items() if getattr(plan, k) != v}
    if not changes:
        return plan
    with transaction.atomic():
        for key, value in fields.items():
            setattr(plan, key, value)
        plan.save()
        audit_record(actor=actor, action="plan.update", target=plan, changes=changes)
        plan_reschedule(plan=plan)
    return plan


def plan_set_target(*, actor, plan: Plan, target_date: datetime.date, reason: str = "") -> Plan:
    """Move the plan's target date; every task's latest dates follow. ``actor`` None for the
    system (an inspection notice sets the target of its recipients' plans)."""
    if actor is not None:
        _require(actor, Perm.PLAN_MANAGE, plan.unit_id)
    with transaction.atomic():
        before = plan.target_date
        plan.target_date = target_date
        plan.target_reason = reason[:200]
        plan.save(update_fields=["target_date", "target_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="plan.target",
            target=plan,
            from_state=f"{before or ''}",
            to_state=f"{target_date}",
            note=reason,
        )
        plan_reschedule(plan=plan)
    return plan


def plan_copy_template(*, actor, template: Plan, unit, year: int | None = None) -> Plan:
    """A unit's own plan from the city's template: parts and tasks copied, to adapt."""
    if not template.is_template:
        raise ValidationError(_("Only a template can be copied."))
    year = year or template.year
    with transaction.atomic():
        plan = plan_create(
            actor=actor,
            unit=unit,
            year=year,
            kind=template.kind,
            title=rules.copy_title(title=template.title, unit_name=unit.name, template_year=template.year, year=year),
            goals=template.goals,
            requirements=template.requirements,
            measures=template.measures,
            starts_on=template.starts_on,
            target_date=template.target_date,
        )
        plan.template = template
        plan.save(update_fields=["template"])
        copies: dict[int, PlanTask] = {}
        originals = list(template.tasks.prefetch_related("predecessors"))
        for task in originals:
            copies[task.pk] = PlanTask.objects.create(
                plan=plan,
                name=task.name,
                duration=task.duration,
                rule_item=task.rule_item,
                position=task.position,
            )
        for task in originals:
            copies[task.pk].predecessors.set([copies[p.pk] for p in task.predecessors.all()])
        audit_record(actor=actor, action="plan.copy", target=plan, note=f"template {template.pk}")
        plan_reschedule(plan=plan)
    return plan


def _specs(tasks) -> list[sched.TaskSpec]:
    return [
        sched.TaskSpec(
            key=str(t.pk), name=t.name, duration=t.duration, predecessors=tuple(str(p.pk) for p in t.predecessors.all())
        )
        for t in tasks
    ]


def plan_schedule(plan: Plan, *, today: datetime.date | None = None) -> sched.Schedule | None:
    """The plan's schedule as it stands (None without a target date). The plan may not start
    before its start date nor, for tasks not begun, before today."""
    if plan.target_date is None:
        return None
    tasks = list(plan.tasks.prefetch_related("predecessors"))
    today = today or timezone.localdate()
    bounds = [d for d in (plan.starts_on, None if plan.is_template else today) if d]
    not_before = max(bounds) if bounds else None
    return sched.reverse_schedule(
        _specs(tasks),
        target=plan.target_date,
        not_before=not_before,
        started=[str(t.pk) for t in tasks if t.progress > 0],
    )


def plan_reschedule(*, plan: Plan) -> sched.Schedule | None:
    """Store each task's latest start and finish, slack and critical flag (cleared without a target)."""
    tasks = list(plan.tasks.all())
    result = plan_schedule(plan)
    for task in tasks:
        slot = result.slots.get(str(task.pk)) if result else None
        task.latest_start = slot.latest_start if slot else None
        task.latest_finish = slot.latest_finish if slot else None
        task.slack = slot.slack if slot else None
        task.critical = slot.critical if slot else False
    PlanTask.objects.bulk_update(tasks, ["latest_start", "latest_finish", "slack", "critical"])
    return result


def task_add(
    *,
    actor,
    plan: Plan,
    name: str,
    duration: int,
    owner=None,
    predecessors=(),
    rule_item=None,
) -> PlanTask:
    _require(actor, Perm.PLAN_MANAGE, plan.unit_id)
    predecessors = list(predecessors)
    if any(p.plan_id != plan.pk for p in predecessors):
        raise ValidationError(_("A predecessor must be a task of the same plan."))
    if rule_item is not None and not plan.is_template and not _rule_item_usable(rule_item, plan):
        raise ValidationError(_("This rule item belongs to another city's rule set."))
    with transaction.atomic():
        position = (plan.tasks.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        task = PlanTask.objects.create(
            plan=plan, name=name, duration=duration, owner=owner, rule_item=rule_item, position=position
        )
        task.predecessors.set(predecessors)
        audit_record(actor=actor, action="plan.task.add", target=task, note=f"plan {plan.pk}")
        plan_reschedule(plan=plan)
    return task


def _rule_item_usable(rule_item, plan: Plan) -> bool:
    from gongjian.organizations.tree import ancestry

    return rule_item.ruleset.city_id == ancestry(plan.unit_id).get(UnitLevel.CITY)


def task_set_predecessors(*, actor, task: PlanTask, predecessors) -> PlanTask:
    """Change what a task waits for; a circle is refused with the tasks named and nothing changes."""
    _require(actor, Perm.PLAN_MANAGE, task.plan.unit_id)
    predecessors = list(predecessors)
    if any(p.plan_id != task.plan_id for p in predecessors):
        raise ValidationError(_("A predecessor must be a task of the same plan."))
    with transaction.atomic():
        task.predecessors.set(predecessors)
        try:
            sched.check_order(_specs(task.plan.tasks.prefetch_related("predecessors")))
        except sched.ScheduleError as error:
            transaction.set_rollback(True)
            raise ValidationError(str(error)) from None
        audit_record(
            actor=actor,
            action="plan.task.predecessors",
            target=task,
            to_state=",".join(str(p.pk) for p in predecessors),
        )
        plan_reschedule(plan=task.plan)
    return task


def can_record_progress(user, task: PlanTask) -> bool:
    """Whoever keeps the unit's plans (``PLAN_MANAGE``), and the task's owner while they can see
    the plan (``PLAN_VIEW`` at its unit)."""
    perms = perms_at_unit(actor_for(user), task.plan.unit_id)
    if Perm.PLAN_MANAGE in perms:
        return True
    return task.owner_id is not None and task.owner_id == getattr(user, "pk", None) and Perm.PLAN_VIEW in perms


def task_progress(*, actor, task: PlanTask, progress: int) -> PlanTask:
    """Record a task's progress (0–100) and reschedule the plan: a task begun is no longer held
    to start today or later. The same progress again changes nothing (no audit, no reschedule)."""
    if not can_record_progress(actor, task):
        raise NotPermitted(_("You cannot change the plans of this unit."))
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is a whole number from 0 to 100.")})
    with transaction.atomic():
        task = PlanTask.objects.select_for_update().select_related("plan").get(pk=task.pk)
        before = task.progress
        if before == progress:
            return task
        task.progress = progress
        task.save(update_fields=["progress"])
        audit_record(
            actor=actor, action="plan.task.progress", target=task, from_state=str(before), to_state=str(progress)
        )
        plan_reschedule(plan=task.plan)
    task.refresh_from_db()
    return task
