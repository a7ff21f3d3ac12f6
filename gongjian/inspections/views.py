"""Pages of the rectification loop. Thin: forms in, services and selectors called, pages out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.core.errors import Conflict, NotPermitted, errors_onto_form
from gongjian.core.exporters import private_image_response
from gongjian.core.listing import FilteredList
from gongjian.inspections import indicators, selectors, services
from gongjian.inspections.choices import PhotoStage
from gongjian.inspections.exporters import ProblemExcelExporter
from gongjian.inspections.filters import ProblemFilterForm, StatsFilterForm
from gongjian.inspections.forms import (
    ExtensionDecisionForm,
    ExtensionRequestForm,
    InspectionForm,
    VoidForm,
)
from gongjian.inspections.workflow import Action, allowed_actions
from gongjian.organizations.models import Unit
from gongjian.organizations.selectors import unit_get


def _require(actor, perm: Perm) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


PROBLEMS = FilteredList(
    form_class=ProblemFilterForm,
    perm=Perm.PROBLEM_VIEW,
    select=selectors.problem_list,
    template="inspections/problem_list.html",
    exporter=lambda request, problems, filters: ProblemExcelExporter(problems, filters=filters).render(),
    builder="gongjian.inspections.views.problem_export_build",
    export_name=gettext_lazy("Problems"),
    page_rows=lambda problems: problems.only(*selectors.PROBLEM_ROW_FIELDS),
)


def filtered_problems(request):
    """The list's filter form and the rows it selects (the list, export and map share it)."""
    return PROBLEMS.filter(request)


@login_required
def problem_list(request):
    return PROBLEMS.list_response(
        request,
        lambda page: {
            "categories": selectors.categories_active(),
            "can_report": actor_for(request.user).has_perm(Perm.PROBLEM_REPORT),
        },
    )


@login_required
def problem_export(request):
    return PROBLEMS.export(request)


def problem_export_build(request):
    """The export as a background job makes it (gongjian.core.jobs.exports)."""
    return PROBLEMS.build(request)


@login_required
def work_queue(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PROBLEM_VIEW)
    from gongjian.notices.selectors import work_queue_extras
    from gongjian.participation.selectors import activities_overdue

    return render(
        request,
        "inspections/work_queue.html",
        {
            "queue": selectors.work_queue(actor=actor),
            "plans_queue": work_queue_extras(actor=actor, user=request.user),
            "overdue_activities": activities_overdue(actor)[:50],
        },
    )


@login_required
def problem_detail(request, pk: int):
    actor = actor_for(request.user)
    problem = selectors.problem_get(actor=actor, problem_id=pk)
    capacity = services.capacity_for(request.user, problem)
    actions = allowed_actions(problem.status, capacity)
    pending = selectors.pending_extension(problem=problem)
    photos = selectors.problem_photos(problem=problem)  # the page's and the timeline's: one query
    return render(
        request,
        "inspections/problem_detail.html",
        {
            "problem": problem,
            "timeline": selectors.problem_timeline(problem=problem, photos=photos),
            "before_photos": [p for p in photos if p.stage == PhotoStage.BEFORE],
            "after_photos": [p for p in photos if p.stage == PhotoStage.AFTER],
            "can_rectify": Action.RECTIFY in actions,
            "can_review": Action.PASS in actions,
            "can_void": Action.VOID in actions,
            "can_request_extension": Action.REQUEST_EXTENSION in actions and pending is None,
            "can_decide_extension": Action.DECIDE_EXTENSION in actions and pending is not None,
            "pending_extension": pending,
            "void_form": VoidForm(initial={"version": problem.version}),
            "extension_form": ExtensionRequestForm(),
            "decision_form": ExtensionDecisionForm(),
        },
    )


