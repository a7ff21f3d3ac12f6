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
    # One collection per plan per transaction, whatever number of saves it made.
    connection = transaction.get_connection()
    pending = getattr(connection, "_plans_to_collect", None)
    if pending is None or not connection.in_atomic_block:
        pending = connection._plans_to_collect = set()
    if plan_id in pending:
        return
    pending.add(plan_id)

    def run():
        pending.discard(plan_id)
        _collect_plan(plan_id)

    transaction.on_commit(run, robust=True)


@receiver(post_save, sender=Plan, dispatch_uid="plans.plan_saved")
def _plan_saved(sender, instance: Plan, raw=False, **kwargs):
    if not raw and not instance.is_template:
        _schedule(instance.pk)


@receiver(post_save, sender=PlanTask, dispatch_uid="plans.task_saved")
def _task_saved(sender, instance: PlanTask, raw=False, **kwargs):
    if not raw:
        _schedule(instance.plan_id)
