"""Binders made in the background: the life of a ``BinderJob``, with no broker and no extra package.

    queued ──claim──▶ running ──build, store the file, then──▶ done
                         │ └──exception──▶ failed (a message; the traceback in the log)
                         └──no heartbeat for BINDER_STALE_SECONDS──▶ queued again (attempts left)
                                                                  └─▶ failed (no attempts left)
    queued, unclaimed for BINDER_STALE_SECONDS while no build shows a sign of life
        ──▶ dispatched again (counted as an attempt) ──▶ failed (no attempts left)

Who builds (``settings.BINDER_RUNNER``): ``thread`` — the web process's one builder thread
(``EXECUTOR``: builds queue behind each other), handed the job when the request commits;
``worker`` — ``manage.py binder_worker`` polls for queued jobs; ``inline`` — at once, in the
caller (tests). Every change the reaper makes is in the audit trail (``archive.binder.reap``).

A job's ``stage`` and ``message`` are stored as English source strings (numbers filled in) and
shown in each viewer's language by ``shown``.

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
import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.archives import binder, periods
from gongjian.archives.choices import BinderFormat, JobStatus
from gongjian.archives.models import BinderJob, binder_path
from gongjian.archives.periods import Period
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.organizations.models import Unit

logger = logging.getLogger(__name__)

# Stored in English, shown in the viewer's language (``shown``).
STOPPED_MESSAGE = gettext_noop(
    "The binder stopped before it was finished (the worker was interrupted); request it again."
)
RETRY_MESSAGE = gettext_noop("The binder stopped before it was finished; it is being made again.")
FAILED_MESSAGE = gettext_noop("The binder could not be made. The error has been logged; request it again later.")
NEVER_STARTED_MESSAGE = gettext_noop("Nothing started making the binder; request it again.")
WAITING = gettext_noop("Waiting to start")
STARTING = gettext_noop("Starting")
STORING = gettext_noop("Storing the file")
DONE = gettext_noop("Done")
WAITING_AGAIN = gettext_noop("Waiting to be made again")
# At most this often a progress report also writes to the database.
PROGRESS_EVERY_SECONDS = 1.0

BUILDERS = {BinderFormat.PDF: binder.build_pdf, BinderFormat.ZIP: binder.build_zip}

# The "thread" runner's builder: one thread per web process, so builds wait for each other instead
# of a burst of requests starting a burst of builds (it starts its thread on the first job).
EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="binder")

_SHOWN = (
    *binder.STAGES,
    WAITING,
    STARTING,
    STORING,
    DONE,
    WAITING_AGAIN,
    STOPPED_MESSAGE,
    RETRY_MESSAGE,
    FAILED_MESSAGE,
    NEVER_STARTED_MESSAGE,
)


def _pattern(msgid: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", msgid)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(parts)), re.S)


_PATTERNS = [(msgid, _pattern(msgid)) for msgid in _SHOWN]


def shown(stored: str) -> str:
    """A stage or message as stored (English, numbers filled in) in the current language; text
    stored before it was kept in English is shown as it is."""
    for msgid, pattern in _PATTERNS:
        if stored and (match := pattern.fullmatch(stored)):
            try:
                return _(msgid) % match.groupdict() if match.groupdict() else _(msgid)
            except (KeyError, TypeError, ValueError):  # a broken translation: show it as stored
                return stored
    return stored or ""


def _english(stage) -> str:
    """What a build reported, in English when it says (``binder.StageText``)."""
    return getattr(stage, "english", None) or str(stage)


def job_period(job: BinderJob) -> Period:
    return periods.from_fields(job.period_kind, job.period_start)


def binder_filename(unit: Unit, period: Period, fmt: str) -> str:
    """``台帐-<unit>-<period>.pdf`` (the first word in the site's language)."""
    label = _("Binder")
    stem = binder.safe_component(f"{label}-{unit.name}-{period.code}", default="binder")
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
            stage=WAITING,
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
        EXECUTOR.submit(_thread_main, job_id)
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
            stage=STARTING,
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
            progress=max(0, min(99, int(percent))),
            stage=_english(stage)[:120],
            heartbeat_at=moment,
            updated_at=moment,
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
            progress(99, STORING)
            size, digest = _measure(path)
            with path.open("rb") as handle:
                stored = job.file.storage.save(binder_path(job, filename), File(handle, name=filename))
        now = timezone.now()
        finished = _mine(job_id, attempt).update(
            status=JobStatus.DONE,
            progress=100,
            stage=DONE,
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
        _mine(job_id, attempt).update(status=JobStatus.FAILED, message=FAILED_MESSAGE, finished_at=now, updated_at=now)
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
    """Jobs nobody is making. A running job whose worker has shown no sign of life for
    BINDER_STALE_SECONDS: queued again (and dispatched) while attempts are left, else failed with a
    message. A queued job nobody claimed for as long while no build shows a sign of life either
    (its thread or worker is gone): dispatched again, which counts as an attempt, else failed.
    (While some build beats, queued jobs are waiting their turn behind it.) Every change is in the
    audit trail. Returns (retried, failed)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.BINDER_STALE_SECONDS)
    retried = failed = 0
    stale = BinderJob.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    for job in stale.only("id", "status", "attempts", "heartbeat_at", "filename"):
        # Conditional on what we saw, so a heartbeat arriving meanwhile wins.
        same = BinderJob.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts, heartbeat_at=job.heartbeat_at
        )
        note = f"attempt {job.attempts}: no sign of life since {job.heartbeat_at or 'it started'}"
        with transaction.atomic():
            if job.attempts < settings.BINDER_MAX_ATTEMPTS:
                if same.update(
                    status=JobStatus.QUEUED, progress=0, stage=WAITING_AGAIN, message=RETRY_MESSAGE, updated_at=now
                ):
                    retried += 1
                    _reaped(job, JobStatus.QUEUED, f"{note}; queued again")
                    transaction.on_commit(lambda job_id=job.pk: dispatch(job_id))
            elif same.update(status=JobStatus.FAILED, message=STOPPED_MESSAGE, finished_at=now, updated_at=now):
                failed += 1
                _reaped(job, JobStatus.FAILED, f"{note}; failed")
    building = BinderJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__gte=cutoff).exists()
    unclaimed = BinderJob.objects.filter(status=JobStatus.QUEUED, updated_at__lt=cutoff)
    for job in [] if building else unclaimed.only("id", "status", "attempts", "updated_at", "filename"):
        same = BinderJob.objects.filter(
            pk=job.pk, status=JobStatus.QUEUED, attempts=job.attempts, updated_at=job.updated_at
        )
        note = f"queued since {job.updated_at} and not claimed ({job.attempts} attempts)"
        with transaction.atomic():
            if job.attempts < settings.BINDER_MAX_ATTEMPTS:
                if same.update(attempts=F("attempts") + 1, updated_at=now):
                    retried += 1
                    _reaped(job, JobStatus.QUEUED, f"{note}; dispatched again")
                    transaction.on_commit(lambda job_id=job.pk: dispatch(job_id))
            elif same.update(status=JobStatus.FAILED, message=NEVER_STARTED_MESSAGE, finished_at=now, updated_at=now):
                failed += 1
                _reaped(job, JobStatus.FAILED, f"{note}; failed")
    return retried, failed


def _reaped(job: BinderJob, to_state: str, note: str) -> None:
    logger.warning("Binder job %s: %s", job.pk, note)
    audit_record(
        actor=None, action="archive.binder.reap", target=job, from_state=job.status, to_state=to_state, note=note
    )


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
