"""Writes of the assessment: rule sets, months, manual scores, computation, publication and
adjustments. Each is audited; a published month changes only through adjustments."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.assessments import calendar_rules, engine, scoring
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import (
    Adjustment,
    Assessment,
    Deduction,
    ItemScore,
    ManualEntry,
    RedFlag,
    RuleItem,
    RuleSet,
    Sanction,
    ScoreSheet,
)
from gongjian.assessments.rulespec import RuleSetSpec
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.models import AuditEvent
from gongjian.inspections.selectors import month_bounds
from gongjian.organizations.models import Unit


def _require(user, perm: Perm, unit: Unit) -> None:
    if perm not in perms_at_unit(actor_for(user), unit.pk):
        raise NotPermitted(_("You are not allowed to do this for %(unit)s.") % {"unit": unit})


@transaction.atomic
def ruleset_create(*, user, city: Unit, spec: RuleSetSpec) -> RuleSet:
    """Store a checked rule set (see ``rulespec.parse_ruleset``) as a new version."""
    _require(user, Perm.ASSESSMENT_MANAGE, city)
    if RuleSet.objects.filter(city=city, effective_from=spec.effective_from).exists():
        raise ValidationError(
            {
                "effective_from": _("A rule set already takes effect in %(month)s.")
                % {"month": f"{spec.effective_from:%Y-%m}"}
            }
        )
    if RuleSet.objects.filter(city=city, version=spec.version).exists():
        raise ValidationError({"version": _("Version %(v)s already exists.") % {"v": spec.version}})
    ruleset = RuleSet.objects.create(city=city, version=spec.version, created_by=user, **_header(spec))
    _write_items(ruleset, spec)
    audit_record(actor=user, action="ruleset.create", target=ruleset, to_state=f"v{ruleset.version}")
    return ruleset


HEADER_FIELDS = [
    "name",
    "effective_from",
    "total_points",
    "overdue_deduction",
    "rework_deduction",
    "relapse_deduction",
    "fold_into_monthly_from",
    "levels",
    "flag_level",
    "red_flag_threshold",
    "list_size",
    "policy",
]
ITEM_FIELDS = [
    "name",
    "points",
    "frequency",
    "level",
    "method",
    "per_occurrence",
    "categories",
    "grades",
    "indicator",
    "threshold",
    "per_point",
]


def _header(spec: RuleSetSpec) -> dict:
    return {name: getattr(spec, name) for name in HEADER_FIELDS}


def _item_values(item) -> dict:
    values = {name: getattr(item, name) for name in ITEM_FIELDS}
    values["grades"] = [str(g) for g in item.grades]
    return values


def _norm(value):
    """A value as compared to tell what an edit changed: 4 == 4.00 == "4"."""
    if isinstance(value, (list, tuple)):
        return tuple(_norm(v) for v in value)
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    if isinstance(value, str):
        try:
            return Decimal(value).normalize()
        except ArithmeticError:
            return value
    return value


def _write_items(ruleset: RuleSet, spec: RuleSetSpec) -> dict[str, list]:
    """Make the rule set's items those of the spec, matched by code: kept items are updated in
    place (their ids, and so the sheets' links to them, stay), new ones created, missing ones
    removed. Returns the codes added, changed and removed."""
    existing = {item.code: item for item in RuleItem.objects.filter(ruleset=ruleset)}
    wanted = {item.code for item in spec.items}
    removed = sorted(set(existing) - wanted)
    in_use = sorted(
        ManualEntry.objects.filter(item__ruleset=ruleset, item__code__in=removed)
        .values_list("item__code", flat=True)
        .distinct()
    )
    if in_use:
        raise ValidationError(
            _("Items %(codes)s have manual scores entered; keep them, or create a new version.")
            % {"codes": "、".join(in_use)}
        )
    report = {"added": [], "changed": [], "removed": removed}
    for position, item in enumerate(spec.items):
        values = {**_item_values(item), "position": position}
        current = existing.get(item.code)
        if current is None:
            existing[item.code] = RuleItem.objects.create(ruleset=ruleset, code=item.code, **values)
            report["added"].append(item.code)
            continue
        before = {name: _norm(getattr(current, name)) for name in ITEM_FIELDS}
        for name, value in values.items():
            setattr(current, name, value)
        current.save()
        if any(before[name] != _norm(getattr(current, name)) for name in ITEM_FIELDS):
            report["changed"].append(item.code)
    for item in spec.items:
        node = existing[item.code]
        parent = existing[item.parent] if item.parent else None
        if node.parent_id != (parent.pk if parent else None):
            node.parent = parent
            node.save(update_fields=["parent"])
            if item.code not in report["added"] and item.code not in report["changed"]:
                report["changed"].append(item.code)
    if removed:
        gone = [existing[code].pk for code in removed]
        # Lines and item scores of (unpublished) computations that used them: those months are stale.
        scores = ItemScore.objects.filter(item_id__in=gone)
        Deduction.objects.filter(item_score__in=scores).delete()
        scores.delete()
        RuleItem.objects.filter(pk__in=gone).update(parent=None)
        RuleItem.objects.filter(pk__in=gone).delete()
    return report


def ruleset_next_version(*, city: Unit) -> int:
    """The version number a new rule set of the city gets: one more than the highest."""
    return (RuleSet.objects.filter(city=city).aggregate(top=Max("version"))["top"] or 0) + 1


def ruleset_frozen_by(ruleset: RuleSet) -> Assessment | None:
    """The earliest published month scored with the rule set (which freezes it), if any."""
    return Assessment.objects.filter(ruleset=ruleset, status=AssessmentStatus.PUBLISHED).order_by("month").first()


@transaction.atomic
def ruleset_update(*, user, ruleset: RuleSet, spec: RuleSetSpec) -> RuleSet:
    """Correct a rule set in place, while no published month uses it: the months computed with
    it become stale (the audit event is newer than their computation). Its version stays; once a
    published month uses it, it is frozen and a new version is the only way."""
    _require(user, Perm.ASSESSMENT_MANAGE, ruleset.city)
    ruleset = RuleSet.objects.select_for_update().get(pk=ruleset.pk)
    frozen = ruleset_frozen_by(ruleset)
    if frozen is not None:
        raise Conflict(
            _(
                "Rule set %(ruleset)s is frozen: the published month %(month)s was scored with it. "
                "Create a new version instead."
            )
            % {"ruleset": ruleset, "month": f"{frozen.month:%Y-%m}"}
        )
    if spec.effective_from != ruleset.effective_from:
        if Assessment.objects.filter(ruleset=ruleset).exists():
            raise ValidationError(
                {"effective_from": _("Months are already assessed with this rule set: its first month cannot move.")}
            )
        if (
            RuleSet.objects.filter(city=ruleset.city, effective_from=spec.effective_from)
            .exclude(pk=ruleset.pk)
            .exists()
        ):
            raise ValidationError(
                {
                    "effective_from": _("A rule set already takes effect in %(month)s.")
                    % {"month": f"{spec.effective_from:%Y-%m}"}
                }
            )
    before = {name: _norm(getattr(ruleset, name)) for name in HEADER_FIELDS}
    for name, value in _header(spec).items():
        setattr(ruleset, name, value)
    ruleset.save()
    items = _write_items(ruleset, spec)
    changed = [name for name in HEADER_FIELDS if before[name] != _norm(getattr(ruleset, name))]
    months = list(
        Assessment.objects.filter(ruleset=ruleset, status=AssessmentStatus.COMPUTED).values_list("month", flat=True)
    )
    audit_record(
        actor=user,
        action="ruleset.update",
        target=ruleset,
        to_state=f"v{ruleset.version}",
        changes={"fields": changed, **items, "stale_months": [f"{m:%Y-%m}" for m in months]},
    )
    return ruleset


def ruleset_in_force(*, city: Unit, month: datetime.date) -> RuleSet | None:
    return RuleSet.objects.filter(city=city, effective_from__lte=month).order_by("-effective_from").first()


@transaction.atomic
def assessment_create(
    *, user, city: Unit, month: datetime.date, force_reason: str = "", today: datetime.date | None = None
) -> Assessment:
    """Open a month with the rule set in force then. Not before the month starts, unless the city
    office gives a reason (recorded on the month, audited, printed on the sheet and bulletin)."""
    _require(user, Perm.ASSESSMENT_MANAGE, city)
    month = month.replace(day=1)
    decision = calendar_rules.open_decision(month=month, today=today or timezone.localdate(), force_reason=force_reason)
    if not decision.allowed:
        raise ValidationError({"month": decision.message})
    ruleset = ruleset_in_force(city=city, month=month)
    if ruleset is None:
        raise ValidationError({"month": _("No rule set is in force in %(month)s.") % {"month": f"{month:%Y-%m}"}})
    reason = force_reason.strip() if decision.forced else ""
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(city=city, month=month, ruleset=ruleset, early_open_reason=reason)
    except IntegrityError:
        raise Conflict(_("The assessment of %(month)s already exists.") % {"month": f"{month:%Y-%m}"})
    audit_record(
        actor=user, action="assessment.create", target=assessment, to_state=AssessmentStatus.DRAFT, note=reason
    )
    return assessment


def _lock(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("ruleset").get(pk=assessment.pk)


def _sync(given: Assessment, saved: Assessment, fields: list[str]) -> None:
    """The caller's instance shows what the service wrote (the service worked on a locked copy)."""
    if given is not saved:
        for name in fields:
            setattr(given, name, getattr(saved, name))


def _audit_watermark() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@transaction.atomic
def assessment_compute(
    *,
    user,
    assessment: Assessment,
    as_of: datetime.datetime | None = None,
    force_reason: str = "",
    today: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> engine.ComputeSummary:
    """Compute (or recompute) every score sheet of a month that is not yet published.

    Before the month ends this is a month-to-date preview (截至 D 日), which cannot be published,
    unless ``force_reason`` closes the month early (recorded, audited, printed); a month closed
    early stays closed. A month that has not started cannot be computed without a reason either.
    ``progress(done, total)`` is called after each street (for a background task's progress)."""
    _require(user, Perm.ASSESSMENT_MANAGE, assessment.city)
    given, assessment = assessment, _lock(assessment)
    if assessment.status == AssessmentStatus.PUBLISHED:
        raise Conflict(_("This month is published: its results are final. Record a correction as an adjustment."))
    reason = force_reason.strip() or assessment.early_close_reason
    decision = calendar_rules.compute_decision(
        month=assessment.month, today=today or timezone.localdate(), force_reason=reason
    )
    if not decision.allowed:
        raise Conflict(decision.message)
    before = assessment.status
    # What the computation sees: the audit trail up to here (changes after it make the month stale).
    snapshot, watermark = timezone.now(), _audit_watermark()
    as_of = as_of or snapshot
    summary = engine.compute(assessment, as_of=as_of, progress=progress)
    assessment.status = AssessmentStatus.COMPUTED
    assessment.computed_at = snapshot
    assessment.counted_until = min(as_of, month_bounds(assessment.month)[1])
    assessment.audit_watermark = watermark
    assessment.is_preview = decision.preview
    if decision.forced:
        assessment.early_close_reason = reason
    fields = ["status", "computed_at", "counted_until", "audit_watermark", "is_preview", "early_close_reason"]
    assessment.save(update_fields=[*fields, "updated_at"])
    _sync(given, assessment, fields)
    audit_record(
        actor=user,
        action="assessment.compute",
        target=assessment,
        from_state=before,
        to_state=assessment.status,
        changes={
            "sheets": summary.sheets,
            "deductions": summary.deductions,
            "preview": decision.preview,
            "counted_until": assessment.counted_until.isoformat(),
        },
        note=reason if decision.forced else "",
    )
    return summary


@transaction.atomic
def assessment_publish(*, user, assessment: Assessment, today: datetime.date | None = None) -> Assessment:
    """Make the month final and produce the rewards and penalties of the policy. Refused for a
    month that has not ended (unless closed early), a month-to-date preview, and a computation
    that the records have moved past (``freshness``)."""
    from gongjian.assessments.freshness import changes_since_computed

    _require(user, Perm.ASSESSMENT_MANAGE, assessment.city)
    given, assessment = assessment, _lock(assessment)
    if assessment.status == AssessmentStatus.PUBLISHED:
        raise Conflict(_("This month is already published."))
    if assessment.status != AssessmentStatus.COMPUTED:
        raise Conflict(_("Compute the month before publishing it."))
    decision = calendar_rules.publish_decision(
        month=assessment.month,
        today=today or timezone.localdate(),
        computed_as_preview=assessment.is_preview,
        early_close_reason=assessment.early_close_reason,
    )
    if not decision.allowed:
        raise Conflict(decision.message)
    freshness = changes_since_computed(assessment)
    if freshness.stale:
        raise Conflict(
            _("The records changed since the month was computed (%(changes)s). Compute it again before publishing.")
            % {"changes": _("; ").join(f"{c.label}: {c.count}" for c in freshness.changes)}
        )
    _sanctions(assessment)
    assessment.status = AssessmentStatus.PUBLISHED
    assessment.published_at = timezone.now()
    assessment.published_by = user
    assessment.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    _sync(given, assessment, ["status", "published_at", "published_by"])
    audit_record(
        actor=user,
        action="assessment.publish",
        target=assessment,
        from_state=AssessmentStatus.COMPUTED,
        to_state=AssessmentStatus.PUBLISHED,
        note=assessment.early_close_reason,
    )
    return assessment


def _sanctions(assessment: Assessment) -> None:
    policy = assessment.ruleset.policy
    if not policy:
        return
    level = assessment.ruleset.levels
    rates = dict(ScoreSheet.objects.filter(assessment=assessment, level__in=level).values_list("unit_id", "rate"))
    holders = set(RedFlag.objects.filter(assessment=assessment).values_list("sheet__unit_id", flat=True))
    months_back = max((int(rule.get("months", 1)) for rule in policy), default=1) - 1
    previous: dict[int, list[Decimal]] = {}
    earlier = Assessment.objects.filter(
        city=assessment.city, month__lt=assessment.month, status=AssessmentStatus.PUBLISHED
    ).order_by("-month")[:months_back]
    for older in earlier:
        for unit_id, rate in ScoreSheet.objects.filter(assessment=older).values_list("unit_id", "rate"):
            previous.setdefault(unit_id, []).append(rate)
    due = scoring.sanctions_due(policy, rates=rates, flag_holders=holders, previous_rates=previous)
    reasons = {
        "red_flag": _("Holds the red flag of its street this month."),
    }
    Sanction.objects.bulk_create(
        Sanction(
            assessment=assessment,
            unit_id=unit_id,
            kind=kind,
            reason=reasons.get(rule)
            or _("Score rate below %(threshold)s%% for %(months)s month(s) in a row.")
            % {"threshold": Decimal(rule.split(":")[1]) * 100, "months": rule.split(":")[2]},
        )
        for unit_id, kind, rule in due
    )


@transaction.atomic
def manual_entry_set(
    *, user, assessment: Assessment, unit: Unit, item: RuleItem, score: Decimal, reason: str, evidence=None
) -> ManualEntry:
    """An assessor's score for a manual item, with the reason (and optional evidence)."""
    _require(user, Perm.ASSESSMENT_MANAGE, unit)
    assessment = _lock(assessment)
    if assessment.status == AssessmentStatus.PUBLISHED:
        raise Conflict(_("This month is published: its results are final. Record a correction as an adjustment."))
    if item.ruleset_id != assessment.ruleset_id or not item.method:
        raise ValidationError({"item": _("This item is not part of the month's rule set.")})
    if item.method not in ("manual", "evidence"):
        raise ValidationError({"item": _("This item is scored from the records, not by hand.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the score.")})
    if not (Decimal("0") <= score <= item.points):
        raise ValidationError({"score": _("The score must be between 0 and %(points)s.") % {"points": item.points}})
    entry, created = ManualEntry.objects.update_or_create(
        assessment=assessment,
        unit=unit,
        item=item,
        defaults={
            "score": score,
            "reason": reason.strip(),
            "author": user,
            **({"evidence": evidence} if evidence else {}),
        },
    )
    audit_record(
        actor=user,
        action="assessment.manual_score",
        target=assessment,
        note=reason.strip(),
        changes={"unit": unit.pk, "item": item.code, "score": str(score), "new": created},
    )
    return entry


@transaction.atomic
def adjustment_add(
    *, user, sheet: ScoreSheet, points: Decimal, reason: str, item: RuleItem | None = None
) -> Adjustment:
    """A correction to a published sheet: shown on the sheet with its reason, author and time."""
    _require(user, Perm.ASSESSMENT_MANAGE, sheet.unit)
    assessment = _lock(sheet.assessment)
    if assessment.status != AssessmentStatus.PUBLISHED:
        raise Conflict(_("Only a published month takes adjustments; recompute a month that is not yet published."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if points == 0:
        raise ValidationError({"points": _("An adjustment must change the score.")})
    if item is not None and item.ruleset_id != assessment.ruleset_id:
        raise ValidationError({"item": _("This item is not part of the month's rule set.")})
    adjustment = Adjustment.objects.create(
        sheet=sheet, item=item, points=points, reason=reason.strip(), author=user, at=timezone.now()
    )
    audit_record(
        actor=user,
        action="assessment.adjust",
        target=sheet,
        note=adjustment.reason,
        changes={"points": str(points), "item": item.code if item else None},
    )
    return adjustment
