"""Binders made in the background: the life of a ``BinderJob``, with no broker and no extra package.

    queued ──claim──▶ running ──build, store the file, then──▶ done
                         │ └──exception──▶ failed (a message; the traceback in the log)
                         └──no heartbeat for BINDER_STALE_SECONDS──▶ queued again (attempts left)
                                                                  └─▶ failed (no attempts left)

Who builds (``settings.BINDER_RUNNER``): ``thread`` — a daemon thread in the web process, started
when the request commits; ``worker`` — ``manage.py binder_worker`` polls for queued jobs;
``inline`` — at once, in the caller (tests).

A job is only ever marked done in the same update that records its stored file, size and SHA-256,
after the file is completely written; a worker killed in the middle leaves a running job whose
heartbeat stops, and ``reap_stale`` (called by the worker's loop and by ``refresh`` whenever a page
or the API shows a job) retries it or fails it with a message — never done with a broken file.
Every update of a running job is conditional on its status and attempt number, so a worker
presumed dead that wakes up again cannot overwrite the job another worker has taken over."""

from __future__ import annotations

import datetime
import hashlib
import logging
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.archives import binder, periods
from gongjian.archives.choices import BinderFormat, JobStatus
from gongjian.archives.models import BinderJob, binder_path
from gongjian.archives.periods import Period
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.organizations.models import Unit

logger = logging.getLogger(__name__)

STOPPED_MESSAGE = gettext_lazy(
    "The binder stopped before it was finished (the worker was interrupted); request it again."
)
RETRY_MESSAGE = gettext_lazy("The binder stopped before it was finished; it is being made again.")
FAILED_MESSAGE = gettext_lazy("The binder could not be made. The error has been logged; request it again later.")
# At most this often a progress report also writes to the database.
PROGRESS_EVERY_SECONDS = 1.0

BUILDERS = {BinderFormat.PDF: binder.build_pdf, BinderFormat.ZIP: binder.build_zip}


def job_period(job: BinderJob) -> Period:
    return periods.from_fields(job.period_kind, job.period_start)


def binder_filename(unit: Unit, period: Period, fmt: str) -> str:
    """``台帐-<unit>-<period>.pdf`` (the first word in the site's language)."""
    stem = binder.safe_component(f"{_('Binder')}-{unit.name}-{period.code}", default="binder")
    return f"{stem}.{fmt}"


# --- requests -------------------------------------------------------------------------------------


def request_binder(*, user, unit: Unit, period: Period, format: str) -> BinderJob:
    """Queue a binder of ``unit`` for ``period``; built once the request's transaction commits.
    The adapters look the unit up in the user's scope first (404 outside it); this checks the
    permission. A job of the same binder already queued or running is returned instead of a
    second one (a double click makes one binder)."""
    if Perm.ARCHIVE_VIEW not in perms_at_unit(actor_for(user), unit.id):
        raise NotPermitted(_("You cannot make binders of this unit's archive."))
    if format not in BinderFormat.values:
        raise ValidationError({"format": _("Choose PDF or ZIP.")})
    reap_stale()
    with transaction.atomic():
        active = (
            BinderJob.objects.filter(
                unit=unit,
                period_kind=period.kind,
                period_start=period.start,
                format=format,
                status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if active is not None:
            return active
        job = BinderJob.objects.create(
            unit=unit,
            period_kind=period.kind,
            period_start=period.start,
            format=format,
            status=JobStatus.QUEUED,
            stage=_("Waiting to start"),
            requested_by=user,
        )
        audit_record(actor=user, action="archive.binder.request", target=job, to_state=format, note=period.code)
        transaction.on_commit(lambda: dispatch(job.id))
    return job


def dispatch(job_id: int) -> None:
    """Hand a queued job to the configured runner."""
    runner = settings.BINDER_RUNNER
    if runner == "inline":
        run_job(job_id)
    elif runner == "thread":
        threading.Thread(target=_thread_main, args=(job_id,), name=f"binder-{job_id}", daemon=True).start()
    elif runner != "worker":
        logger.error("Unknown BINDER_RUNNER %r: job %s waits for a binder_worker.", runner, job_id)


def _thread_main(job_id: int) -> None:
    try:
        run_job(job_id)
    except Exception:  # run_job records its own failures; this is for the database being gone
        logger.exception("Binder thread for job %s stopped", job_id)
    finally:
        connections.close_all()


# --- running --------------------------------------------------------------------------------------


def claim(job_id: int) -> bool:
    """Move a queued job to running, atomically: of two workers claiming it, one wins."""
    now = timezone.now()
    return bool(
        BinderJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
            finished_at=None,
            progress=0,
            stage=_("Starting"),
            updated_at=now,
        )
    )


def _mine(job_id: int, attempt: int):
    """The job, only while this attempt still owns it."""
    return BinderJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt)


class _Heartbeat:
    """Keeps ``heartbeat_at`` moving from a side thread while the build is busy in one long step
    (WeasyPrint's layout reports nothing for a while). Not used by the inline runner, which runs
    inside a request or a test transaction another thread could not see."""

    def __init__(self, job_id: int, attempt: int):
        self.job_id, self.attempt = job_id, attempt
        self.stop = threading.Event()
        self.interval = max(1.0, min(30.0, settings.BINDER_STALE_SECONDS / 4))
        self.thread = threading.Thread(target=self._beat, name=f"binder-{job_id}-heartbeat", daemon=True)

    def _beat(self) -> None:
        try:
            while not self.stop.wait(self.interval):
                now = timezone.now()
                _mine(self.job_id, self.attempt).update(heartbeat_at=now, updated_at=now)
        except Exception:
            logger.exception("Binder heartbeat of job %s stopped", self.job_id)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=10)


