"""The import pages that follow the background preview: upload (the header is checked at the
door, the rows by a job), the preview page (the job's progress, then its result) and the sheet of
rows with errors (the preview job's file, or the one kept once saved). Template download, confirm
and cancel are in views.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.errors import NotPermitted, errors_onto_form
from gongjian.core.exporters import XLSX
from gongjian.core.jobs.models import JobStatus
from gongjian.core.jobs.views import job_file_response, job_state
from gongjian.core.privacy import no_store
from gongjian.core.storage import file_response
from gongjian.participation import selectors
from gongjian.participation.choices import ImportStatus
from gongjian.participation.forms import ImportForm
from gongjian.participation.importers import ImportRefused
from gongjian.participation.imports import import_receive
from gongjian.participation.tasks import import_preview_job, import_preview_request, import_save_job


@login_required
@no_store
def volunteer_import(request):
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.VOLUNTEER_MANAGE):
        raise PermissionDenied
    communities = list(selectors.communities_for(actor=actor, perm=Perm.VOLUNTEER_MANAGE))
    form = ImportForm(
        request.POST or None, request.FILES or None, communities=communities, initial={"kind": request.GET.get("kind")}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch, _job = import_receive(
                user=request.user,
                community=next(c for c in communities if str(c.pk) == form.cleaned_data["community"]),
                filename=upload.name,
                content=upload.read(),
                kind=form.cleaned_data["kind"] or "volunteers",
            )
        except ImportRefused as refused:
            form.add_error("file", refused.message)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            return redirect("participation:import-preview", pk=batch.pk)
    return render(request, "participation/import.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@no_store
def import_preview(request, pk: int):
    """The saving job while it runs; else the preview job: its progress, its refusal, or its result."""
    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    saving = import_save_job(batch) if batch.status == ImportStatus.PREVIEW else None
    checking = import_preview_job(batch) if not saving else None
    report = None
    if batch.status == ImportStatus.PREVIEW and checking is not None and checking.status == JobStatus.DONE:
        report = checking.result
    shown = saving or (checking if report is None and checking is not None else None)
    context = {
        "batch": batch,
        "report": report,
        "saving": saving,
        "checking": checking,
        "job": shown,
        "state": job_state(shown) if shown else None,
        # A sheet kept by other means (a command), or whose check failed, can be checked (again).
        "can_check": batch.status == ImportStatus.PREVIEW
        and not saving
        and (checking is None or checking.status == JobStatus.FAILED),
    }
    return render(request, "participation/import_preview.html", context)


@login_required
@require_POST
def import_check(request, pk: int):
    """Queue the check of a kept sheet's rows (again); the preview page follows the job."""
    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    if batch.status == ImportStatus.PREVIEW:
        if Perm.VOLUNTEER_MANAGE not in perms_at_unit(actor_for(request.user), batch.community_id):
            raise NotPermitted(_("You cannot do this for this community."))
        import_preview_request(user=request.user, batch=batch, language=translation.get_language())
    return redirect(reverse("participation:import-preview", args=[pk]))


@login_required
@no_store
def import_errors(request, pk: int):
    """The rows not imported, with the reason in the last column: the preview job's sheet before
    saving, the sheet kept with the batch after."""
    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    if batch.status == ImportStatus.SAVED and batch.errors_file:
        filename = _("rows-not-imported") + ".xlsx"
        return file_response(batch.errors_file, content_type=XLSX, filename=filename, cache_control="private, no-store")
    if batch.status == ImportStatus.PREVIEW:
        checking = import_preview_job(batch)
        if checking is not None and checking.downloadable:
            return job_file_response(checking)
    raise Http404
