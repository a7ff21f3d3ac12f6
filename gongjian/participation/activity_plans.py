"""Activity plans (方案): "对各类活动都要制定方案". A community writes its planned activity's plan
(aim, time, place, people, budget, safety, publicity) and submits it; the level above (the street,
``Perm.ACTIVITY_MANAGE`` at the community's parent) approves it or returns it with a comment.
An activity with ``plan_required`` cannot be held before its plan is approved (the check is in
``services.lifecycle.activity_hold``). Every write is audited."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gongjian.accounts.access import Actor, Perm, actor_for, perms_at_unit, restrict
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.participation.choices import ActivityStatus, PlanStatus
from gongjian.participation.models import Activity, ActivityPlan

TEXT_FIELDS = ("aim", "schedule", "place", "people", "safety", "publicity")
MAX_BUDGET = Decimal("99999999.99")


@dataclass(frozen=True)
class PlanIn:
    aim: str
    schedule: str
    place: str
    people: str
    expected_attendance: int | None
    budget: Decimal | str | None
    safety: str
    publicity: str


def _clean(data: PlanIn) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}
    for name in TEXT_FIELDS:
        text = (getattr(data, name) or "").strip()
        if not text:
            errors[name] = _("This part of the plan is required.")
        elif name in ("schedule", "place") and len(text) > 200:
            errors[name] = _("Longer than %(n)s characters.") % {"n": 200}
        values[name] = text
    if data.expected_attendance is None or not 1 <= int(data.expected_attendance) <= 100_000:
        errors["expected_attendance"] = _("Give how many people are expected (1 to 100,000).")
    else:
        values["expected_attendance"] = int(data.expected_attendance)
    try:
        budget = Decimal(str(data.budget)).quantize(Decimal("0.01"))
        if not Decimal(0) <= budget <= MAX_BUDGET:
            raise InvalidOperation
        values["budget"] = budget
    except (InvalidOperation, ValueError, TypeError):
        errors["budget"] = _("Give the budget in yuan (0 or more).")
    if errors:
        raise ValidationError(errors)
    return values


def can_submit(actor: Actor, activity: Activity) -> bool:
    """The community writes its plan; whoever approves it (the level above) does not, so that no
    one approves a plan of their own."""
    return Perm.ACTIVITY_MANAGE in perms_at_unit(actor, activity.community_id) and not can_decide(actor, activity)


def can_decide(actor: Actor, activity: Activity) -> bool:
    """The level above the community: ACTIVITY_MANAGE at its parent (the street, or the city)."""
    parent_id = activity.community.parent_id
    return parent_id is not None and Perm.ACTIVITY_MANAGE in perms_at_unit(actor, parent_id)


def plan_submit(*, user, activity: Activity, data: PlanIn) -> ActivityPlan:
    """Write (or rewrite) a planned activity's plan and submit it for approval. A rewritten plan,
    approved or returned before, waits for a new decision."""
    if not can_submit(actor_for(user), activity):
        raise NotPermitted(_("You cannot do this for this community."))
    values = _clean(data)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().select_related("community").get(pk=activity.pk)
        if activity.status != ActivityStatus.PLANNED:
            raise Conflict(_("Only a planned activity's plan can be written."))
        now = timezone.now()
        plan = ActivityPlan.objects.filter(activity=activity).first()
        before = plan.status if plan else ""
        plan = plan or ActivityPlan(activity=activity)
        for name, value in values.items():
            setattr(plan, name, value)
        plan.status = PlanStatus.SUBMITTED
        plan.submitted_by, plan.submitted_at = user, now
        plan.decided_by, plan.decided_at, plan.comment = None, None, ""
        plan.save()
        audit_record(
            actor=user,
            action="activity_plan.submit",
            target=plan,
            from_state=before,
            to_state=plan.status,
            changes={k: str(v) for k, v in values.items()},
        )
    return plan


def plan_decide(*, user, plan: ActivityPlan, approve: bool, comment: str = "") -> ActivityPlan:
    """The level above approves the plan or returns it; returning needs a comment saying why."""
    activity = plan.activity
    if not can_decide(actor_for(user), activity):
        raise NotPermitted(_("Only the level above the community approves its activity plans."))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why the plan is returned, so the community can fix it.")})
    if len(comment) > 2000:
        raise ValidationError({"comment": _("Longer than %(n)s characters.") % {"n": 2000}})
    with transaction.atomic():
        plan = ActivityPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.SUBMITTED:
            raise Conflict(_("This plan is not waiting for a decision."))
        before = plan.status
        plan.status = PlanStatus.APPROVED if approve else PlanStatus.RETURNED
        plan.decided_by, plan.decided_at, plan.comment = user, timezone.now(), comment
        plan.save(update_fields=["status", "decided_by", "decided_at", "comment", "updated_at"])
        audit_record(
            actor=user,
            action="activity_plan.approve" if approve else "activity_plan.return",
            target=plan,
            from_state=before,
            to_state=plan.status,
            note=comment,
        )
        if approve:
            collect_from_plan(plan, actor=user)
    return plan


def _plan_text(plan: ActivityPlan) -> str:
    parts = [
        (_("Aim"), plan.aim),
        (_("Time"), plan.schedule),
        (_("Place"), plan.place),
        (_("People"), f"{plan.people}（{plan.expected_attendance}）"),
        (_("Budget (yuan)"), str(plan.budget)),
        (_("Safety"), plan.safety),
        (_("Publicity"), plan.publicity),
    ]
    return "\n".join(f"{label}：{value}" for label, value in parts)


def collect_from_plan(plan: ActivityPlan, *, actor=None):
    """An approved plan files itself in the community's archive as a document record."""
    from gongjian.archives.choices import EvidenceKind, EvidenceSource
    from gongjian.archives.services.collection import _collect, _in_site_language

    @_in_site_language
    def collect():
        return _collect(
            source=EvidenceSource.ACTIVITY_PLAN,
            source_id=plan.pk,
            unit=plan.activity.community,
            kind=EvidenceKind.DOCUMENT,
            title=_("Activity plan: %(title)s") % {"title": plan.activity.title},
            date=timezone.localtime(plan.decided_at or plan.submitted_at).date(),
            text=_plan_text(plan),
            files=[],
            actor=actor,
        )

    return collect()


