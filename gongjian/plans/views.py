"""Pages of work plans: the list (with the city's templates), a plan with its tasks and Gantt
view, the owner's "my plan tasks", and the forms that change them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, perms_at_unit, restrict
from gongjian.accounts.models import Membership
from gongjian.assessments.models import RuleItem
from gongjian.core.errors import NotPermitted
from gongjian.core.views import error_403
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestry
from gongjian.plans import gantt, selectors, services
from gongjian.plans.choices import SPEECH_CRITICISM
from gongjian.plans.forms import CopyTemplateForm, PlanForm, PlanPartsForm, ProgressForm, TaskForm
from gongjian.plans.models import Plan
from gongjian.plans.schedule import ScheduleError


def _manageable_units(actor):
    return restrict(
        Unit.objects.filter(level__in=[UnitLevel.CITY, UnitLevel.STREET, UnitLevel.COMMUNITY]),
        actor,
        Perm.PLAN_MANAGE,
        unit_field="id",
    ).order_by("level", "code", "id")


def _year(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) == 4 else None


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


@login_required
def plan_index(request):
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.PLAN_VIEW):
        raise Http404
    year = _year(request.GET.get("year"))
    plans = list(selectors.plan_list(actor=actor, year=year).prefetch_related("tasks"))
    units = list(_manageable_units(actor))
    form = PlanForm(
        units=units,
        can_issue_templates=any(u.level == UnitLevel.CITY for u in units),
        initial={"year": year or timezone.localdate().year},
    )
    return render(
        request,
        "plans/plan_list.html",
        {
            "plans": plans,
            "templates": selectors.template_list(actor=actor),
            "year": year,
            "form": form if units else None,
            "criticism": SPEECH_CRITICISM,
        },
    )


@login_required
@require_POST
def plan_create(request):
    actor = actor_for(request.user)
    units = list(_manageable_units(actor))
    form = PlanForm(request.POST, units=units, can_issue_templates=any(u.level == UnitLevel.CITY for u in units))
    if form.is_valid():
        data = form.cleaned_data
        unit = next(u for u in units if u.pk == data["unit"])
        try:
            plan = services.plan_create(
                actor=request.user,
                unit=unit,
                year=data["year"],
                kind=data["kind"],
                title=data["title"],
                goals=data["goals"],
                requirements=data["requirements"],
                measures=data["measures"],
                starts_on=data["starts_on"],
                target_date=data["target_date"],
                is_template=data.get("is_template", False),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("plans:detail", plan.pk)
    return render(request, "plans/plan_form.html", {"form": form}, status=400)


def _plan_context(request, plan: Plan, **extra):
    actor = actor_for(request.user)
    tasks = list(selectors.plan_tasks(plan=plan))
    can_manage = Perm.PLAN_MANAGE in perms_at_unit(actor, plan.unit_id)
    try:
        schedule = services.plan_schedule(plan)
        schedule_error = ""
    except ScheduleError as error:
        schedule, schedule_error = None, str(error)
    today = timezone.localdate()
    scale = None
    rows = []
    if plan.target_date:
        scale = gantt.axis([t.latest_start for t in tasks if t.latest_start], plan.target_date, today=today)
    for task in tasks:
        row = {"task": task, "bar": None}
        if scale and task.latest_start and task.latest_finish:
            row["bar"] = gantt.bar(scale, task.latest_start, task.latest_finish)
        rows.append(row)
    names = {str(t.pk): t.name for t in tasks}
    city_id = ancestry(plan.unit_id).get(UnitLevel.CITY)
    rule_items = RuleItem.objects.filter(ruleset__city_id=city_id, children__isnull=True).order_by(
        "-ruleset__effective_from", "position", "id"
    )[:300]
    owners = list(  # a person with two roles in the unit is offered once
        {
            m.user_id: m.user
            for m in Membership.objects.filter(unit_id=plan.unit_id, is_active=True)
            .select_related("user")
            .order_by("id")
        }.values()
    )
    context = {
        "plan": plan,
        "rows": rows,
        "scale": scale,
        "schedule": schedule,
        "schedule_error": schedule_error,
        "critical_names": [names[k] for k in schedule.critical_path] if schedule else [],
        "can_manage": can_manage,
        "criticism": SPEECH_CRITICISM,
        "rule_item_count": sum(1 for t in tasks if t.rule_item_id),
        "year_plans": selectors.plans_of_three_year(actor=actor, plan=plan) if plan.kind == "three_year" else [],
        "parts_form": PlanPartsForm(
            initial={
                k: getattr(plan, k) for k in ("title", "goals", "requirements", "measures", "starts_on", "target_date")
            }
        ),
        "task_form": TaskForm(tasks=tasks, owners=owners, rule_items=rule_items),
        "copy_form": CopyTemplateForm(
            units=list(_manageable_units(actor).filter(level=UnitLevel.COMMUNITY)), initial={"year": plan.year}
        )
        if plan.is_template
        else None,
    }
    context.update(extra)
    return context


@login_required
def plan_detail(request, pk):
    plan = selectors.plan_get(actor=actor_for(request.user), plan_id=pk)
    return render(request, "plans/plan_detail.html", _plan_context(request, plan))


def _plan_for_change(request, pk) -> Plan:
    plan = selectors.plan_get(actor=actor_for(request.user), plan_id=pk)
    if Perm.PLAN_MANAGE not in perms_at_unit(actor_for(request.user), plan.unit_id):
        raise NotPermitted(_("You cannot change the plans of this unit."))
    return plan


@login_required
@require_POST
def plan_edit(request, pk):
    try:
        plan = _plan_for_change(request, pk)
    except NotPermitted:
        return error_403(request)
    form = PlanPartsForm(request.POST)
    if form.is_valid():
        try:
            services.plan_update(actor=request.user, plan=plan, **form.cleaned_data)
        except (ValidationError, ScheduleError) as error:
            messages.error(request, _error_text(error) if isinstance(error, ValidationError) else str(error))
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("plans:detail", plan.pk)
    return render(request, "plans/plan_detail.html", _plan_context(request, plan, parts_form=form), status=400)


@login_required
@require_POST
def task_create(request, pk):
    try:
        plan = _plan_for_change(request, pk)
    except NotPermitted:
        return error_403(request)
    context = _plan_context(request, plan)
    form = TaskForm(
        request.POST,
        tasks=[r["task"] for r in context["rows"]],
        owners=[],
        rule_items=RuleItem.objects.none(),
    )
    # The choices are those the page offered.
    form.fields["owner"].choices = context["task_form"].fields["owner"].choices
    form.fields["rule_item"].choices = context["task_form"].fields["rule_item"].choices
    if form.is_valid():
        data = form.cleaned_data
        tasks = {r["task"].pk: r["task"] for r in context["rows"]}
        try:
            services.task_add(
                actor=request.user,
                plan=plan,
                name=data["name"],
                duration=data["duration"],
                owner=Membership.objects.filter(unit_id=plan.unit_id, user_id=data["owner"], is_active=True)
                .first()
                .user
                if data["owner"]
                else None,
                predecessors=[tasks[p] for p in data.get("predecessors", [])],
                rule_item=RuleItem.objects.get(pk=data["rule_item"]) if data["rule_item"] else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The task is added and the plan rescheduled."))
            return redirect("plans:detail", plan.pk)
    context["task_form"] = form
    return render(request, "plans/plan_detail.html", context, status=400)


@login_required
@require_POST
def task_progress(request, pk):
    actor = actor_for(request.user)
    task = selectors.task_get(actor=actor, task_id=pk)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Progress is a whole number from 0 to 100."))
        return redirect("plans:detail", task.plan_id)
    try:
        services.task_progress(actor=request.user, task=task, progress=form.cleaned_data["progress"])
    except NotPermitted:
        return error_403(request)
    messages.success(request, _("Progress recorded."))
    if request.POST.get("next") == "mine":
        return redirect("plans:mine")
    return redirect("plans:detail", task.plan_id)


@login_required
@require_POST
def template_copy(request, pk):
    actor = actor_for(request.user)
    template = selectors.plan_get(actor=actor, plan_id=pk)
    if not template.is_template:
        raise Http404
    units = list(_manageable_units(actor).filter(level=UnitLevel.COMMUNITY))
    form = CopyTemplateForm(request.POST, units=units)
    if form.is_valid():
        unit = next(u for u in units if u.pk == form.cleaned_data["unit"])
        try:
            plan = services.plan_copy_template(
                actor=request.user, template=template, unit=unit, year=form.cleaned_data["year"]
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The template is copied; adapt it to your community."))
            return redirect("plans:detail", plan.pk)
    return render(request, "plans/plan_detail.html", _plan_context(request, template, copy_form=form), status=400)


@login_required
def my_tasks(request):
    actor = actor_for(request.user)
    tasks = list(selectors.tasks_of(actor=actor, user=request.user)[:500])
    overdue = [t for t in tasks if t.is_overdue]
    return render(
        request,
        "plans/my_tasks.html",
        {"overdue": overdue, "tasks": [t for t in tasks if not t.is_overdue], "today": timezone.localdate()},
    )
