"""Tasks of the job framework itself: an empty job (what the queue alone costs: ``python -m bench
tasks``) and a ping that touches nothing (to check that a worker of any backend answers)."""

from __future__ import annotations

from django_tasks import task

from gongjian.core.jobs.runner import run_job


def _nothing(job, progress) -> None:
    return None


@task(takes_context=True)
def job_noop(context, job_id: int) -> dict:
    """An empty job: claimed, run, marked done, like every job but with no work in between."""
    return run_job(context, job_id, _nothing)


@task()
def ping(value: str = "pong") -> str:
    """Answers its argument; no database, no files."""
    return value
