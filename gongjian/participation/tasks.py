"""Participation's background tasks (Django's task API): saving a previewed import sheet, and
purging abandoned import leftovers. The
parser and the savers are unchanged (services.import_confirm); the job records progress and the
counts, and the preview page follows it (gongjian.core.jobs)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop
from django_tasks import task

from gongjian.accounts.access import Perm
from gongjian.core.errors import Conflict
from gongjian.core.jobs import text
from gongjian.core.jobs.models import ACTIVE, Job
from gongjian.core.jobs.runner import JobRefused, run_job
from gongjian.core.jobs.services import job_request

IMPORT = "participation.import"
SAVING = gettext_noop("Saving the rows")
ALREADY_DONE = gettext_noop("This import has already been saved or cancelled.")
text.register(SAVING, ALREADY_DONE)


def _key(batch) -> str:
    return f"{IMPORT}:{batch.pk}"


def import_save_request(*, user, batch) -> Job:
    """Queue saving a previewed sheet; asked twice while it runs, the same job."""
    with transaction.atomic():
        job, _created = job_request(
            task=import_save,
            kind=IMPORT,
            user=user,
            unit=batch.community,
            perm=Perm.VOLUNTEER_MANAGE,
            title=batch.filename,
            params={"batch": batch.pk},
            dedupe_key=_key(batch),
        )
    return job


def import_save_job(batch) -> Job | None:
    """The job saving this sheet now, if any."""
    return Job.objects.filter(dedupe_key=_key(batch), status__in=ACTIVE).first()


def _save(job, progress) -> dict:
    from gongjian.participation import services
    from gongjian.participation.choices import ImportStatus
    from gongjian.participation.models import ImportBatch

    batch = ImportBatch.objects.select_related("community").get(pk=job.params["batch"])
    progress(10, SAVING)
    try:
        batch, report = services.import_confirm(user=job.requested_by, batch=batch)
    except Conflict:
        batch.refresh_from_db()
        if batch.status == ImportStatus.SAVED:  # an earlier attempt saved it before its worker died
            return {"saved": batch.saved_rows, "total": batch.total_rows}
        raise JobRefused(ALREADY_DONE) from None
    return {"saved": report.saved, "errors": report.error_count, "total": report.total}


@task(takes_context=True)
def import_save(context, job_id: int) -> dict:
    """Save the valid rows of one previewed import sheet (all in one transaction)."""
    return run_job(context, job_id, _save)


@task()
def imports_purge_task() -> dict[str, int]:
    """Delete abandoned import previews and old rejected-row sheets (see services.imports_purge)."""
    from gongjian.participation.services import imports_purge

    result = imports_purge()
    return {"previews": result.previews, "sheets": result.sheets}
