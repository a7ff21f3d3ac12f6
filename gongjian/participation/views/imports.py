"""Import pages: upload, preview, the rows not imported, confirm and cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.exporters import ExportResult, download_response
from gongjian.core.privacy import no_store
from gongjian.core.storage import file_response
from gongjian.participation import selectors, services
from gongjian.participation.choices import ImportStatus
from gongjian.participation.exporters import volunteer_template
from gongjian.participation.forms import (
    ImportForm,
)
from gongjian.participation.importers import ImportRefused
from gongjian.participation.views._common import _apply_errors, _require

# --- import -------------------------------------------------------------------------------------


@login_required
@no_store
def volunteer_import(request):
    actor = actor_for(request.user)
    _require(actor, Perm.VOLUNTEER_MANAGE)
    communities = list(selectors.communities_for(actor=actor, perm=Perm.VOLUNTEER_MANAGE))
    form = ImportForm(
        request.POST or None, request.FILES or None, communities=communities, initial={"kind": request.GET.get("kind")}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch, _report = services.import_upload(
                user=request.user,
                community=next(c for c in communities if str(c.pk) == form.cleaned_data["community"]),
                filename=upload.name,
                content=upload.read(),
                kind=form.cleaned_data["kind"] or "volunteers",
            )
        except ImportRefused as refused:
            form.add_error("file", refused.message)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("participation:import-preview", pk=batch.pk)
    return render(request, "participation/import.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def import_template(request):
    _require(actor_for(request.user), Perm.VOLUNTEER_MANAGE)
    return download_response(volunteer_template(request.GET.get("kind", "volunteers")))


@login_required
@no_store
def import_preview(request, pk: int):
    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    from gongjian.core.jobs.views import job_state
    from gongjian.participation.tasks import import_save_job

    saving = import_save_job(batch) if batch.status == ImportStatus.PREVIEW else None
    report = services.import_preview(batch=batch) if batch.status == ImportStatus.PREVIEW and not saving else None
    return render(
        request,
        "participation/import_preview.html",
        {"batch": batch, "report": report, "saving": saving, "state": job_state(saving) if saving else None},
    )


@login_required
@no_store
def import_errors(request, pk: int):
    """The rows not imported, with the reason in the last column (before or after saving)."""
    from gongjian.core.exporters import XLSX
    from gongjian.participation.exporters import ErrorSheet

    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    filename = _("rows-not-imported") + ".xlsx"
    if batch.status == ImportStatus.SAVED and batch.errors_file:
        return file_response(batch.errors_file, content_type=XLSX, filename=filename, cache_control="private, no-store")
    if batch.status == ImportStatus.PREVIEW:
        sheet = ErrorSheet()
        report = services.import_preview(batch=batch, on_error=sheet.add)
        sheet.headers = report.headers
        content = sheet.render()
    else:
        raise Http404
    return download_response(ExportResult(filename=filename, content_type=XLSX, content=content))


@login_required
@require_POST
def import_confirm(request, pk: int):
    """Save the sheet in the background (participation.tasks); the preview page follows the job."""
    from gongjian.participation import tasks

    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    if batch.status != ImportStatus.PREVIEW:
        messages.error(request, _("This import has already been saved or cancelled."))
    else:
        if Perm.VOLUNTEER_MANAGE not in perms_at_unit(actor_for(request.user), batch.community_id):
            raise NotPermitted(_("You cannot do this for this community."))
        tasks.import_save_request(user=request.user, batch=batch)
    return redirect("participation:import-preview", pk=pk)


@login_required
@require_POST
def import_cancel(request, pk: int):
    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    try:
        services.import_cancel(user=request.user, batch=batch)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.info(request, _("Import cancelled; nothing was saved."))
    return redirect("participation:import")
