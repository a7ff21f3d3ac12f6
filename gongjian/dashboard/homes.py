"""What each role finds on its home page: one section per active membership, each read through
the access module (``restrict`` with the permission the section is about) and limited to the
membership's own place. docs/homes.md says what each role sees and why."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from gongjian.accounts.access import Actor, Perm, can_on_unit, restrict
from gongjian.accounts.choices import Role
from gongjian.assessments import selectors as assessment_selectors
from gongjian.assessments.choices import AssessmentStatus
from gongjian.dashboard.figures import leader_figures, may_see_overview
from gongjian.inspections.choices import ExtensionStatus, ProblemStatus
from gongjian.inspections.models import Extension, Problem
from gongjian.inspections.selectors import in_subtree
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql

LIST_SIZE = 20


@dataclass
class Section:
    role: str
    role_label: str
    place: str
    template: str
    data: dict = field(default_factory=dict)


def home_sections(*, user, actor: Actor, now: datetime.datetime | None = None) -> list[Section]:
    """One section per active membership, in the order of the roles' reach (city first)."""
    now = timezone.localtime(now or timezone.now())
    order = {role: index for index, role in enumerate(Role.values)}
    memberships = sorted(
        user.memberships.filter(is_active=True).select_related("unit", "cobuild_unit"),
        key=lambda m: (order.get(m.role, 99), m.pk),
    )
    sections, leader_done = [], False
    for membership in memberships:
        builder = _BUILDERS.get(membership.role)
        if builder is None:
            continue
        if membership.role in (Role.CITY_ADMIN, Role.CITY_LEADER):
            if leader_done:  # the summary covers the actor's whole reach once
                continue
            leader_done = True
        section = builder(membership, actor, now)
        if section is not None:
            sections.append(section)
    return sections


def _section(membership, template: str, **data) -> Section:
    place = membership.unit.name if membership.unit_id else membership.cobuild_unit.name
    return Section(membership.role, str(Role(membership.role).label), place, template, data)


def _leader(membership, actor: Actor, now) -> Section | None:
    if not may_see_overview(actor):
        return None
    return _section(membership, "dashboard/home/_leader.html", figures=leader_figures(actor, now=now))


def _inspector(membership, actor: Actor, now) -> Section:
    """Today's list: problems rectified and awaiting the inspector's re-check, by place, so a
    round through the streets takes them in order; the inspector's own finds are marked."""
    problems = in_subtree(
        restrict(Problem.objects.all(), actor, Perm.PROBLEM_REVIEW).filter(status=ProblemStatus.SUBMITTED),
        membership.unit_id,
    )
    rows = list(
        problems.select_related("unit", "category", "community", "street").order_by(
            "street__code", "community__code", "unit__code", "address", "id"
        )[: LIST_SIZE * 2]
    )
    return _section(
        membership,
        "dashboard/home/_inspector.html",
        problems=rows,
        total=problems.count(),
        mine=sum(1 for p in rows if p.reporter_id == membership.user_id),
        unit=membership.unit,
    )


def _queue(membership, actor: Actor, now) -> Section:
    """The community's (or compound's) queue: problems to rectify, the earliest deadline first, so
    the overdue ones lead; and for a community, how complete this month's archive is."""
    problems = in_subtree(
        restrict(Problem.objects.all(), actor, Perm.PROBLEM_RECTIFY).filter(status=ProblemStatus.OPEN),
        membership.unit_id,
    )
    counts = problems.aggregate(total=Count("id"), overdue=Count("id", filter=Q(deadline__lt=now)))
    rows = list(problems.select_related("unit", "category").order_by("deadline", "id")[:LIST_SIZE])
    archive = None
    if membership.role == Role.COMMUNITY_WORKER and can_on_unit(actor, Perm.ARCHIVE_VIEW, membership.unit_id):
        archive = _archive_completeness(membership.unit, now.date())
    return _section(
        membership,
        "dashboard/home/_queue.html",
        problems=rows,
        total=counts["total"],
        overdue=counts["overdue"],
        archive=archive,
        unit=membership.unit,
    )


def _archive_completeness(unit: Unit, today: datetime.date) -> dict:
    from gongjian.archives import periods
    from gongjian.archives.selectors import audit_unit

    period = periods.of(periods.MONTH, today)
    audit = audit_unit(unit, period, today=today)
    return {
        "period": period.code,
        "has_template": audit.has_template,
        "percent": audit.percent,
        "met": audit.met,
        "due": audit.due,
        "points_at_risk": audit.points_at_risk,
        "missing": [s for s in audit.sections if s.due > s.met][:5],
    }


