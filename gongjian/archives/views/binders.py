"""Binders: asked for on the archive page, made in the background, followed and downloaded."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404
from gongjian.archives import jobs, periods
from gongjian.archives.choices import JobStatus
from gongjian.archives.forms import (
    BinderForm,
)
from gongjian.archives.models import (
    BinderJob,
)
from gongjian.archives.views.common import (
    _error_text,
    _unit,
)
from gongjian.core.errors import NotPermitted
from gongjian.core.jobs.views import job_file_response, job_state, state_response


def _job(request, pk: int) -> BinderJob:
    return get_scoped_or_404(
        BinderJob.objects.select_related("unit", "job"),
        actor_for(request.user),
        Perm.ARCHIVE_VIEW,
        unit_field="unit",
        pk=pk,
    )


@login_required
@require_POST
def binder_request(request, unit_id: int):
    unit = _unit(request, unit_id)
    form = BinderForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("archives:unit", unit_id=unit.pk)
    try:
        job = jobs.request_binder(
            user=request.user, unit=unit, period=form.cleaned_data["period"], format=form.cleaned_data["format"]
        )
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message)) from None
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("archives:unit", unit_id=unit.pk)
    return redirect("archives:binder", pk=job.pk)


def _job_status(job: BinderJob) -> dict:
    return job_state(job.job, download_url=reverse("archives:binder-download", args=[job.pk]))


@login_required
def binder_detail(request, pk: int):
    job = jobs.refresh(_job(request, pk))
    period = periods.from_fields(job.period_kind, job.period_start)
    return render(
        request,
        "archives/binder.html",
        {
            "job": job,
            "period": period,
            "state": _job_status(job),
            "finished": job.status in (JobStatus.DONE, JobStatus.FAILED),
        },
    )


@login_required
def binder_status(request, pk: int):
    job = jobs.refresh(_job(request, pk))
    return state_response(_job_status(job))


@login_required
def binder_download(request, pk: int):
    return job_file_response(_job(request, pk).job)
