"""Writes of the assessment: rule sets, months, manual scores, computation, publication and
adjustments. Each is audited; a published month changes only through adjustments."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.assessments import engine, scoring
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import (
    Adjustment,
    Assessment,
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
    ruleset = RuleSet.objects.create(
        city=city,
        name=spec.name,
        version=spec.version,
        effective_from=spec.effective_from,
        total_points=spec.total_points,
        overdue_deduction=spec.overdue_deduction,
        rework_deduction=spec.rework_deduction,
        relapse_deduction=spec.relapse_deduction,
        fold_into_monthly_from=spec.fold_into_monthly_from,
        levels=spec.levels,
        flag_level=spec.flag_level,
        red_flag_threshold=spec.red_flag_threshold,
        list_size=spec.list_size,
        policy=spec.policy,
        created_by=user,
    )
    created: dict[str, RuleItem] = {}
    for position, item in enumerate(spec.items):
        created[item.code] = RuleItem.objects.create(
            ruleset=ruleset,
            parent=created.get(item.parent) if item.parent else None,
            code=item.code,
            name=item.name,
            points=item.points,
            frequency=item.frequency,
            level=item.level,
            method=item.method,
            per_occurrence=item.per_occurrence,
            categories=item.categories,
            grades=[str(g) for g in item.grades],
            indicator=item.indicator,
            threshold=item.threshold,
            per_point=item.per_point,
            position=position,
        )
    audit_record(actor=user, action="ruleset.create", target=ruleset, to_state=f"v{ruleset.version}")
    return ruleset


def ruleset_in_force(*, city: Unit, month: datetime.date) -> RuleSet | None:
    return RuleSet.objects.filter(city=city, effective_from__lte=month).order_by("-effective_from").first()


@transaction.atomic
def assessment_create(*, user, city: Unit, month: datetime.date) -> Assessment:
    _require(user, Perm.ASSESSMENT_MANAGE, city)
    month = month.replace(day=1)
    ruleset = ruleset_in_force(city=city, month=month)
    if ruleset is None:
        raise ValidationError({"month": _("No rule set is in force in %(month)s.") % {"month": f"{month:%Y-%m}"}})
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(city=city, month=month, ruleset=ruleset)
    except IntegrityError:
        raise Conflict(_("The assessment of %(month)s already exists.") % {"month": f"{month:%Y-%m}"})
    audit_record(actor=user, action="assessment.create", target=assessment, to_state=AssessmentStatus.DRAFT)
    return assessment


def _lock(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("ruleset").get(pk=assessment.pk)


@transaction.atomic
def assessment_compute(
    *, user, assessment: Assessment, as_of: datetime.datetime | None = None
) -> engine.ComputeSummary:
    """Compute (or recompute) every score sheet of a month that is not yet published."""
    _require(user, Perm.ASSESSMENT_MANAGE, assessment.city)
    assessment = _lock(assessment)
    if assessment.status == AssessmentStatus.PUBLISHED:
        raise Conflict(_("This month is published: its results are final. Record a correction as an adjustment."))
    before = assessment.status
    summary = engine.compute(assessment, as_of=as_of)
    assessment.status = AssessmentStatus.COMPUTED
    assessment.computed_at = timezone.now()
    assessment.save(update_fields=["status", "computed_at", "updated_at"])
    audit_record(
        actor=user,
        action="assessment.compute",
        target=assessment,
        from_state=before,
        to_state=assessment.status,
        changes={"sheets": summary.sheets, "deductions": summary.deductions},
    )
    return summary


@transaction.atomic
def assessment_publish(*, user, assessment: Assessment) -> Assessment:
    """Make the month final and produce the rewards and penalties of the policy."""
    _require(user, Perm.ASSESSMENT_MANAGE, assessment.city)
    assessment = _lock(assessment)
    if assessment.status == AssessmentStatus.PUBLISHED:
        raise Conflict(_("This month is already published."))
    if assessment.status != AssessmentStatus.COMPUTED:
        raise Conflict(_("Compute the month before publishing it."))
    _sanctions(assessment)
    assessment.status = AssessmentStatus.PUBLISHED
    assessment.published_at = timezone.now()
    assessment.published_by = user
    assessment.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_record(
        actor=user,
        action="assessment.publish",
        target=assessment,
        from_state=AssessmentStatus.COMPUTED,
        to_state=AssessmentStatus.PUBLISHED,
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
