"""Evidence that collects itself: when a problem is closed, an activity is held or their photos
change, the archive files (or brings up to date) the matching record after the change commits.

The inspections and participation apps know nothing of the archives (the archives build on
them), so the archive listens instead of being called. The collection itself is a service
(``services.collect_from_problem`` / ``collect_from_activity``); this module only decides when.
A failed collection is logged and never undoes the change that triggered it;
``manage.py collect_evidence`` (``services.collect_pending``) catches up."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Problem, ProblemPhoto
from gongjian.participation.choices import HAPPENED_STATUSES
from gongjian.participation.models import Activity, ActivityPhoto

log = logging.getLogger(__name__)


def _collect_problem(problem_id: int) -> None:
    from gongjian.archives.services import collect_from_problem

    problem = Problem.objects.select_related("category").filter(pk=problem_id).first()
    if problem is not None:
        with transaction.atomic():
            collect_from_problem(problem)


def _collect_activity(activity_id: int) -> None:
    from gongjian.archives.services import collect_from_activity

    activity = Activity.objects.select_related("community").filter(pk=activity_id).first()
    if activity is not None:
        with transaction.atomic():
            collect_from_activity(activity)


@receiver(post_save, sender=Problem, dispatch_uid="archives.problem_closed")
def _problem_saved(sender, instance: Problem, raw=False, **kwargs):
    if not raw and instance.status == ProblemStatus.CLOSED:
        transaction.on_commit(lambda: _collect_problem(instance.pk), robust=True)


@receiver(post_save, sender=ProblemPhoto, dispatch_uid="archives.problem_photo")
def _problem_photo_saved(sender, instance: ProblemPhoto, raw=False, **kwargs):
    if not raw and instance.problem.status == ProblemStatus.CLOSED:
        transaction.on_commit(lambda: _collect_problem(instance.problem_id), robust=True)


@receiver(post_save, sender=Activity, dispatch_uid="archives.activity_held")
def _activity_saved(sender, instance: Activity, raw=False, **kwargs):
    if not raw and instance.status in HAPPENED_STATUSES:
        transaction.on_commit(lambda: _collect_activity(instance.pk), robust=True)


@receiver(post_save, sender=ActivityPhoto, dispatch_uid="archives.activity_photo")
def _activity_photo_saved(sender, instance: ActivityPhoto, raw=False, **kwargs):
    if not raw and instance.activity.status in HAPPENED_STATUSES:
        transaction.on_commit(lambda: _collect_activity(instance.activity_id), robust=True)
