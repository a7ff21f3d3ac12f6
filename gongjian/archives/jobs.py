"""Binders made in the background on Django's task API. ``request_binder`` records what was asked
(a ``BinderJob``) with its progress record (a ``gongjian.core.jobs`` Job) and the task
``archives.tasks.binder_build`` is enqueued when the request commits; a worker
(``manage.py db_worker``) builds the file, the job runner stores it and marks the job done in the
same update that records its size and SHA-256. A worker killed mid-build leaves the job running
until ``gongjian.core.jobs.recovery`` sees its worker gone and retries it or fails it with a
message — never done with a broken file.

Asking again for the same unit, period and format while a job is queued or running returns that
job: the job's ``dedupe_key`` is unique among active jobs in the database, so two requests at the
same moment cannot make two jobs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.archives import binder, periods
from gongjian.archives.choices import BinderFormat
from gongjian.archives.models import BinderJob
from gongjian.archives.periods import Period
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.core.jobs import text
from gongjian.core.jobs.recovery import jobs_recover
from gongjian.core.jobs.services import job_request
from gongjian.organizations.models import Unit

KIND = "archives.binder"
# The builder of each format, looked up on ``binder`` when the job runs.
BUILDERS = {BinderFormat.PDF: "build_pdf", BinderFormat.ZIP: "build_zip"}
CONTENT_TYPES = {BinderFormat.PDF: "application/pdf", BinderFormat.ZIP: "application/zip"}

text.register(*binder.STAGES)
shown = text.shown


def job_period(job: BinderJob) -> Period:
    return periods.from_fields(job.period_kind, job.period_start)


def binder_filename(unit: Unit, period: Period, fmt: str) -> str:
    """``台帐-<unit>-<period>.pdf`` (the first word in the site's language)."""
    label = _("Binder")
    stem = binder.safe_component(f"{label}-{unit.name}-{period.code}", default="binder")
    return f"{stem}.{fmt}"


def dedupe_key(unit: Unit, period: Period, fmt: str) -> str:
    return f"{KIND}:{unit.pk}:{period.kind}:{period.start:%Y-%m-%d}:{fmt}"


def request_binder(*, user, unit: Unit, period: Period, format: str) -> BinderJob:
    """Queue a binder of ``unit`` for ``period``; built once the request's transaction commits.
    The adapters look the unit up in the user's scope first (404 outside it); this checks the
    permission. The same binder already queued or running is returned instead of a second job."""
    from gongjian.archives.tasks import binder_build

    if Perm.ARCHIVE_VIEW not in perms_at_unit(actor_for(user), unit.id):
        raise NotPermitted(_("You cannot make binders of this unit's archive."))
    if format not in BinderFormat.values:
        raise ValidationError({"format": _("Choose PDF or ZIP.")})
    with transaction.atomic():
        job, created = job_request(
            task=binder_build,
            kind=KIND,
            user=user,
            unit=unit,
            perm=Perm.ARCHIVE_VIEW,
            title=binder_filename(unit, period, format),
            params={"period": period.code, "format": format},
            dedupe_key=dedupe_key(unit, period, format),
        )
        if not created:
            return BinderJob.objects.select_related("job", "unit").get(job=job)
        made = BinderJob.objects.create(
            unit=unit, period_kind=period.kind, period_start=period.start, format=format, job=job
        )
        audit_record(actor=user, action="archive.binder.request", target=made, to_state=format, note=period.code)
    return made


def refresh(binder_job: BinderJob) -> BinderJob:
    """The binder's job as it stands now, a lost job retried or failed first (call before showing)."""
    if not binder_job.job.finished:
        jobs_recover(type(binder_job.job).objects.filter(pk=binder_job.job_id))
    binder_job.job.refresh_from_db()
    return binder_job
