"""Reads for residents' reports. Office reads are scoped through the access module (out of scope
is 404); public reads go by the follow-up token and show nothing personal."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.core.models import AuditEvent
from gongjian.inspections.choices import PhotoStage, ProblemStatus
from gongjian.inspections.models import Problem, ProblemPhoto
from gongjian.organizations.models import Unit
from gongjian.residents.choices import ReportStatus
from gongjian.residents.models import AbuseAlert, ResidentCategory, ResidentReport

OPEN_STATES = (ProblemStatus.OPEN, ProblemStatus.SUBMITTED)


def token_hash(token: str) -> str:
    return hashlib.sha256(f"resident-report:{token}".encode()).hexdigest()


def report_for_token(token: str) -> ResidentReport:
    """The report a follow-up link points at, else 404 (an unknown token says nothing)."""
    if not token or len(token) > 64:
        raise Http404
    report = (
        ResidentReport.objects.select_related("resident_category", "problem", "problem__category")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if report is None:
        raise Http404
    return report


def distance_m(lat1, lng1, lat2, lng2) -> float:
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def _box(latitude: Decimal, radius_m: float) -> tuple[Decimal, Decimal]:
    dlat = Decimal(radius_m / 111_000)
    dlng = Decimal(radius_m / (111_000 * max(math.cos(math.radians(float(latitude))), 0.01)))
    return dlat, dlng


def locate_unit(latitude: Decimal | None, longitude: Decimal | None) -> Unit:
    """The community nearest to the position (communities with coordinates), else the city."""
    if latitude is not None:
        communities = Unit.objects.filter(level="community", latitude__isnull=False).only(
            "id", "latitude", "longitude", "name", "level", "parent_id"
        )
        best = min(communities, key=lambda u: distance_m(latitude, longitude, u.latitude, u.longitude), default=None)
        if best is not None:
            return best
    city = Unit.objects.filter(level="city").order_by("id").first()
    if city is None:
        raise Http404
    return city


@dataclass(frozen=True)
class Nearby:
    problem: Problem
    distance: int | None
    supports: int


def nearby_problems(
    *, resident_category: ResidentCategory, latitude=None, longitude=None, community: Unit | None = None, limit=5
) -> list[Nearby]:
    """Open problems of the same city category within the category's radius of the position (or,
    without a position, in the chosen community): "是这个问题吗？+1"."""
    base = (
        Problem.objects.filter(category_id=resident_category.category_id, status__in=OPEN_STATES)
        .annotate(n_supports=Count("supports"))
        .only("id", "number", "address", "latitude", "longitude", "found_at", "status", "description")
    )
    if latitude is not None and longitude is not None:
        radius = resident_category.nearby_radius_m
        dlat, dlng = _box(latitude, radius)
        rows = base.filter(
            latitude__range=(latitude - dlat, latitude + dlat), longitude__range=(longitude - dlng, longitude + dlng)
        )[:50]
        found = [(distance_m(latitude, longitude, p.latitude, p.longitude), p) for p in rows]
        found = sorted((d, p) for d, p in found if d <= radius)
        return [Nearby(p, round(d), p.n_supports) for d, p in found[:limit]]
    if community is not None:
        rows = base.filter(community=community).order_by("-found_at")[:limit]
        return [Nearby(p, None, p.n_supports) for p in rows]
    return []


# --- the office ---------------------------------------------------------------------------------


def moderation_queue(*, actor: Actor, status: str = ReportStatus.PENDING):
    queryset = ResidentReport.objects.select_related("resident_category", "unit", "problem")
    if status:
        queryset = queryset.filter(status=status)
    return restrict(queryset, actor, Perm.RESIDENT_MODERATE, unit_field="unit")


def report_get(*, actor: Actor, report_id: int) -> ResidentReport:
    return get_scoped_or_404(
        ResidentReport.objects.select_related("resident_category", "unit", "problem"),
        actor,
        Perm.RESIDENT_MODERATE,
        unit_field="unit",
        pk=report_id,
    )


def with_priority(reports) -> list[ResidentReport]:
    """Each report with ``supports``: the +1 count of the problems near it (priority for the office)."""
    reports = list(reports)
    for report in reports:
        nearby = nearby_problems(
            resident_category=report.resident_category,
            latitude=report.latitude,
            longitude=report.longitude,
            community=report.unit if report.unit.level == "community" else None,
        )
        report.nearby = nearby
        report.supports = sum(n.supports for n in nearby)
    return sorted(reports, key=lambda r: (r.held, -r.supports, r.created_at))


def alerts_for(*, actor: Actor):
    """Abuse alerts are the city office's (an address has no place): shown to whoever moderates at a city."""
    cities = restrict(Unit.objects.filter(level="city"), actor, Perm.RESIDENT_MODERATE, unit_field="id")
    if not cities.exists():
        return AbuseAlert.objects.none()
    return AbuseAlert.objects.filter(acknowledged_by__isnull=True)


