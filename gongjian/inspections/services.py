"""Writes of the rectification loop. Every transition locks the problem row, asks the pure
state machine (``workflow.decide``), and records an audit event with from/to states.

Photos are checked and processed before the transaction opens; their files are written inside it
and deleted again if anything fails, so no file outlives a refused request (``photo_storage``).
The scope columns of problems and their refresh when units move are in ``rescope``."""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.inspections import workflow
from gongjian.inspections.choices import ExtensionStatus, PhotoStage, ProblemStatus, ReviewOutcome
from gongjian.inspections.models import (
    CaseNumberCounter,
    Category,
    Extension,
    Inspection,
    Problem,
    Rectification,
)
from gongjian.inspections.photo_storage import (
    decimal_6,
    files_cleaned_on_failure,
    photos_process,
    store_photos,
)
from gongjian.inspections.rescope import scope_columns_for
from gongjian.inspections.workdays import deadline_for
from gongjian.organizations.models import Unit

RESPONSIBLE_LEVELS = ("compound", "community")


# --- reporting ----------------------------------------------------------------------------


def case_number_next(*, category_code: str, day: datetime.date) -> str:
    """Category code + yyyymmdd + a four-digit sequence, unique under concurrent reports."""
    prefix = f"{category_code}{day:%Y%m%d}"
    counter, _created = CaseNumberCounter.objects.select_for_update().get_or_create(prefix=prefix)
    CaseNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"{prefix}{counter.last:04d}"


def _distance_m(lat1: Decimal, lng1: Decimal, lat2: Decimal, lng2: Decimal) -> float:
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def relapse_origin_find(
    *, category: Category, unit: Unit, found_at: datetime.datetime, latitude=None, longitude=None
) -> Problem | None:
    """The closed problem this one repeats (回潮): same category, same place (the same unit, or
    within RELAPSE_DISTANCE_METERS when both have coordinates), closed within the category's
    relapse window before this one was found. The most recently closed wins."""
    window_start = found_at - datetime.timedelta(days=category.relapse_window_days)
    closed = Problem.objects.filter(
        category=category, status=ProblemStatus.CLOSED, closed_at__gte=window_start, closed_at__lte=found_at
    )
    same_unit = closed.filter(unit=unit).order_by("-closed_at", "-id").first()
    if same_unit is not None or latitude is None or longitude is None:
        return same_unit
    radius = settings.RELAPSE_DISTANCE_METERS
    # A bounding box the index can use, then the exact distance on the few candidates.
    dlat = Decimal(radius / 111_000)
    dlng = Decimal(radius / (111_000 * max(math.cos(math.radians(float(latitude))), 0.01)))
    nearby = closed.filter(
        latitude__range=(latitude - dlat, latitude + dlat), longitude__range=(longitude - dlng, longitude + dlng)
    ).order_by("-closed_at", "-id")
    for candidate in nearby[:50]:
        if _distance_m(latitude, longitude, candidate.latitude, candidate.longitude) <= radius:
            return candidate
    return None


def _check_coordinates(latitude, longitude) -> None:
    if (latitude is None) != (longitude is None):
        raise ValidationError({"lat": _("Give both latitude and longitude, or neither.")})
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationError({"lat": _("The coordinates are out of range.")})


class DuplicateReport(Conflict):
    """The same reporter reported the same problem (unit, category and a photo with the same
    SHA-256) a moment ago — a double tap or a retried upload. ``problem`` is the first report."""

    def __init__(self, problem: Problem):
        super().__init__(
            _("This problem was already reported a moment ago as %(number)s; it was not recorded twice.")
            % {"number": problem.number}
        )
        self.problem = problem


def duplicate_window() -> datetime.timedelta:
    """How far back a report counts as "the same one again" for live submissions."""
    return datetime.timedelta(minutes=settings.PROBLEM_DUPLICATE_WINDOW_MINUTES)


def _same_report_recently(*, user, unit: Unit, category: Category, sha256s: list[str], now, window) -> Problem | None:
    return (
        Problem.objects.filter(
            reporter=user,
            unit=unit,
            category=category,
            created_at__gte=now - window,
            photos__stage=PhotoStage.BEFORE,
            photos__sha256__in=sha256s,
        )
        .exclude(status=ProblemStatus.VOID)
        .order_by("created_at", "id")
        .first()
    )