def _transition_view(request, pk: int, form_class, run, *, files: bool = False):
    """Shared shape of the action views: validate, run the service, report back on the page."""
    actor = actor_for(request.user)
    problem = selectors.problem_get(actor=actor, problem_id=pk)
    form = form_class(request.POST, request.FILES if files else None)
    if form.is_valid():
        try:
            run(problem, form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect("problems:detail", pk=pk)
        else:
            messages.success(request, _("Saved."))
            return redirect("problems:detail", pk=pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("problems:detail", pk=pk)


@login_required
@require_POST
def problem_void(request, pk: int):
    return _transition_view(
        request,
        pk,
        VoidForm,
        lambda problem, data: services.problem_void(
            user=request.user, problem=problem, reason=data["reason"], expected_version=data["version"]
        ),
    )


@login_required
@require_POST
def extension_request(request, pk: int):
    def run(problem, data):
        deadline = data["deadline"]
        if timezone.is_naive(deadline):
            deadline = timezone.make_aware(deadline)
        services.extension_request(
            user=request.user, problem=problem, reason=data["reason"], requested_deadline=deadline
        )

    return _transition_view(request, pk, ExtensionRequestForm, run)


@login_required
@require_POST
def extension_decide(request, pk: int):
    def run(problem, data):
        pending = selectors.pending_extension(problem=problem)
        if pending is None:
            raise Conflict(_("There is no extension request awaiting a decision."))
        services.extension_decide(user=request.user, extension=pending, approve=data["approve"], note=data["note"])

    return _transition_view(request, pk, ExtensionDecisionForm, run)


@login_required
def photo(request, pk: int, kind: str):
    """Serve a photo file after checking that the user may see its problem."""
    if kind not in ("full", "thumb"):
        raise Http404
    return private_image_response(selectors.photo_get(actor=actor_for(request.user), photo_id=pk), kind)


@login_required
def problem_stats(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PROBLEM_VIEW)
    form = StatsFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "inspections/stats.html", {"form": form, "invalid": True}, status=400)
    data = form.cleaned_data if request.GET else {}
    month = data.get("month") or timezone.localdate().replace(day=1)
    unit = unit_get(actor=actor, unit_id=data["unit"]) if data.get("unit") else None
    stats = selectors.problem_stats(actor=actor, month=month, unit=unit)
    chart = {
        "categories": [{"name": s.name, "value": s.count} for s in stats.by_category],
        "trend": stats.trend,
        "labels": {"found": _("Found"), "closed": _("Closed")},
    }
    context = {
        "form": form,
        "stats": stats,
        "chart": chart,
        "month": month,
        "definitions": indicators.definitions(),
        "as_of": selectors.as_of_label(stats.as_of_day) if stats.as_of_day else "",
    }
    return render(request, "inspections/stats.html", context)


@login_required
def inspection_list(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PROBLEM_VIEW)
    # Newest first, explicitly: Meta.ordering is not applied to a query with an aggregate.
    rounds = (
        selectors.inspections_visible(actor=actor).annotate(problem_count=Count("problems")).order_by("-date", "-id")
    )
    return render(
        request,
        "inspections/inspection_list.html",
        {
            "page": Paginator(rounds, 30).get_page(request.GET.get("page")),
            "can_create": actor.has_perm(Perm.PROBLEM_REPORT),
        },
    )


@login_required
def inspection_create(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PROBLEM_REPORT)
    scope = restrict(Unit.objects.all(), actor, Perm.PROBLEM_REPORT, unit_field="id")
    organisers = list(scope.filter(level__in=["city", "district", "street"]).order_by("code"))
    units = list(scope.filter(level__in=["street", "community"]).order_by("code"))
    inspectors = list(selectors.inspectors_available(actor=actor))
    form = InspectionForm(request.POST or None, organisers=organisers, inspectors=inspectors, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.inspection_create(
                user=request.user,
                kind=data["kind"],
                title=data["title"],
                date=data["date"],
                organiser=next(u for u in organisers if str(u.pk) == data["organiser"]),
                inspectors=[u for u in inspectors if str(u.pk) in data["inspectors"]],
                units=[u for u in units if str(u.pk) in data["units"]],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("problems:rounds")
    return render(request, "inspections/inspection_form.html", {"form": form}, status=400 if form.errors else 200)
