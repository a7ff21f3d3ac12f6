"""Import pages kept here: the template, confirm and cancel (upload, preview and the rows not imported are in
participation/import_views.py: the preview is a background job)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.exporters import download_response
from gongjian.participation import selectors, services
from gongjian.participation.choices import ImportStatus
from gongjian.participation.exporters import volunteer_template
from gongjian.participation.views._common import _require

# --- import -------------------------------------------------------------------------------------


@login_required
def import_template(request):
    _require(actor_for(request.user), Perm.VOLUNTEER_MANAGE)
    return download_response(volunteer_template(request.GET.get("kind", "volunteers")))


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
