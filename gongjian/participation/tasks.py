"""Participation's background tasks (Django's task API): checking an uploaded import sheet for its
preview, saving a previewed sheet, and purging abandoned import leftovers. The parser and the
savers are unchanged (importers, services.check_rows, services.import_confirm); the jobs record
progress, the preview's counts and rows (the job's result) and the sheet of rows with errors (the
job's file), and the preview page follows them (gongjian.core.jobs)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from gongjian.accounts.access import Perm
from gongjian.core.errors import Conflict
from gongjian.core.exporters import XLSX
from gongjian.core.jobs import text
from gongjian.core.jobs.models import ACTIVE, Job
from gongjian.core.jobs.runner import JobRefused, OutputFile, run_job
from gongjian.core.jobs.services import job_request

IMPORT = "participation.import"
PREVIEW = "participation.import-preview"
SAVING = gettext_noop("Saving the rows")
CHECKING = gettext_noop("Checking the rows (%(n)s so far)")
ALREADY_DONE = gettext_noop("This import has already been saved or cancelled.")
text.register(SAVING, CHECKING, ALREADY_DONE)


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


def _preview_key(batch) -> str:
    return f"{PREVIEW}:{batch.pk}"


def import_preview_request(*, user, batch, language: str | None = None) -> Job:
    """Queue checking the rows of an uploaded sheet (the preview), in the uploader's language (the
    reasons of rejected rows are written in it); asked twice while it runs, the same job."""
    with transaction.atomic():
        job, _created = job_request(
            task=import_preview,
            kind=PREVIEW,
            user=user,
            unit=batch.community,
            perm=Perm.VOLUNTEER_MANAGE,
            title=batch.filename,
            params={"batch": batch.pk, "language": language or settings.LANGUAGE_CODE},
            dedupe_key=_preview_key(batch),
        )
    return job


def import_preview_job(batch) -> Job | None:
    """The latest job checking this sheet (running, done or failed), if any."""
    return Job.objects.filter(kind=PREVIEW, dedupe_key=_preview_key(batch)).order_by("-created_at", "-id").first()


def _row(error) -> dict:
    return {"row": error.row, "values": error.values, "reason": str(error.reason)}


def _preview(job, progress):
    """Check every row (nothing is written); the counts, the first rows and the first rows with
    errors become the job's result, all rows with errors its file (the sheet to download)."""
    from gongjian.participation import services
    from gongjian.participation.choices import ImportStatus
    from gongjian.participation.exporters import ErrorSheet
    from gongjian.participation.importers import ImportRefused, ImportReport
    from gongjian.participation.imports import import_refuse
    from gongjian.participation.models import ImportBatch

    batch = ImportBatch.objects.select_related("community").get(pk=job.params["batch"])
    if batch.status != ImportStatus.PREVIEW or not batch.file:
        raise JobRefused(ALREADY_DONE)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        report, sheet = ImportReport(), ErrorSheet()
        try:
            for _chunk in services.check_rows(
                kind=batch.kind,
                filename=batch.filename,
                content=services.import_sheet_content(batch),
                community=batch.community,
                report=report,
                on_error=sheet.add,
            ):
                progress(min(90, 5 + report.total // 1000), text.fill(CHECKING, n=report.total))
        except ImportRefused as refused:
            # Refused as a whole: nothing is kept; the page shows why (in the uploader's language).
            import_refuse(user=job.requested_by, batch_id=batch.pk, reason=refused.message)
            raise JobRefused(refused.message) from None
        result = {
            "total": report.total,
            "valid": report.valid,
            "empty": report.empty,
            "error_count": report.error_count,
            "errors": [_row(error) for error in report.errors],
            "first_rows": [{key: str(value) for key, value in row.items()} for row in report.first_rows]
            if batch.kind == "volunteers"
            else [{"row": row["row"], "values": row["values"]} for row in report.first_rows],
            "headers": report.headers,
        }
        if not report.error_count:
            return result
        sheet.headers = report.headers
        path = job.workdir / "rows-not-imported.xlsx"
        path.write_bytes(sheet.render())
        return OutputFile(path, _("rows-not-imported") + ".xlsx", XLSX, result=result)


@task(takes_context=True)
def import_preview(context, job_id: int):
    """Check the rows of one uploaded import sheet for its preview (nothing is saved)."""
    return run_job(context, job_id, _preview)


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
    """Delete abandoned import previews and old rejected-row sheets (see services.imports_purge), and
    the preview jobs' results and sheets of sheets no longer waiting (imports.import_previews_forget)."""
    from gongjian.participation.imports import import_previews_forget
    from gongjian.participation.services import imports_purge

    result = imports_purge()
    return {"previews": result.previews, "sheets": result.sheets, "checks": import_previews_forget()}
