"""Writes on jobs: ask for one (``job_request``), and the few updates a running job makes. The
runner (runner.py) and recovery (recovery.py) call these; views and domain services call
``job_request`` only."""

from __future__ import annotations

import datetime
import hashlib
import logging
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from gongjian.core.audit import audit_record
from gongjian.core.jobs import text
from gongjian.core.jobs.models import ACTIVE, Job, JobStatus, job_file_path

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024


def job_request(
    *,
    task,
    kind: str,
    user,
    unit=None,
    perm: str = "",
    title: str = "",
    params: dict | None = None,
    dedupe_key: str = "",
    max_attempts: int | None = None,
) -> tuple[Job, bool]:
    """Queue a job whose ``task`` (a django-tasks task taking ``job_id``) runs once the caller's
    transaction commits. With a ``dedupe_key``, a queued or running job of the same key is
    returned instead of a second one (created False): the database's partial unique constraint
    decides, so two requests at the same moment get the same job."""
    if dedupe_key:
        from gongjian.core.jobs.recovery import jobs_recover

        jobs_recover(Job.objects.filter(dedupe_key=dedupe_key))  # a dead job must not block a new one
    for _attempt in range(3):
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    kind=kind,
                    task_path=task.module_path,
                    title=title[:200],
                    requested_by=user if getattr(user, "is_authenticated", False) else None,
                    unit=unit,
                    perm=str(perm),
                    params=params or {},
                    dedupe_key=dedupe_key,
                    max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
                    stage=text.WAITING,
                )
                audit_record(actor=user, action="job.request", target=job, to_state=kind, note=title)
                transaction.on_commit(partial(job_enqueue, job.pk))
            return job, True
        except IntegrityError:
            if not dedupe_key:
                raise
            active = Job.objects.filter(dedupe_key=dedupe_key, status__in=ACTIVE).first()
            if active is not None:
                return active, False
    raise RuntimeError(f"Could not queue or find the job {dedupe_key!r}")


def job_task(job: Job):
    return import_string(job.task_path)


def job_enqueue(job_id: int, *, delay_seconds: int = 0) -> None:
    """Hand a queued job to the task backend (called on commit). A backend that refuses it (Redis
    down) fails the job with a message instead of leaving it queued for ever."""
    job = Job.objects.get(pk=job_id)
    try:
        task = job_task(job)
        if delay_seconds and task.get_backend().supports_defer:
            task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay_seconds))
        result = task.enqueue(job_id)
    except Exception:
        logger.exception("Job %s could not be queued", job_id)
        job_fail(job_id, attempt=None, message=text.QUEUE_FAILED_MESSAGE, from_status=JobStatus.QUEUED)
        return
    # The task may already have run (the immediate backend) and recorded a later id: keep that.
    Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(task_result_id=str(result.id))


def _mine(job_id: int, attempt: int):
    """The job, only while this attempt still runs it."""
    return Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt)


def job_progress(job_id: int, *, attempt: int, percent: int, stage: str) -> bool:
    now = timezone.now()
    return bool(
        _mine(job_id, attempt).update(
            percent=max(0, min(99, int(percent))), stage=text.english(stage)[:200], beat_at=now, updated_at=now
        )
    )


def measure(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def job_finish(
    job: Job,
    *,
    attempt: int,
    filename: str = "",
    content_type: str = "",
    content: bytes | None = None,
    path: Path | None = None,
    result: dict | None = None,
) -> bool:
    """Store the complete file first, then mark the job done in the one update that records the
    file, its size and SHA-256 — only while this attempt still owns the job. False (and the file
    deleted) when another attempt took the job over meanwhile."""
    storage = job.file.storage
    stored = ""
    fields = {}
    if content is not None or path is not None:
        if content is not None:
            size, digest = len(content), hashlib.sha256(content).hexdigest()
            stored = storage.save(job_file_path(job, filename), ContentFile(content, name=filename))
        else:
            size, digest = measure(path)
            with path.open("rb") as handle:
                stored = storage.save(job_file_path(job, filename), File(handle, name=filename))
        fields = {
            "file": stored,
            "filename": filename[:200],
            "content_type": content_type,
            "size": size,
            "sha256": digest,
        }
    now = timezone.now()
    done = _mine(job.pk, attempt).update(
        status=JobStatus.DONE,
        percent=100,
        stage=text.DONE,
        message="",
        result=result or {},
        beat_at=now,
        finished_at=now,
        updated_at=now,
        **fields,
    )
    if not done:
        if stored:
            storage.delete(stored)
        logger.warning(
            "Job %s attempt %s finished after another attempt took it over; its file was discarded", job.pk, attempt
        )
        return False
    return True


def job_fail(job_id: int, *, attempt: int | None, message: str, from_status: str = JobStatus.RUNNING) -> bool:
    now = timezone.now()
    rows = Job.objects.filter(pk=job_id, status=from_status)
    if attempt is not None:
        rows = rows.filter(attempts=attempt)
    return bool(rows.update(status=JobStatus.FAILED, message=message, finished_at=now, updated_at=now))


def job_requeue(job_id: int, *, attempt: int, message: str, delay_seconds: int = 0) -> bool:
    """Put a running attempt's job back in the queue and enqueue its task again."""
    now = timezone.now()
    with transaction.atomic():
        again = _mine(job_id, attempt).update(
            status=JobStatus.QUEUED,
            percent=0,
            stage=text.WAITING_AGAIN,
            message=message,
            worker_pid=None,
            worker_host="",
            updated_at=now,
        )
        if again:
            transaction.on_commit(partial(job_enqueue, job_id, delay_seconds=delay_seconds))
    return bool(again)
