"""Pages of the documents app: the bulletin's draft for sign-off, and the leader's speech draft.
Their Word and PDF files are written in the background (gongjian.core.jobs): asking for one leads to
its job's page, which offers the file once it is done."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, can_on_unit
from gongjian.archives import periods
from gongjian.assessments import selectors as assessment_selectors
from gongjian.assessments import tasks as assessment_tasks
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.views import _month, fonts_refusal
from gongjian.documents import tasks
from gongjian.documents.speech import compose_speech
from gongjian.documents.speech_facts import speech_allowed, speech_facts


@login_required
def bulletin_draft(request, month: str, fmt: str):
    """The bulletin of a computed month marked 征求意见稿, for the leader's sign-off before publication:
    the city office only (anyone else: 404). Rendered by a job (assessments.tasks, draft flag)."""
    if fmt not in ("docx", "pdf"):
        raise Http404
    actor = actor_for(request.user)
    assessment = assessment_selectors.assessment_get(actor=actor, month=_month(month))
    if not can_on_unit(actor, Perm.ASSESSMENT_MANAGE, assessment.city_id):
        raise Http404
    refusal = {
        AssessmentStatus.PUBLISHED: assessment_tasks.DRAFT_PUBLISHED,
        AssessmentStatus.DRAFT: assessment_tasks.DRAFT_NOT_COMPUTED,
    }.get(assessment.status)
    message = _(refusal) % {"month": f"{assessment.month:%Y-%m}"} if refusal else fonts_refusal(fmt)
    if message:
        messages.error(request, message)
        return redirect("assessments:month", month=month)
    job = assessment_tasks.bulletin_request(user=request.user, assessment=assessment, fmt=fmt, draft=True)
    return redirect("jobs:detail", pk=job.pk)


@login_required
def speech(request):
    """The leader's speech draft for a month, quarter or year (``?period=2026-08``, ``2026-Q3``,
    ``2026``): every sentence links to the page its figure comes from; ``?format=docx`` downloads the
    Word draft, written by a job (documents.tasks). The city office and the city's leaders only
    (anyone else: 404)."""
    actor = actor_for(request.user)
    city = assessment_selectors.city_of(actor)
    if city is None or not speech_allowed(actor, city.pk):
        raise Http404
    today = timezone.localdate()
    code = (request.GET.get("period") or f"{today:%Y-%m}").strip()
    try:
        period = periods.parse(code)
    except ValueError:
        context = {
            "period_code": code,
            "error": _("%(value)s is not a period: write 2026-08, 2026-Q3 or 2026.") % {"value": code},
        }
        return render(request, "documents/speech.html", context, status=400)
    if request.GET.get("format") == "docx":
        job = tasks.speech_request(user=request.user, city=city, period=period)
        return redirect("jobs:detail", pk=job.pk)
    with translation.override("zh-hans"):
        draft = compose_speech(speech_facts(city=city, period=period))
    return render(request, "documents/speech.html", {"speech": draft, "period_code": period.code})
