"""Pages poll a job: its page (the progress bar partial), its state as JSON, its file once done."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from gongjian.core.jobs import text
from gongjian.core.jobs.models import Job, JobStatus
from gongjian.core.jobs.selectors import job_get_for
from gongjian.core.storage import file_response


def job_state(job: Job, *, download_url: str | None = None) -> dict:
    """What the progress bar shows, in the viewer's language."""
    if download_url is None:
        download_url = reverse("jobs:download", args=[job.pk])
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": job.percent,
        "stage": text.shown(job.stage) if job.status != JobStatus.DONE else "",
        "message": text.shown(job.message),
        "attempts": job.attempts,
        "download_url": download_url if job.downloadable else "",
        "filename": job.filename,
        "size": job.size,
        "summary": text.shown(job.result.get("summary", "")) if isinstance(job.result, dict) else "",
        "result": job.result,
    }


def state_response(state: dict) -> JsonResponse:
    response = JsonResponse(state)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def job_detail(request, pk: int):
    job = job_get_for(request.user, pk)
    return render(request, "core/jobs/job.html", {"job": job, "state": job_state(job)})


@login_required
def job_status(request, pk: int):
    return state_response(job_state(job_get_for(request.user, pk)))


def job_file_response(job: Job) -> FileResponse:
    """The job's stored file, streamed from the storage (the caller checked access)."""
    if not job.downloadable:
        raise Http404
    return file_response(
        job.file,
        content_type=job.content_type or "application/octet-stream",
        filename=job.filename or "download",
        cache_control="private, no-store",
    )


@login_required
def job_download(request, pk: int):
    return job_file_response(job_get_for(request.user, pk))