def _street(membership, actor: Actor, now) -> Section:
    """The street's communities side by side: this month's problems still open and overdue, and
    their score and rank in the street in the latest computed month."""
    communities = list(
        restrict(
            Unit.objects.filter(level="community", id__in=subtree_ids_sql([membership.unit_id])),
            actor,
            Perm.UNIT_VIEW,
            unit_field="id",
        ).order_by("code")
    )
    problems = in_subtree(restrict(Problem.objects.all(), actor, Perm.PROBLEM_VIEW), membership.unit_id)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    counts = {
        row["community_id"]: row
        for row in problems.values("community_id").annotate(
            open=Count("id", filter=Q(status=ProblemStatus.OPEN)),
            overdue=Count("id", filter=Q(status=ProblemStatus.OPEN, deadline__lt=now)),
            found=Count("id", filter=Q(found_at__gte=month_start) & ~Q(status=ProblemStatus.VOID)),
        )
    }
    assessment = (
        assessment_selectors.assessments(actor=actor)
        .filter(month__lte=now.date(), status__in=[AssessmentStatus.COMPUTED, AssessmentStatus.PUBLISHED])
        .first()
    )
    sheets = {}
    if assessment is not None:
        sheets = {
            s.unit_id: s
            for s in assessment_selectors.sheets_visible(actor=actor, assessment=assessment).filter(
                unit__in=communities
            )
        }
    rows = []
    for community in communities:
        c = counts.get(community.id, {})
        sheet = sheets.get(community.id)
        rows.append(
            {
                "unit": community,
                "found": c.get("found", 0),
                "open": c.get("open", 0),
                "overdue": c.get("overdue", 0),
                "rate": round(sheet.rate * 100, 1) if sheet else None,
                "rank": sheet.rank_street if sheet else None,
            }
        )
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit"].code))
    extensions = (
        restrict(Extension.objects.all(), actor, Perm.PROBLEM_EXTEND, unit_field="problem__unit")
        .filter(status=ExtensionStatus.PENDING, problem__status=ProblemStatus.OPEN)
        .filter(problem__unit_id__in=subtree_ids_sql([membership.unit_id]))
        .count()
    )
    from gongjian.participation.activity_plans import plans_awaiting

    activity_plans = plans_awaiting(actor=actor).filter(activity__community__parent_id=membership.unit_id).count()
    return _section(
        membership,
        "dashboard/home/_street.html",
        rows=rows,
        month=assessment.month if assessment else None,
        extensions=extensions,
        activity_plans=activity_plans,
        overview=may_see_overview(actor),
        overdue=sum(r["overdue"] for r in rows),
    )


def _liaison(membership, actor: Actor, now) -> Section:
    """The co-construction unit's pairings and what each obliges it to do this year, with what
    has been done by the end of this month against the pro-rata target."""
    from gongjian.participation import selectors as participation

    pairings = list(
        participation.pairings_visible(actor=actor).filter(cobuild_unit_id=membership.cobuild_unit_id).order_by("id")
    )
    lines = participation.obligation_lines(pairings=pairings, month=now.date().replace(day=1))
    rows = [{"pairing": p, "lines": lines.get(p.pk, [])} for p in pairings]
    behind = sum(1 for row in rows for line in row["lines"] if not line.met)
    count = sum(len(row["lines"]) for row in rows)
    return _section(membership, "dashboard/home/_liaison.html", rows=rows, behind=behind, lines=count)


def _volunteer(membership, actor: Actor, now) -> Section:
    """Activities planned in the volunteer's community from now on, the soonest first."""
    from gongjian.participation.choices import ActivityStatus
    from gongjian.participation.models import Activity

    activities = (
        restrict(Activity.objects.all(), actor, Perm.UNIT_VIEW, unit_field="community")
        .filter(community_id__in=subtree_ids_sql([membership.unit_id]))
        .filter(status=ActivityStatus.PLANNED, starts_at__gte=now)
        .select_related("type", "community")
        .order_by("starts_at", "id")[:LIST_SIZE]
    )
    return _section(membership, "dashboard/home/_volunteer.html", activities=list(activities))


_BUILDERS = {
    Role.CITY_ADMIN: _leader,
    Role.CITY_LEADER: _leader,
    Role.STREET_OFFICER: _street,
    Role.COMMUNITY_WORKER: _queue,
    Role.COMPOUND_MANAGER: _queue,
    Role.INSPECTOR: _inspector,
    Role.COBUILD_LIAISON: _liaison,
    Role.VOLUNTEER: _volunteer,
}