def problem_report(
    *,
    user,
    category: Category,
    unit: Unit,
    description: str,
    address: str,
    point_type: str,
    photos: Sequence[bytes],
    found_at: datetime.datetime | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    severity: str = "normal",
    inspection: Inspection | None = None,
    now: datetime.datetime | None = None,
    duplicate_within: datetime.timedelta | None = None,
    source: str = "official",
    photos_required: bool = True,
) -> Problem:
    """Record a problem found at a responsible unit, with at least one photo.

    ``duplicate_within`` (live submissions: the page and the API pass ``duplicate_window()``):
    the same reporter reporting the same unit and category with a photo of the same SHA-256
    within that time raises ``DuplicateReport`` naming the first report. Callers replaying
    history (demo, tests) leave it None."""
    actor = actor_for(user)
    now = now or timezone.now()
    if Perm.PROBLEM_REPORT not in perms_at_unit(actor, unit.pk):
        raise ValidationError({"unit": _("You cannot report problems for this unit.")})
    if unit.level not in RESPONSIBLE_LEVELS:
        raise ValidationError({"unit": _("A problem belongs to a compound or a community.")})
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    if not description.strip():
        raise ValidationError({"description": _("Describe the problem.")})
    found_at = found_at or now
    if found_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"found_at": _("The time found cannot be in the future.")})
    _check_coordinates(latitude, longitude)
    # A resident's report accepted by the office may come without a photo (Open311).
    processed = photos_process(photos, required=photos_required)
    if latitude is None:
        located = next((p for p in processed if p.latitude is not None), None)
        if located is not None:
            latitude, longitude = decimal_6(located.latitude), decimal_6(located.longitude)

    local_found = timezone.localtime(found_at)
    deadline = deadline_for(local_found, category.deadline_amount, category.deadline_unit)
    with files_cleaned_on_failure() as written, transaction.atomic():
        # One report at a time per unit (a row lock), so two taps of the same report cannot both
        # pass the duplicate check.
        if duplicate_within is not None:
            Unit.objects.select_for_update().filter(pk=unit.pk).exists()
            first = _same_report_recently(
                user=user,
                unit=unit,
                category=category,
                sha256s=[p.sha256 for p in processed],
                now=timezone.now(),
                window=duplicate_within,
            )
            if first is not None:
                raise DuplicateReport(first)
        problem = Problem.objects.create(
            **scope_columns_for(unit),
            number=case_number_next(category_code=category.code, day=local_found.date()),
            category=category,
            unit=unit,
            inspection=inspection,
            point_type=point_type,
            address=address.strip(),
            latitude=latitude,
            longitude=longitude,
            description=description.strip(),
            severity=severity,
            found_at=found_at,
            reporter=user,
            source=source,
            deadline=deadline,
            original_deadline=deadline,
            relapse_of=relapse_origin_find(
                category=category, unit=unit, found_at=found_at, latitude=latitude, longitude=longitude
            ),
        )
        store_photos(problem=problem, photos=processed, stage=PhotoStage.BEFORE, user=user, written=written)
        # Campaigns (专项整治) running at the time found tag the problem (gongjian/campaigns).
        from gongjian.campaigns.services import problem_tag

        problem_tag(problem)
        audit_record(
            actor=user,
            action="problem.report",
            target=problem,
            to_state=ProblemStatus.OPEN,
            changes={"relapse_of": problem.relapse_of_id} if problem.relapse_of_id else {},
            at=now,
        )
    return problem


# --- transitions ---------------------------------------------------------------------------


def capacity_for(user, problem: Problem) -> workflow.Capacity:
    perms = perms_at_unit(actor_for(user), problem.unit_id)
    return workflow.Capacity(
        responsible=Perm.PROBLEM_RECTIFY in perms,
        inspector=Perm.PROBLEM_REVIEW in perms,
        supervisor=Perm.PROBLEM_EXTEND in perms,
        voider=Perm.PROBLEM_VOID in perms,
    )


def _locked(problem: Problem, expected_version: int | None) -> Problem:
    # Lock the problem row only (not its category, which every problem of the kind shares).
    current = Problem.objects.select_for_update(of=("self",)).select_related("category").get(pk=problem.pk)
    if expected_version is not None and current.version != expected_version:
        raise Conflict(_("This problem has changed since you opened it. Reload the page and try again."))
    return current


def _transition(problem: Problem, user, action: workflow.Action) -> str:
    try:
        return workflow.decide(problem.status, action, capacity_for(user, problem))
    except workflow.TransitionRefused as refused:
        if refused.code == "not_allowed":
            raise NotPermitted(refused.message)
        raise Conflict(refused.message)


