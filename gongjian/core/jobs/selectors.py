"""Reads of jobs, scoped: a job is visible to whoever asked for it and, when it names a permission
(``perm``), to everyone holding that permission at its unit. Anyone else gets a 404."""

from __future__ import annotations

from django.http import Http404

from gongjian.accounts.access import Perm, actor_for, can_on_unit
from gongjian.core.jobs.models import Job
from gongjian.core.jobs.recovery import jobs_recover


def job_visible(job: Job, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if job.requested_by_id == user.pk:
        return True
    if job.perm and job.unit_id and job.perm in {p.value for p in Perm}:
        return can_on_unit(actor_for(user), Perm(job.perm), job.unit_id)
    return False


def job_get_for(user, pk: int, *, kind: str | None = None) -> Job:
    """The job as it stands now (a lost job retried or failed first), or 404 outside the user's reach."""
    rows = Job.objects.select_related("unit")
    if kind:
        rows = rows.filter(kind=kind)
    job = rows.filter(pk=pk).first()
    if job is None or not job_visible(job, user):
        raise Http404
    if not job.finished:
        jobs_recover(Job.objects.filter(pk=job.pk))
        job.refresh_from_db()
    return job


def jobs_of(user, *, kind: str | None = None):
    """The jobs a user asked for, newest first."""
    rows = Job.objects.filter(requested_by=user).select_related("unit")
    return rows.filter(kind=kind) if kind else rows
