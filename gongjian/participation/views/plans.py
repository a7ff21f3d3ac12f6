"""Pages of activity plans (方案): the plan of an activity (write and submit it; approve or return
it from the level above; a held activity's plan against what happened) and the street's list of
plans waiting for its decision."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongjian.accounts.access import actor_for
from gongjian.core.errors import Conflict, NotPermitted, errors_onto_form
from gongjian.participation import activity_plans, selectors
from gongjian.participation.choices import ActivityStatus, PlanStatus
from gongjian.participation.models import ActivityPlan


class PlanForm(forms.Form):
    aim = forms.CharField(label=gettext_lazy("Aim"), widget=forms.Textarea(attrs={"rows": 2}))
    schedule = forms.CharField(label=gettext_lazy("Time"), max_length=200)
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200)
    people = forms.CharField(label=gettext_lazy("People"), widget=forms.Textarea(attrs={"rows": 2}))
    expected_attendance = forms.IntegerField(label=gettext_lazy("Expected attendance"), min_value=1, max_value=100_000)
    budget = forms.DecimalField(label=gettext_lazy("Budget (yuan)"), min_value=0, max_digits=10, decimal_places=2)
    safety = forms.CharField(label=gettext_lazy("Safety"), widget=forms.Textarea(attrs={"rows": 2}))
    publicity = forms.CharField(label=gettext_lazy("Publicity"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


def _plan_of(activity) -> ActivityPlan | None:
    return ActivityPlan.objects.filter(activity=activity).select_related("submitted_by", "decided_by").first()


@login_required
def activity_plan(request, pk: int):
    actor = actor_for(request.user)
    activity = selectors.activity_get(actor=actor, activity_id=pk)
    plan = _plan_of(activity)
    can_submit = activity.status == ActivityStatus.PLANNED and activity_plans.can_submit(actor, activity)
    initial = (
        {f: getattr(plan, f) for f in [*activity_plans.TEXT_FIELDS, "expected_attendance", "budget"]}
        if plan
        else {"place": activity.place}
    )
    form = PlanForm(request.POST or None, initial=initial) if can_submit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                activity_plans.plan_submit(
                    user=request.user, activity=activity, data=activity_plans.PlanIn(**form.cleaned_data)
                )
            except ValidationError as error:
                errors_onto_form(form, error)
            except Conflict as conflict:
                form.add_error(None, conflict.message)
            except NotPermitted as refusal:
                raise PermissionDenied(str(refusal.message))
            else:
                messages.success(request, _("The plan is submitted for approval."))
                return redirect("participation:activity-plan", pk=pk)
    comparison = (
        activity_plans.plan_vs_held(activity, plan)
        if plan and activity.status in (ActivityStatus.HELD, ActivityStatus.ARCHIVED)
        else []
    )
    return render(
        request,
        "participation/activity_plan.html",
        {
            "activity": activity,
            "plan": plan,
            "form": form,
            "can_decide": plan is not None
            and plan.status == PlanStatus.SUBMITTED
            and activity_plans.can_decide(actor, activity),
            "refusal": activity_plans.hold_refusal(activity) if activity.status == ActivityStatus.PLANNED else None,
            "comparison": comparison,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def activity_plan_decide(request, pk: int):
    actor = actor_for(request.user)
    activity = selectors.activity_get(actor=actor, activity_id=pk)
    plan = _plan_of(activity)
    if plan is None:
        messages.error(request, _("This activity has no plan yet."))
        return redirect("participation:activity-plan", pk=pk)
    try:
        activity_plans.plan_decide(
            user=request.user,
            plan=plan,
            approve=request.POST.get("decision") == "approve",
            comment=request.POST.get("comment", ""),
        )
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(request, _("The decision is recorded."))
    return redirect("participation:activity-plan", pk=pk)


@login_required
def plans_awaiting(request):
    actor = actor_for(request.user)
    return render(
        request, "participation/plans_awaiting.html", {"plans": list(activity_plans.plans_awaiting(actor=actor))}
    )
