"""Large exports as jobs. An export view answers at once while its rows are few
(``EXPORT_JOB_ROWS`` or fewer: most lists, and every test of the exporters) and otherwise queues a
job that runs the same builder in a worker — with the same user and the same query string — and
leads to the job's page, which offers the file when it is done. The exporters are unchanged: the
builder is the view's own code (filter form, scoped selector, exporter)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from django.conf import settings
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop
from django_tasks import task

from gongjian.core.exporters import ExportResult, download_response
from gongjian.core.jobs import text
from gongjian.core.jobs.runner import run_job
from gongjian.core.jobs.services import job_request

EXPORTING = gettext_noop("Writing the file")
INVALID_QUERY = gettext_noop("The filters of this export are not valid any more.")
text.register(EXPORTING, INVALID_QUERY)


def export_response(
    request, *, builder: str, rows: int, render_now: Callable[[], ExportResult], title: str, args: dict | None = None
):
    """The download itself for a small export, else a redirect to the job that makes it.
    ``builder`` is the dotted path of ``build(request, **args) -> ExportResult``, which the worker
    calls with a request carrying only ``user`` and ``GET``."""
    if rows <= settings.EXPORT_JOB_ROWS:
        return download_response(render_now())
    job, _created = job_request(
        task=export_render,
        kind="export",
        user=request.user,
        title=title,
        params={"builder": builder, "query": request.GET.urlencode(), "args": args or {}, "rows": rows},
    )
    return redirect("jobs:detail", pk=job.pk)


def _render(job, progress) -> ExportResult:
    build = import_string(job.params["builder"])
    request = SimpleNamespace(user=job.requested_by, GET=QueryDict(job.params["query"]), method="GET")
    progress(5, EXPORTING)
    return build(request, **job.params.get("args", {}))


@task(takes_context=True)
def export_render(context, job_id: int) -> dict:
    """Build one large export as its requester would have downloaded it, and store it."""
    return run_job(context, job_id, _render)
