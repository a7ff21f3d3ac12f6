"""The assessment's background tasks (Django's task API): the month's bulletin as Word or PDF,
rendered by a worker and kept as its job's file (gongjian.core.jobs). Month computation is not a
task yet (CONTRIBUTING.md, "Add a background task", shows how)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext_noop
from django_tasks import task

from gongjian.accounts.access import actor_for
from gongjian.assessments import selectors
from gongjian.core.jobs import text
from gongjian.core.jobs.runner import JobRefused, run_job
from gongjian.core.jobs.services import job_request

BULLETIN = "assessments.bulletin"
NOT_PUBLISHED = "The assessment of %(month)s is not published yet: its bulletin is issued when it is."
WRITING = gettext_noop("Writing the bulletin")
text.register(NOT_PUBLISHED, WRITING)


def bulletin_request(*, user, assessment, fmt: str):
    """Queue the month's bulletin (``docx`` or ``pdf``) for ``user``; the same one already queued
    or running for them is returned instead."""
    month = f"{assessment.month:%Y-%m}"
    with transaction.atomic():
        job, _created = job_request(
            task=bulletin_render,
            kind=BULLETIN,
            user=user,
            title=f"{month} bulletin.{fmt}",
            params={"month": month, "fmt": fmt},
            dedupe_key=f"{BULLETIN}:{assessment.pk}:{fmt}:{user.pk}",
        )
    return job


def _render_bulletin(job, progress):
    from gongjian.assessments.bulletin import BulletinDocx, BulletinNotReady, BulletinPdf

    actor = actor_for(job.requested_by)
    month = datetime.date.fromisoformat(f"{job.params['month']}-01")
    assessment = selectors.assessment_get(actor=actor, month=month)
    progress(10, WRITING)
    exporter = {"docx": BulletinDocx, "pdf": BulletinPdf}[job.params["fmt"]]
    try:
        return exporter(assessment, actor=actor).render()
    except BulletinNotReady:
        raise JobRefused(text.fill(NOT_PUBLISHED, month=job.params["month"])) from None


@task(takes_context=True)
def bulletin_render(context, job_id: int) -> dict:
    """Render one month's bulletin as the requester may read it and store it as the job's file."""
    return run_job(context, job_id, _render_bulletin)