def run_job(job_id: int) -> bool:
    """Claim and build one job; True when this call made it done."""
    if not claim(job_id):
        return False
    with translation.override(settings.LANGUAGE_CODE):
        return _run_claimed(job_id)


def _run_claimed(job_id: int) -> bool:
    job = BinderJob.objects.select_related("unit").get(pk=job_id)
    attempt = job.attempts
    last_write = 0.0

    def progress(percent: int, stage: str) -> None:
        nonlocal last_write
        now = time.monotonic()
        if now - last_write < PROGRESS_EVERY_SECONDS and percent < 99:
            return
        last_write = now
        moment = timezone.now()
        _mine(job_id, attempt).update(
            progress=max(0, min(99, int(percent))), stage=str(stage)[:120], heartbeat_at=moment, updated_at=moment
        )

    period = job_period(job)
    filename = binder_filename(job.unit, period, job.format)
    beat = _Heartbeat(job_id, attempt) if settings.BINDER_RUNNER != "inline" else None
    try:
        with tempfile.TemporaryDirectory(prefix="binder-job-") as tmp:
            path = Path(tmp) / f"binder.{job.format}"
            if beat:
                beat.__enter__()
            try:
                BUILDERS[job.format](job.unit, period, path, progress=progress)
            finally:
                if beat:
                    beat.__exit__(None, None, None)
            progress(99, _("Storing the file"))
            size, digest = _measure(path)
            with path.open("rb") as handle:
                stored = job.file.storage.save(binder_path(job, filename), File(handle, name=filename))
        now = timezone.now()
        finished = _mine(job_id, attempt).update(
            status=JobStatus.DONE,
            progress=100,
            stage=_("Done"),
            message="",
            file=stored,
            filename=filename,
            size=size,
            sha256=digest,
            heartbeat_at=now,
            finished_at=now,
            updated_at=now,
        )
        if not finished:
            # Reaped while we were building: the job belongs to another attempt (or failed); our
            # file is nobody's.
            job.file.storage.delete(stored)
            logger.warning("Binder job %s attempt %s finished after being reaped; file discarded", job_id, attempt)
            return False
        return True
    except Exception:
        logger.exception("Binder job %s (attempt %s) failed", job_id, attempt)
        now = timezone.now()
        _mine(job_id, attempt).update(
            status=JobStatus.FAILED, message=str(FAILED_MESSAGE), finished_at=now, updated_at=now
        )
        return False


def _measure(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(binder.CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


# --- stale jobs -----------------------------------------------------------------------------------


def reap_stale(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Running jobs whose worker has shown no sign of life for BINDER_STALE_SECONDS: queued again
    (and dispatched) while attempts are left, else failed with a message. Returns (retried, failed)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.BINDER_STALE_SECONDS)
    stale = BinderJob.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    retried = failed = 0
    with translation.override(settings.LANGUAGE_CODE):
        for job_id, attempts, beat in stale.values_list("id", "attempts", "heartbeat_at"):
            # Conditional on what we saw, so a heartbeat arriving meanwhile wins.
            same = BinderJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempts, heartbeat_at=beat)
            if attempts < settings.BINDER_MAX_ATTEMPTS:
                if same.update(
                    status=JobStatus.QUEUED,
                    progress=0,
                    stage=_("Waiting to be made again"),
                    message=str(RETRY_MESSAGE),
                    updated_at=now,
                ):
                    retried += 1
                    logger.warning("Binder job %s stopped (attempt %s); queued again", job_id, attempts)
                    transaction.on_commit(lambda job_id=job_id: dispatch(job_id))
            elif same.update(status=JobStatus.FAILED, message=str(STOPPED_MESSAGE), finished_at=now, updated_at=now):
                failed += 1
                logger.warning("Binder job %s stopped (attempt %s); failed", job_id, attempts)
    return retried, failed


def refresh(job: BinderJob) -> BinderJob:
    """The job as it stands now, stale jobs reaped first (call it before showing a job)."""
    reap_stale()
    job.refresh_from_db()
    return job


# --- the worker -----------------------------------------------------------------------------------


def run_worker(*, once: bool = False, poll: float = 2.0, stop: threading.Event | None = None) -> int:
    """Reap, claim the oldest queued job, build it; again and again (``once``: until no job is
    queued). Returns how many jobs this worker made done."""
    made = 0
    stop = stop or threading.Event()
    while not stop.is_set():
        if not connection.in_atomic_block:  # (inside a test's transaction it would close it)
            close_old_connections()  # a long-running process: drop broken or expired connections
        reap_stale()
        job_id = (
            BinderJob.objects.filter(status=JobStatus.QUEUED)
            .order_by("created_at", "id")
            .values_list("id", flat=True)
            .first()
        )
        if job_id is not None:
            made += run_job(job_id)
            continue
        if once:
            break
        stop.wait(poll)
    return made