def _save_transition(problem: Problem, *, fields: list[str]) -> None:
    problem.version += 1
    problem.save(update_fields=[*fields, "version", "updated_at"])


def rectification_submit(
    *,
    user,
    problem: Problem,
    note: str,
    photos: Sequence[bytes],
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Rectification:
    """The responsible unit reports the problem fixed, with after-photos."""
    if not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    processed = photos_process(photos)
    now = now or timezone.now()
    with files_cleaned_on_failure() as written, transaction.atomic():
        problem = _locked(problem, expected_version)
        before = problem.status
        problem.status = _transition(problem, user, workflow.Action.RECTIFY)
        rectification = Rectification.objects.create(
            problem=problem, note=note.strip(), submitted_by=user, submitted_at=now
        )
        store_photos(
            problem=problem,
            photos=processed,
            stage=PhotoStage.AFTER,
            user=user,
            written=written,
            rectification=rectification,
        )
        problem.submitted_at = now
        _save_transition(problem, fields=["status", "submitted_at"])
        audit_record(
            actor=user,
            action="problem.rectify",
            target=problem,
            from_state=before,
            to_state=problem.status,
            note=rectification.note,
            changes={"late": now > problem.deadline},
            at=now,
        )
    return rectification


def rectification_review(
    *,
    user,
    problem: Problem,
    passed: bool,
    note: str = "",
    photos: Sequence[bytes] = (),
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Problem:
    """An inspector re-checks the rectification: pass closes the case, fail sends it back (返工).
    Photos taken at the re-check (what is still wrong) are kept with the rectification re-checked."""
    processed = photos_process(photos) if photos else []
    with files_cleaned_on_failure() as written, transaction.atomic():
        return _review(
            user=user,
            problem=problem,
            passed=passed,
            note=note,
            photos=processed,
            written=written,
            expected_version=expected_version,
            now=now,
        )


def _review(*, user, problem, passed, note, photos, written, expected_version, now) -> Problem:
    problem = _locked(problem, expected_version)
    before = problem.status
    action = workflow.Action.PASS if passed else workflow.Action.FAIL
    problem.status = _transition(problem, user, action)
    if not passed and not note.strip():
        raise ValidationError({"note": _("Say what is still wrong, so the unit can fix it.")})
    now = now or timezone.now()
    rectification = problem.rectifications.filter(outcome=ReviewOutcome.PENDING).order_by("-submitted_at").first()
    if rectification is not None:
        rectification.outcome = ReviewOutcome.PASSED if passed else ReviewOutcome.FAILED
        rectification.reviewed_by = user
        rectification.reviewed_at = now
        rectification.review_note = note.strip()
        rectification.save(update_fields=["outcome", "reviewed_by", "reviewed_at", "review_note"])
    if photos:
        store_photos(
            problem=problem,
            photos=photos,
            stage=PhotoStage.RECHECK,
            user=user,
            written=written,
            rectification=rectification,
        )
    fields = ["status"]
    if passed:
        problem.closed_at = now
        fields.append("closed_at")
    else:
        problem.rework_count += 1
        fields.append("rework_count")
    _save_transition(problem, fields=fields)
    audit_record(
        actor=user,
        action="problem.review",
        target=problem,
        from_state=before,
        to_state=problem.status,
        note=note.strip(),
        changes={"passed": passed, "photos": len(photos)} if photos else {"passed": passed},
        at=now,
    )
    return problem


@transaction.atomic
def problem_reopen(*, problem: Problem, note: str, actor=None, now: datetime.datetime | None = None) -> Problem:
    """The resident who reported a closed problem says it is not solved (没有解决): it goes back to
    the responsible unit as a rework, counted like a failed re-check, with a new deadline from now;
    the unit rectifies again and an inspector re-checks. Only the holder of the resident's
    follow-up link gets here (gongjian/residents), so the capacity is the complainant's."""
    if not note.strip():
        raise ValidationError({"note": _("Say what is still wrong, so the unit can fix it.")})
    now = now or timezone.now()
    problem = _locked(problem, None)
    before = problem.status
    try:
        problem.status = workflow.decide(problem.status, workflow.Action.REOPEN, workflow.Capacity(complainant=True))
    except workflow.TransitionRefused as refused:
        raise Conflict(refused.message)
    problem.rework_count += 1
    problem.closed_at = None
    problem.deadline = deadline_for(
        timezone.localtime(now), problem.category.deadline_amount, problem.category.deadline_unit
    )
    _save_transition(problem, fields=["status", "rework_count", "closed_at", "deadline"])
    audit_record(
        actor=actor,
        action="problem.reopen",
        target=problem,
        from_state=before,
        to_state=problem.status,
        note=note.strip(),
        changes={"by": "resident"},
        at=now,
    )
    return problem


@transaction.atomic
def problem_void(
    *, user, problem: Problem, reason: str, expected_version: int | None = None, now: datetime.datetime | None = None
) -> Problem:
    """Void a wrong report (作废); the reason is kept."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for voiding.")})
    problem = _locked(problem, expected_version)
    before = problem.status
    problem.status = _transition(problem, user, workflow.Action.VOID)
    problem.void_reason = reason.strip()
    _save_transition(problem, fields=["status", "void_reason"])
    audit_record(
        actor=user,
        action="problem.void",
        target=problem,
        from_state=before,
        to_state=problem.status,
        note=problem.void_reason,
        at=now,
    )
    return problem


@transaction.atomic
def extension_request(
    *,
    user,
    problem: Problem,
    reason: str,
    requested_deadline: datetime.datetime,
    now: datetime.datetime | None = None,
) -> Extension:
    """The responsible unit asks for more time (延期申请)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    problem = _locked(problem, None)
    _transition(problem, user, workflow.Action.REQUEST_EXTENSION)
    if requested_deadline <= problem.deadline:
        raise ValidationError({"requested_deadline": _("The new deadline must be later than the current one.")})
    if problem.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise Conflict(_("An extension request for this problem is already awaiting a decision."))
    extension = Extension.objects.create(
        problem=problem,
        reason=reason.strip(),
        requested_deadline=requested_deadline,
        requested_by=user,
        requested_at=now or timezone.now(),
    )
    audit_record(
        actor=user,
        action="problem.extension_request",
        target=problem,
        from_state=problem.status,
        to_state=problem.status,
        note=extension.reason,
        changes={"requested_deadline": requested_deadline.isoformat()},
        at=extension.requested_at,
    )
    return extension


@transaction.atomic
def extension_decide(
    *, user, extension: Extension, approve: bool, note: str = "", now: datetime.datetime | None = None
) -> Extension:
    """The city office or the street approves or rejects an extension request."""
    problem = _locked(extension.problem, None)
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise Conflict(_("This extension request has already been decided."))
    _transition(problem, user, workflow.Action.DECIDE_EXTENSION)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    extension.decided_by = user
    extension.decided_at = now or timezone.now()
    extension.decision_note = note.strip()
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    changes = {"approved": approve}
    if approve:
        changes["deadline"] = [problem.deadline.isoformat(), extension.requested_deadline.isoformat()]
        problem.deadline = extension.requested_deadline
        _save_transition(problem, fields=["deadline"])
    audit_record(
        actor=user,
        action="problem.extension_decide",
        target=problem,
        from_state=problem.status,
        to_state=problem.status,
        note=extension.decision_note,
        changes=changes,
        at=extension.decided_at,
    )
    return extension


@transaction.atomic
def category_update(*, user, category: Category, **fields) -> Category:
    """The city office edits a category (deadline, relapse window, name...)."""
    allowed = {"name", "group", "legacy_code", "deadline_amount", "deadline_unit", "relapse_window_days", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"category_update() got unexpected fields: {sorted(unknown)}")
    before = {name: getattr(category, name) for name in fields}
    for name, value in fields.items():
        setattr(category, name, value)
    category.full_clean()
    category.save()
    audit_record(
        actor=user,
        action="category.update",
        target=category,
        changes={name: [before[name], value] for name, value in fields.items() if before[name] != value},
    )
    return category


@transaction.atomic
def inspection_create(
    *, user, kind: str, title: str, date: datetime.date, organiser: Unit, inspectors: Sequence, units: Sequence[Unit]
) -> Inspection:
    """Plan or record an inspection round (检查轮次) organised by the city or a street."""
    actor = actor_for(user)
    if Perm.PROBLEM_REPORT not in perms_at_unit(actor, organiser.pk):
        raise ValidationError({"organiser": _("You cannot organise inspections for this unit.")})
    if not title.strip():
        raise ValidationError({"title": _("Give the inspection a title.")})
    if not units:
        raise ValidationError({"units": _("Choose the units the inspection covers.")})
    inspection = Inspection.objects.create(kind=kind, title=title.strip(), date=date, organiser=organiser)
    inspection.inspectors.set(inspectors)
    inspection.units.set(units)
    audit_record(actor=user, action="inspection.create", target=inspection)
    return inspection