def hold_refusal(activity: Activity) -> str | None:
    """Why the activity cannot be held yet (its plan is required and not approved), else None."""
    if not activity.plan_required:
        return None
    plan = ActivityPlan.objects.filter(activity_id=activity.pk).first()
    if plan is None:
        return _("This activity needs a plan (方案) approved by the street before it is held: write and submit it.")
    if plan.status == PlanStatus.SUBMITTED:
        return _("This activity's plan (方案) is waiting for the street's approval: it cannot be held yet.")
    if plan.status == PlanStatus.RETURNED:
        return _("This activity's plan (方案) was returned: revise it, submit it again and wait for approval.")
    return None


def plans_awaiting(*, actor: Actor) -> QuerySet[ActivityPlan]:
    """Submitted plans of the communities below the units where the actor approves plans."""
    return (
        restrict(
            ActivityPlan.objects.filter(status=PlanStatus.SUBMITTED),
            actor,
            Perm.ACTIVITY_MANAGE,
            unit_field="activity__community__parent",
        )
        .select_related("activity", "activity__community")
        .order_by("activity__starts_at", "id")
    )


@dataclass(frozen=True)
class Comparison:
    label: str
    planned: str
    happened: str
    differs: bool


def plan_vs_held(activity: Activity, plan: ActivityPlan) -> list[Comparison]:
    """A held activity against its plan: the day, the attendance, the place."""
    planned_day = timezone.localtime(activity.starts_at).date()
    held_day = activity.held_on
    rows = [
        Comparison(
            _("Date"), f"{planned_day:%Y-%m-%d}", f"{held_day:%Y-%m-%d}" if held_day else "—", held_day != planned_day
        ),
        Comparison(
            pgettext("activity plan", "Attendance"),  # a head count here, not the exports' rate
            str(plan.expected_attendance),
            str(activity.attendance) if activity.attendance is not None else "—",
            activity.attendance != plan.expected_attendance,
        ),
        Comparison(_("Place"), plan.place, activity.place, plan.place != activity.place),
    ]
    return rows
