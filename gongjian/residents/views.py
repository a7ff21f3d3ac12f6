"""The residents' pages: 随手拍 (report on a phone, or +1 a known problem), and the follow-up page
reached by the unguessable link. No account; limits per address, device and phone; a captcha."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongjian.core.errors import Conflict
from gongjian.core.exporters import private_image_response
from gongjian.core.inputs import read_upload
from gongjian.core.privacy import no_store
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Problem
from gongjian.organizations.models import Unit
from gongjian.residents import limits, selectors, services
from gongjian.residents.choices import ReportStatus
from gongjian.residents.forms import AnswerForm, ReportForm, SupportForm
from gongjian.residents.limits import device_id, with_device
from gongjian.residents.models import ResidentCategory, ResidentPhoto
from gongjian.residents.privacy import clean_phone, keyed_hash, mask_address


def _categories():
    return list(ResidentCategory.objects.filter(is_active=True).select_related("category"))


def _communities():
    return list(Unit.objects.filter(level="community").order_by("code").only("id", "name"))


def _throttled(request, what: str):
    return render(request, "residents/throttled.html", {"what": what}, status=429)


def _apply(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@no_store
@require_http_methods(["GET", "POST"])
def report_new(request):
    categories, communities = _categories(), _communities()
    form = ReportForm(request.POST or None, request.FILES or None, categories=categories, communities=communities)
    if request.method == "POST":
        address_hash = limits.address_hash(request)
        if not limits.allowed(limits.ReportAddressThrottle, request, address_hash):
            services.abuse_alert_record(
                address_hash=address_hash, address_masked=mask_address(limits.address_of(request)), kind="reports"
            )
            return _throttled(request, _("reports"))
        if request.POST.get("plus_one"):
            return _support(request, form)
        if form.is_valid():
            data = form.cleaned_data
            phone, _problem = clean_phone(data["phone"])
            if not limits.allowed(limits.ReportDeviceThrottle, request, keyed_hash("device", device_id(request))):
                return _throttled(request, _("reports"))
            if not limits.allowed(limits.ReportPhoneThrottle, request, keyed_hash("phone", phone)):
                return _throttled(request, _("reports"))
            category = next(c for c in categories if c.code == data["category"])
            community = next((c for c in communities if str(c.pk) == data["community"]), None)
            try:
                report, token = services.report_submit(
                    resident_category=category,
                    description=data["description"],
                    photos=[read_upload(f) for f in data["photos"] or []],
                    address=data["address"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    community=community,
                    name=data["name"],
                    phone=data["phone"],
                    device_id=device_id(request),
                    address_hash=address_hash,
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(
                    request,
                    _("Thank you. Your report number is %(number)s. Keep this page's link to follow it.")
                    % {"number": report.number},
                )
                return with_device(request, redirect("residents:follow", token=token))
    response = render(
        request,
        "residents/report.html",
        {"form": form, "map_config": _map_config()},
        status=400 if form.errors else 200,
    )
    return with_device(request, response)


def _map_config() -> dict | None:
    """A map to drop a pin on, when the city has a tile server (MAP_TILE_URL; never an outside one)."""
    if not settings.MAP_TILE_URL:
        return None
    centre = (
        Unit.objects.filter(level__in=("city", "community"), latitude__isnull=False).order_by("level", "id").first()
    )
    return {
        "center": [float(centre.latitude), float(centre.longitude)] if centre else [30.0, 120.0],
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
    }


def _support(request, report_form):
    form = SupportForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            report_form.add_error("captcha" if field == "captcha" else None, errors)
        return render(request, "residents/report.html", {"form": report_form, "map_config": _map_config()}, status=400)
    problem = Problem.objects.filter(number=form.cleaned_data["plus_one"]).first()
    if problem is None or problem.status not in selectors.OPEN_STATES:
        raise Http404
    if not limits.allowed(limits.SupportThrottle, request, limits.address_hash(request)):
        return _throttled(request, _("confirmations"))
    try:
        added = services.support_add(
            problem=problem, device_id=device_id(request), address_hash=limits.address_hash(request)
        )
    except Conflict as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Thank you: you confirmed problem %(number)s; it is being dealt with.") % {"number": problem.number}
            if added
            else _("You have already confirmed problem %(number)s.") % {"number": problem.number},
        )
    return with_device(request, redirect("residents:report"))


def nearby(request):
    """The open problems near the place and of the category being reported (an htmx fragment)."""
    category = ResidentCategory.objects.filter(code=request.GET.get("category", ""), is_active=True).first()
    found = []
    if category is not None and limits.allowed(limits.Open311ReadThrottle, request, limits.address_hash(request)):
        form = ReportForm(request.GET, categories=[category], communities=_communities())
        form.is_valid()
        data = form.cleaned_data
        community = (
            Unit.objects.filter(pk=data.get("community") or None, level="community").first()
            if data.get("community")
            else None
        )
        found = selectors.nearby_problems(
            resident_category=category,
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            community=community,
        )
    return render(request, "residents/_nearby.html", {"nearby": found})


@no_store
def follow(request, token: str):
    report = selectors.report_for_token(token)
    problem = report.problem
    answered = (
        problem is not None
        and problem.closed_at is not None
        and report.answers.filter(closed_at=problem.closed_at).exists()
    )
    ask = problem is not None and problem.status == ProblemStatus.CLOSED and not answered
    context = {
        "report": report,
        "token": token,
        "steps": selectors.timeline(report),
        "photos": list(report.photos.all()),
        "after_photos": selectors.after_photos(report),
        "public_status": _public_status(report),
        "ask": ask,
        "answer_form": AnswerForm(),
        "answers": list(report.answers.order_by("created_at")),
    }
    return render(request, "residents/follow.html", context)


def _public_status(report) -> str:
    if report.status == ReportStatus.PENDING:
        return _("Waiting for the office to look at it")
    if report.status == ReportStatus.REJECTED:
        return _("Not accepted")
    status = report.problem.status
    return {
        ProblemStatus.OPEN: _("Being fixed by the responsible unit"),
        ProblemStatus.SUBMITTED: _("Fixed; waiting for an inspector's check"),
        ProblemStatus.CLOSED: _("Fixed and checked by an inspector"),
        ProblemStatus.VOID: _("Closed without action"),
    }[status]


@require_POST
def answer(request, token: str):
    report = selectors.report_for_token(token)
    if not limits.allowed(limits.SupportThrottle, request, limits.address_hash(request)):
        return _throttled(request, _("answers"))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.followup_answer(report=report, answer=form.cleaned_data["answer"], note=form.cleaned_data["note"])
        except ValidationError as error:
            messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
        except Conflict as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Thank you for your answer."))
    else:
        messages.error(request, _("Choose an answer."))
    return redirect(reverse("residents:follow", args=[token]))


def photo(request, token: str, photo_id: int, kind: str):
    """The resident's own photos (re-encoded without EXIF) and, once closed, the after-photos."""
    report = selectors.report_for_token(token)
    record = ResidentPhoto.objects.filter(report=report, pk=photo_id).first()
    if record is None:
        raise Http404
    return private_image_response(record, kind)


def after_photo(request, token: str, photo_id: int, kind: str):
    report = selectors.report_for_token(token)
    return private_image_response(selectors.public_after_photo(report, photo_id), kind)
