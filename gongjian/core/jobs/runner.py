"""``run_job``: what every job task calls. It claims the job, hands the body a ``progress``
callback, stores what the body returns and marks the job done in one update; on an error it
retries up to the job's ``max_attempts`` (enqueuing the same task again), then fails the job with
a message. No loop, no thread: the task backend's worker runs it.

A body is ``body(job, progress) -> output`` where ``output`` is None, a dict (kept as the job's
``result``), an ``ExportResult`` (filename, content type, bytes) or an ``OutputFile`` (a path to a
finished file, and optionally a result dict kept beside it). Raise ``JobRefused`` for a clear
refusal that retrying will not change."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation

from gongjian.core import fonts
from gongjian.core.fonts import FontsMissing
from gongjian.core.jobs import liveness, services, text
from gongjian.core.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

text.register(fonts.MISSING_MESSAGE)

# At most this often a progress report writes to the database (the last one always does).
PROGRESS_EVERY_SECONDS = 1.0

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class OutputFile:
    path: Path
    filename: str
    content_type: str
    result: dict | None = None  # kept as the job's result beside the file


class JobRefused(Exception):
    """The work cannot be done as asked (an English msgid with its numbers filled in); not retried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _claim(job_id: int, task_result_id: str) -> Job | None:
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        attempts=F("attempts") + 1,
        task_result_id=task_result_id[:64],
        worker_host=liveness.HOST,
        worker_pid=os.getpid(),
        started_at=now,
        beat_at=now,
        finished_at=None,
        percent=0,
        stage=text.STARTING,
        updated_at=now,
    )
    return Job.objects.select_related("unit", "requested_by").get(pk=job_id) if claimed else None


def run_job(context, job_id: int, body: Callable[[Job, Progress], object]) -> dict:
    """Run one attempt of a job. ``context`` is the django-tasks ``TaskContext`` (the task is
    declared with ``takes_context=True``). Returns a small summary, the task's return value."""
    task_result_id = str(context.task_result.id)
    if not liveness.hold(job_id):
        logger.warning("Job %s is held by another live worker; task %s leaves it", job_id, task_result_id)
        return {"job": job_id, "status": "held elsewhere"}
    try:
        job = _claim(job_id, task_result_id)
        if job is None:
            logger.info("Job %s is not queued any more; task %s has nothing to do", job_id, task_result_id)
            return {"job": job_id, "status": "not queued"}
        return _run_claimed(job, body)
    finally:
        liveness.release(job_id)


def _run_claimed(job: Job, body) -> dict:
    attempt = job.attempts
    last_write = 0.0

    def progress(percent: int, stage: str) -> None:
        nonlocal last_write
        now = time.monotonic()
        if now - last_write < PROGRESS_EVERY_SECONDS and percent < 99:
            return
        last_write = now
        services.job_progress(job.pk, attempt=attempt, percent=percent, stage=stage)

    try:
        with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryDirectory(prefix=f"job-{job.pk}-") as tmp:
            job.workdir = Path(tmp)  # a body writes its file here and returns an OutputFile
            output = body(job, progress)
            progress(99, text.STORING)
            _store(job, attempt, output)
    except JobRefused as refusal:
        services.job_fail(job.pk, attempt=attempt, message=refusal.message)
    except FontsMissing as missing:  # no retry can help until the operator installs the fonts
        logger.error("Job %s (%s): %s", job.pk, job.kind, missing)
        services.job_fail(job.pk, attempt=attempt, message=text.fill(fonts.MISSING_MESSAGE, **missing.params))
    except Exception:
        logger.exception("Job %s (%s) attempt %s failed", job.pk, job.kind, attempt)
        _retry_or_fail(job, attempt, text.RETRY_MESSAGE, text.FAILED_MESSAGE)
    except BaseException:
        # The worker is being stopped (a second Ctrl-C): hand the job back or fail it, then stop.
        _retry_or_fail(job, attempt, text.RETRY_MESSAGE, text.STOPPED_MESSAGE, delay=False)
        raise
    job.refresh_from_db(fields=["status", "attempts"])
    return {"job": job.pk, "status": job.status, "attempt": attempt}


def _retry_or_fail(job: Job, attempt: int, retry_message: str, fail_message: str, *, delay: bool = True) -> None:
    if attempt < job.max_attempts:
        seconds = settings.JOB_RETRY_DELAY_SECONDS * attempt if delay else 0
        services.job_requeue(job.pk, attempt=attempt, message=retry_message, delay_seconds=seconds)
    else:
        services.job_fail(job.pk, attempt=attempt, message=fail_message)


def _store(job: Job, attempt: int, output) -> None:
    if output is None or isinstance(output, dict):
        services.job_finish(job, attempt=attempt, result=output)
    elif isinstance(output, OutputFile):
        services.job_finish(
            job,
            attempt=attempt,
            filename=output.filename,
            content_type=output.content_type,
            path=output.path,
            result=output.result,
        )
    elif hasattr(output, "content") and hasattr(output, "filename"):  # an ExportResult
        services.job_finish(
            job,
            attempt=attempt,
            filename=output.filename,
            content_type=output.content_type,
            content=output.content,
        )
    else:
        raise TypeError(f"A job body returned {type(output).__name__}")
