"""Reads of work plans, scoped through the access module."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.organizations.tree import ancestor_ids_sql
from gongjian.plans.models import Plan, PlanTask


def _template_scope(actor: Actor) -> Q:
    """Templates issued by a unit above (or at) one of the actor's units."""
    roots = actor.root_unit_ids(Perm.PLAN_VIEW)
    if actor.is_superuser:
        return Q(is_template=True)
    if not roots:
        return Q(pk__in=[])
    return Q(is_template=True, unit_id__in=ancestor_ids_sql(roots))


def plan_list(*, actor: Actor, year: int | None = None, unit_id: int | None = None) -> QuerySet[Plan]:
    """The unit plans in the actor's scope (templates not included)."""
    plans = restrict(Plan.objects.filter(is_template=False), actor, Perm.PLAN_VIEW).select_related("unit", "parent")
    if year:
        plans = plans.filter(year=year)
    if unit_id:
        plans = plans.filter(unit_id=unit_id)
    return plans


def template_list(*, actor: Actor) -> QuerySet[Plan]:
    if not actor.has_perm(Perm.PLAN_VIEW):
        return Plan.objects.none()
    return Plan.objects.filter(_template_scope(actor)).select_related("unit")


def plan_get(*, actor: Actor, plan_id) -> Plan:
    """A plan of the actor's units, or a template issued above them; else 404."""
    try:
        return (
            Plan.objects.filter(
                Q(pk__in=restrict(Plan.objects.all(), actor, Perm.PLAN_VIEW).values("pk")) | _template_scope(actor)
            )
            .select_related("unit", "parent", "template")
            .get(pk=int(plan_id))
        )
    except (Plan.DoesNotExist, ValueError, TypeError, OverflowError):
        from django.http import Http404

        raise Http404 from None


def plan_tasks(*, plan: Plan) -> QuerySet[PlanTask]:
    return plan.tasks.select_related("owner", "rule_item").prefetch_related("predecessors")


def task_get(*, actor: Actor, task_id) -> PlanTask:
    return get_scoped_or_404(
        PlanTask.objects.select_related("plan", "plan__unit"),
        actor,
        Perm.PLAN_VIEW,
        unit_field="plan__unit",
        pk=task_id,
    )


def tasks_overdue_for(*, actor: Actor, user, today=None) -> QuerySet[PlanTask]:
    """The unfinished tasks a user owns whose latest finish has passed, in the user's scope."""
    today = today or timezone.localdate()
    return (
        restrict(PlanTask.objects.all(), actor, Perm.PLAN_VIEW, unit_field="plan__unit")
        .filter(owner=user, plan__is_template=False, progress__lt=100, latest_finish__lt=today)
        .select_related("plan", "plan__unit")
        .order_by("latest_finish", "id")
    )


def tasks_of(*, actor: Actor, user) -> QuerySet[PlanTask]:
    """Every task a user owns in the plans they can see, earliest latest start first."""
    return (
        restrict(PlanTask.objects.all(), actor, Perm.PLAN_VIEW, unit_field="plan__unit")
        .filter(owner=user, plan__is_template=False)
        .select_related("plan", "plan__unit")
        .order_by("progress", "latest_start", "id")
    )


def plans_of_three_year(*, actor: Actor, plan: Plan) -> QuerySet[Plan]:
    return restrict(plan.year_plans.all(), actor, Perm.PLAN_VIEW).order_by("year")
