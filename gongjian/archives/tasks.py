"""The archive's background tasks (Django's task API): binders, collection and verification.
Each only loads what it needs and calls a service or a builder; ``run_job`` records progress,
stores the file and retries (gongjian.core.jobs)."""

from __future__ import annotations

from django_tasks import task

from gongjian.archives import binder, jobs
from gongjian.archives.models import BinderJob
from gongjian.core.jobs.runner import OutputFile, run_job


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
