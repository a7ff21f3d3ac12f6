"""Jobs nobody is doing any more. django-tasks-db leaves a task whose worker died RUNNING for ever
(it records ``worker_ids`` but no sign of life, and ``prune_db_task_results`` only removes
finished rows), so this finds such jobs and retries them — up to ``max_attempts`` — or fails them
with a clear message (docs/decisions/0007-lost-jobs.md). A running job is lost when its worker is
known to be gone (liveness.py), when its task already finished without finishing the job, or when
it showed no sign of life for ``JOB_STALE_SECONDS``; a queued job is lost when its task finished
or vanished from the backend. The old task result is marked failed through the library's own
``set_failed`` so the queue tells the same story.

Called when a page or the API shows a job, before a job with a duplicate key is requested, and by
``manage.py recover_jobs`` (for a timer); never by a loop of ours."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gongjian.core.audit import audit_record
from gongjian.core.jobs import liveness, services, text
from gongjian.core.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

# A queued job's task is only checked once it has waited this long (a retry is being enqueued).
QUEUED_GRACE_SECONDS = 60


class WorkerLost(Exception):
    """Recorded as the failure of a task result whose worker died."""


def _task_state(job: Job) -> str:
    """The backend's status of the job's current task result: "" when unknown (the backend cannot
    tell, or no id yet), "missing" when the backend does not know it."""
    if not job.task_result_id:
        return ""
    try:
        backend = services.job_task(job).get_backend()
        if not backend.supports_get_result:
            return ""
        return str(backend.get_result(job.task_result_id).status)
    except Exception as error:  # TaskResultDoesNotExist, or an import error of a removed task
        if type(error).__name__ == "TaskResultDoesNotExist":
            return "missing"
        logger.warning("Job %s: cannot read its task result %s: %s", job.pk, job.task_result_id, error)
        return ""


def _lost_reason(job: Job, now: datetime.datetime) -> str:
    state = _task_state(job)
    if job.status == JobStatus.RUNNING:
        if reason := liveness.gone(job):
            return reason
        if state in ("SUCCESSFUL", "FAILED", "missing"):
            return f"its task is {state.lower()} but the job was not finished"
        stale = now - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)
        if job.beat_at and job.beat_at < stale:
            return f"no sign of life since {job.beat_at:%Y-%m-%d %H:%M:%S}"
        return ""
    if job.updated_at >= now - datetime.timedelta(seconds=QUEUED_GRACE_SECONDS):
        return ""
    if not job.task_result_id:  # never handed to the backend (the process stopped right after committing)
        return "it was never handed to the task queue"
    if state in ("SUCCESSFUL", "FAILED", "missing"):
        return f"its task is {state.lower()} but the job was never started"
    return ""


def _fail_task_result(job: Job, reason: str) -> None:
    """Mark the dead worker's task result failed, through django-tasks-db's own method."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult

        if not isinstance(services.job_task(job).get_backend(), DatabaseBackend):
            return
        for row in DBTaskResult.objects.filter(pk=job.task_result_id, status="RUNNING"):
            row.set_failed(WorkerLost(f"Job {job.pk}: {reason}"))
    except Exception:
        logger.exception("Job %s: could not mark its task result %s failed", job.pk, job.task_result_id)


def jobs_recover(queryset=None, *, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Retry or fail the lost jobs among ``queryset`` (all jobs by default). Returns (retried, failed)."""
    now = now or timezone.now()
    rows = (queryset if queryset is not None else Job.objects.all()).filter(
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    )
    retried = failed = 0
    for job in rows.only(
        "id",
        "kind",
        "task_path",
        "status",
        "attempts",
        "max_attempts",
        "beat_at",
        "updated_at",
        "task_result_id",
        "worker_host",
        "worker_pid",
        "title",
        "filename",
    ):
        reason = _lost_reason(job, now)
        if not reason:
            continue
        # Conditional on what we saw, so a sign of life or a claim arriving meanwhile wins.
        same = Job.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts, updated_at=job.updated_at)
        with transaction.atomic():
            if job.attempts < job.max_attempts:
                # A queued job sent again counts as an attempt, so one nothing ever starts ends too.
                bump = {"attempts": F("attempts") + 1} if job.status == JobStatus.QUEUED else {}
                changed = same.update(
                    **bump,
                    status=JobStatus.QUEUED,
                    percent=0,
                    stage=text.WAITING_AGAIN,
                    message=text.RETRY_MESSAGE,
                    worker_pid=None,
                    worker_host="",
                    updated_at=now,
                )
                to_state = JobStatus.QUEUED
                if changed:
                    transaction.on_commit(lambda job_id=job.pk: services.job_enqueue(job_id))
            else:
                message = text.STOPPED_MESSAGE if job.status == JobStatus.RUNNING else text.LOST_MESSAGE
                changed = same.update(status=JobStatus.FAILED, message=message, finished_at=now, updated_at=now)
                to_state = JobStatus.FAILED
            if not changed:
                continue
            note = f"attempt {job.attempts} of {job.max_attempts}: {reason}"
            logger.warning("Job %s (%s) lost: %s; now %s", job.pk, job.kind, note, to_state)
            audit_record(
                actor=None, action="job.recover", target=job, from_state=job.status, to_state=to_state, note=note
            )
        _fail_task_result(job, reason)
        if to_state == JobStatus.QUEUED:
            retried += 1
        else:
            failed += 1
    return retried, failed
