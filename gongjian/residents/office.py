"""The office's side: the moderation queue (scoped: out of area is 404), a report's decision
(accept, merge, reject), abuse alerts, and Open311 application keys (city office)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.exporters import private_image_response
from gongjian.core.privacy import no_store
from gongjian.inspections.models import Category, Problem
from gongjian.organizations.models import Unit
from gongjian.residents import selectors, services
from gongjian.residents.choices import ReportStatus
from gongjian.residents.forms import AcceptForm, KeyForm, MergeForm, RejectForm
from gongjian.residents.models import Open311Application, ResidentPhoto


def _may_moderate(actor) -> None:
    if not actor.has_perm(Perm.RESIDENT_MODERATE):
        raise Http404


@login_required
def queue(request):
    actor = actor_for(request.user)
    _may_moderate(actor)
    status = request.GET.get("status", ReportStatus.PENDING)
    if status not in ReportStatus.values:
        status = ReportStatus.PENDING
    reports = selectors.moderation_queue(actor=actor, status=status)[:200]
    if status == ReportStatus.PENDING:
        reports = selectors.with_priority(reports)
    return render(
        request,
        "residents/queue.html",
        {
            "reports": reports,
            "status": status,
            "statuses": ReportStatus.choices,
            "alerts": selectors.alerts_for(actor=actor)[:20],
        },
    )


def _forms(actor, report, data=None):
    units = selectors.candidate_units(actor=actor, report=report)
    categories = Category.objects.filter(is_active=True)
    accept = AcceptForm(
        data if data and data.get("action") == "accept" else None,
        units=units,
        categories=categories,
        initial={"category": str(report.resident_category.category_id), "unit": str(report.unit_id)},
    )
    merge = MergeForm(data if data and data.get("action") == "merge" else None)
    reject = RejectForm(data if data and data.get("action") == "reject" else None)
    return accept, merge, reject


@login_required
@no_store
@require_http_methods(["GET", "POST"])
def detail(request, pk: int):
    actor = actor_for(request.user)
    report = selectors.report_get(actor=actor, report_id=pk)
    accept, merge, reject = _forms(actor, report, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        form = {"accept": accept, "merge": merge, "reject": reject}.get(action)
        if form is not None and form.is_valid():
            try:
                if action == "accept":
                    unit = get_object_or_404(Unit, pk=form.cleaned_data["unit"])
                    problem = services.report_accept(
                        user=request.user,
                        report=report,
                        unit=unit,
                        category=get_object_or_404(Category, pk=form.cleaned_data["category"]),
                        point_type=form.cleaned_data["point_type"],
                        severity=form.cleaned_data["severity"],
                    )
                    messages.success(request, _("Accepted as problem %(number)s.") % {"number": problem.number})
                elif action == "merge":
                    problem = (
                        restrict(Problem.objects.all(), actor, Perm.PROBLEM_VIEW)
                        .filter(number=form.cleaned_data["number"].strip())
                        .first()
                    )
                    if problem is None:
                        raise ValidationError({"number": _("No such problem in your area.")})
                    services.report_merge(user=request.user, report=report, problem=problem)
                    messages.success(request, _("Merged into problem %(number)s.") % {"number": problem.number})
                else:
                    services.report_reject(user=request.user, report=report, reason=form.cleaned_data["reason"])
                    messages.success(request, _("Rejected; the resident can read the reason."))
                return redirect("residents:queue")
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except (Conflict, NotPermitted) as refused:
                form.add_error(None, str(refused))
    nearby = selectors.nearby_problems(
        resident_category=report.resident_category,
        latitude=report.latitude,
        longitude=report.longitude,
        community=report.unit if report.unit.level == "community" else None,
    )
    return render(
        request,
        "residents/detail.html",
        {
            "report": report,
            "photos": list(report.photos.all()),
            "nearby": nearby,
            "accept_form": accept,
            "merge_form": merge,
            "reject_form": reject,
        },
        status=400 if any(f.errors for f in (accept, merge, reject)) else 200,
    )


@login_required
def report_photo(request, pk: int, photo_id: int, kind: str):
    report = selectors.report_get(actor=actor_for(request.user), report_id=pk)
    return private_image_response(get_object_or_404(ResidentPhoto, report=report, pk=photo_id), kind)


@login_required
@require_POST
def alert_reject_held(request, pk: int):
    alert = selectors.alert_get(actor=actor_for(request.user), alert_id=pk)
    count = services.held_reject_all(user=request.user, alert=alert)
    messages.success(request, _("%(n)s held reports rejected.") % {"n": count})
    return redirect("residents:queue")


def _key_manager(request):
    actor = actor_for(request.user)
    cities = restrict(Unit.objects.filter(level="city"), actor, Perm.OPEN311_MANAGE, unit_field="id")
    if not actor.is_superuser and not cities.exists():
        raise Http404


@login_required
@no_store
@require_http_methods(["GET", "POST"])
def keys(request):
    _key_manager(request)
    form = KeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            app, new_key = services.application_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error.message_dict.get("name"))
        else:
            messages.success(
                request, _("Key issued to %(name)s. Copy it now: it is not shown again.") % {"name": app.name}
            )
            form = KeyForm()
    return render(
        request,
        "residents/keys.html",
        {"form": form, "new_key": new_key, "applications": Open311Application.objects.all()},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def key_revoke(request, pk: int):
    _key_manager(request)
    app = get_object_or_404(Open311Application, pk=pk)
    try:
        services.application_revoke(user=request.user, application=app)
    except Conflict as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The key of %(name)s is revoked.") % {"name": app.name})
    return redirect("residents:keys")