def alert_get(*, actor: Actor, alert_id: int) -> AbuseAlert:
    alert = alerts_for(actor=actor).filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    return alert


def candidate_units(*, actor: Actor, report: ResidentReport):
    """Where the office may put the problem: compounds and communities in its area, near the report first."""
    units = restrict(
        Unit.objects.filter(level__in=("community", "compound")), actor, Perm.RESIDENT_MODERATE, unit_field="id"
    )
    if report.unit.level == "community":
        units = units.filter(Q(pk=report.unit_id) | Q(parent_id=report.unit_id)) or units
    return units.order_by("code")[:200]


# --- the resident's page -------------------------------------------------------------------------

_PLAIN = {
    "resident_report.submit": _("You reported it."),
    "resident_report.accepted": _("The office accepted it and passed it to the responsible unit."),
    "resident_report.merged": _("The office found it was already known and joined your report to it."),
    "resident_report.rejected": _("The office did not accept it."),
    "problem.rectify": _("The unit says it is fixed; an inspector will check."),
    "problem.review.closed": _("An inspector checked it: fixed."),
    "problem.review.open": _("An inspector checked it: not good enough, the unit must redo it."),
    "problem.reopen": _("A resident said it is not solved; the unit must redo it."),
    "problem.extension_decide": _("The deadline was reconsidered."),
    "problem.void": _("It was closed without action."),
    "resident_report.answer": _("You answered whether it was solved."),
}


@dataclass(frozen=True)
class Step:
    at: object
    text: str


def timeline(report: ResidentReport) -> list[Step]:
    """What happened, in plain words, from the audit trail (nothing about who did it)."""
    events = list(
        AuditEvent.objects.filter(target_type="residents.residentreport", target_id=str(report.pk)).values(
            "at", "action", "to_state"
        )
    )
    if report.problem_id:
        events += list(
            AuditEvent.objects.filter(
                target_type="inspections.problem",
                target_id=str(report.problem_id),
                at__gte=report.created_at,
            ).values("at", "action", "to_state")
        )
    steps = []
    for event in sorted(events, key=lambda e: e["at"]):
        key = event["action"]
        if key == "problem.review":
            key = f"problem.review.{event['to_state']}"
        text = _PLAIN.get(key)
        if text:
            steps.append(Step(event["at"], text))
    return steps


def after_photos(report: ResidentReport):
    """The after-photos of the last passed rectification, once the problem is closed."""
    problem = report.problem
    if problem is None or problem.status != ProblemStatus.CLOSED:
        return []
    return list(ProblemPhoto.objects.filter(problem=problem, stage=PhotoStage.AFTER).order_by("-uploaded_at")[:3])


def public_after_photo(report: ResidentReport, photo_id: int) -> ProblemPhoto:
    photo = next((p for p in after_photos(report) if p.pk == photo_id), None)
    if photo is None:
        raise Http404
    return photo
