"""A plan files (or brings up to date) its archive record after a change to it or its tasks
commits. A failed collection is logged and never undoes the change (as in gongjian/archives/signals.py)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from gongjian.plans.models import Plan, PlanTask


def _collect_plan(plan_id: int) -> None:
    from gongjian.plans.evidence import collect_from_plan

    plan = Plan.objects.select_related("unit").filter(pk=plan_id, is_template=False).first()
    if plan is not None:
        with transaction.atomic():
            collect_from_plan(plan)


def _schedule(plan_id: int) -> None:
    # Collection is idempotent: a second call in the same transaction finds nothing changed.
    transaction.on_commit(lambda: _collect_plan(plan_id), robust=True)


@receiver(post_save, sender=Plan, dispatch_uid="plans.plan_saved")
def _plan_saved(sender, instance: Plan, raw=False, **kwargs):
    if not raw and not instance.is_template:
        _schedule(instance.pk)


@receiver(post_save, sender=PlanTask, dispatch_uid="plans.task_saved")
def _task_saved(sender, instance: PlanTask, raw=False, **kwargs):
    if not raw:
        _schedule(instance.plan_id)
