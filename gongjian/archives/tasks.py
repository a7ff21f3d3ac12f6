"""The archive's background tasks (Django's task API): binders, collection and verification.
Each only loads what it needs and calls a service or a builder; ``run_job`` records progress,
stores the file and retries (gongjian.core.jobs)."""

from __future__ import annotations

from django.utils.translation import gettext_noop
from django_tasks import task

from gongjian.archives import binder, jobs
from gongjian.archives.models import BinderJob
from gongjian.core.jobs import text
from gongjian.core.jobs.runner import OutputFile, run_job
from gongjian.core.jobs.services import job_request


def _build_binder(job, progress) -> OutputFile:
    made = BinderJob.objects.select_related("unit").get(job=job)
    period = jobs.job_period(made)
    path = job.workdir / f"binder.{made.format}"
    getattr(binder, jobs.BUILDERS[made.format])(made.unit, period, path, progress=progress)
    return OutputFile(
        path=path,
        filename=jobs.binder_filename(made.unit, period, made.format),
        content_type=jobs.CONTENT_TYPES[made.format],
    )


@task(takes_context=True)
def binder_build(context, job_id: int) -> dict:
    """Build one binder (PDF or ZIP) and store it as its job's file."""
    return run_job(context, job_id, _build_binder)


COLLECTED = gettext_noop("%(count)s records collected or brought up to date.")
INTACT = gettext_noop("Archive intact: %(entries)s log entries and %(records)s record versions verify.")
NOT_INTACT = gettext_noop("Archive NOT intact: %(problems)s problems found (listed in the job's result).")
COLLECTING = gettext_noop("Collecting records")
VERIFYING = gettext_noop("Verifying the hash chain and the files")
text.register(COLLECTED, INTACT, NOT_INTACT, COLLECTING, VERIFYING)


def _collect(job, progress) -> dict:
    from gongjian.archives.services import collect_pending

    progress(5, COLLECTING)
    count = collect_pending(unit_ids=job.params.get("units") or None)
    return {"collected": count, "summary": text.fill(COLLECTED, count=count)}


@task(takes_context=True)
def archive_collect(context, job_id: int) -> dict:
    """File every closed problem, held activity and meeting not in the archive yet (or changed)."""
    return run_job(context, job_id, _collect)


def _verify(job, progress) -> dict:
    from gongjian.archives.integrity import verify

    progress(5, VERIFYING)
    report = verify(check_files=job.params.get("files", True))
    counts = {"entries": report.entries, "records": report.records, "files": report.files}
    if report.ok:
        return {"ok": True, **counts, "summary": text.fill(INTACT, **counts)}
    problems = list(report.problems)
    return {"ok": False, **counts, "problems": problems[:200], "summary": text.fill(NOT_INTACT, problems=len(problems))}


@task(takes_context=True)
def archive_verify(context, job_id: int) -> dict:
    """Walk the archive's hash-chained log and re-check every record version and stored file."""
    return run_job(context, job_id, _verify)


def archive_job_request(*, which: str, user=None, units: list[int] | None = None, files: bool = True):
    """Queue collection (``collect``) or verification (``verify``) of the archive; one at a time."""
    from django.db import transaction

    task_of = {"collect": archive_collect, "verify": archive_verify}[which]
    params = {"units": units or []} if which == "collect" else {"files": files}
    with transaction.atomic():
        job, _created = job_request(
            task=task_of,
            kind=f"archives.{which}",
            user=user,
            title={"collect": "collect_evidence", "verify": "verify_archive"}[which],
            params=params,
            dedupe_key=f"archives.{which}:{user.pk if user is not None else 'command'}",
        )
    return job
