"""The residents' side: the questionnaire of one community, reached by its link or QR code. No
account; one answer per device (a signed cookie) and per phone number; a captcha; a limit per
network address; outside the period a clear message instead of the form."""

from __future__ import annotations

import io

import segno
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongjian.accounts.throttles import client_ip
from gongjian.core.errors import Conflict
from gongjian.core.privacy import no_store
from gongjian.residents.limits import KeyedThrottle, allowed, device_id, with_device
from gongjian.residents.privacy import keyed_hash
from gongjian.surveys import services
from gongjian.surveys.forms import AnswerForm
from gongjian.surveys.models import SurveyCommunity


class SurveyAddressThrottle(KeyedThrottle):
    scope = "survey_answer"


def _link(token: str) -> SurveyCommunity:
    return get_object_or_404(SurveyCommunity.objects.select_related("survey", "community"), token=token)


@no_store
@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    link = _link(token)
    survey = link.survey
    closed = services.period_problem(survey)
    if closed:
        return render(request, "surveys/closed.html", {"link": link, "message": closed}, status=410)
    if request.method == "GET" and services.already_answered(survey, device_id(request)):
        message = _("This survey has already been answered from this phone or with this number.")
        return render(request, "surveys/closed.html", {"link": link, "message": message})
    questions = list(survey.questions.all())
    form = AnswerForm(request.POST or None, questions=questions)
    status = 200
    if request.method == "POST":
        if not allowed(SurveyAddressThrottle, request, keyed_hash("address", client_ip(request))):
            return render(request, "residents/throttled.html", {"what": _("answers")}, status=429)
        if form.is_valid():
            try:
                services.response_submit(
                    link=link, answers=form.answers(), device_id=device_id(request), phone=form.cleaned_data["phone"]
                )
            except Conflict as conflict:
                return render(request, "surveys/closed.html", {"link": link, "message": conflict.message}, status=409)
            response = render(request, "surveys/thanks.html", {"link": link})
            return with_device(request, response)
        status = 400
    return render(request, "surveys/answer.html", {"link": link, "form": form}, status=status)


def qr(request, token: str, fmt: str):
    """The community's link as a QR code (SVG to print, PNG to paste), made here, never fetched."""
    link = _link(token)
    url = request.build_absolute_uri(reverse("surveys:answer", args=[link.token]))
    code = segno.make(url, error="m")
    out = io.BytesIO()
    if fmt == "svg":
        code.save(out, kind="svg", scale=8, border=2, xmldecl=True)
        content_type = "image/svg+xml"
    elif fmt == "png":
        code.save(out, kind="png", scale=8, border=2)
        content_type = "image/png"
    else:
        raise Http404
    response = HttpResponse(out.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="survey-{link.survey_id}-{link.community_id}.{fmt}"'
    return response
