"""Pages of the documents app: the bulletin's draft for sign-off, and the leader's speech draft."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect

from gongjian.accounts.access import Perm, actor_for, can_on_unit
from gongjian.assessments import selectors as assessment_selectors
from gongjian.assessments.views import _month
from gongjian.core.exporters import download_response
from gongjian.documents.bulletin import BulletinDocx, BulletinNotReady, BulletinPdf


@login_required
def bulletin_draft(request, month: str, fmt: str):
    """The bulletin of a computed month marked 征求意见稿, for the leader's sign-off before publication:
    the city office only (anyone else: 404)."""
    exporters = {"docx": BulletinDocx, "pdf": BulletinPdf}
    if fmt not in exporters:
        raise Http404
    actor = actor_for(request.user)
    assessment = assessment_selectors.assessment_get(actor=actor, month=_month(month))
    if not can_on_unit(actor, Perm.ASSESSMENT_MANAGE, assessment.city_id):
        raise Http404
    try:
        result = exporters[fmt](assessment, actor=actor, draft=True).render()
    except BulletinNotReady as refusal:
        messages.error(request, refusal.message)
        return redirect("assessments:month", month=month)
    return download_response(result)
