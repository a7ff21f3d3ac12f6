"""Reads of assessments, scoped through the access module.

Who sees what: the city office and city leaders see every sheet; a street sees the sheets of its
units; a community or compound sees its own sheet (and those of its subtree). Once a month is
published, everyone with assessment access also sees the rankings (unit, score rate and rank) and
the red flags — "published rankings say so" — but still not other units' sheets in detail."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone, translation

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import (
    Adjustment,
    Assessment,
    Deduction,
    ItemScore,
    RedFlag,
    RuleItem,
    RuleSet,
    Sanction,
    ScoreSheet,
)
from gongjian.organizations.models import Unit


def _cities(actor: Actor) -> QuerySet[Unit] | None:
    """The cities above the actor's places, first by id (``city_of``); None without a place."""
    from gongjian.organizations.tree import ancestor_ids_sql

    unit_ids = [g.unit_id for g in actor.grants if g.unit_id] or sorted(actor.paired_community_ids)
    if not unit_ids:
        return None
    return Unit.objects.filter(id__in=ancestor_ids_sql(unit_ids), level="city").order_by("id")


def city_of(actor: Actor) -> Unit | None:
    """The city the actor works in (assessments are per city)."""
    cities = _cities(actor)
    return None if cities is None else cities.first()


def rulesets(*, actor: Actor) -> QuerySet[RuleSet]:
    """The rules are public inside the city: everyone assessed by them may read them."""
    city = city_of(actor)
    if city is None or not actor.has_perm(Perm.ASSESSMENT_VIEW):
        return RuleSet.objects.none()
    return RuleSet.objects.filter(city=city).order_by("-effective_from")


def ruleset_get(*, actor: Actor, ruleset_id) -> RuleSet:
    try:
        return rulesets(actor=actor).get(pk=ruleset_id)
    except (RuleSet.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def ruleset_items(ruleset: RuleSet) -> list[RuleItem]:
    return list(ruleset.items.order_by("position", "id"))


def assessments(*, actor: Actor) -> QuerySet[Assessment]:
    """Months whose city the actor belongs to (any unit inside it). The city is a subquery
    (``city_of``'s, in the same statement), not a query of its own."""
    cities = _cities(actor)
    if cities is None or not actor.has_perm(Perm.ASSESSMENT_VIEW):
        return Assessment.objects.none()
    city = Subquery(cities.values("id")[:1])
    return Assessment.objects.filter(city_id=city).select_related("ruleset").order_by("-month")


def assessment_get(*, actor: Actor, month: datetime.date) -> Assessment:
    found = assessments(actor=actor).filter(month=month.replace(day=1)).first()
    if found is None:
        raise Http404
    return found


def sheets_visible(*, actor: Actor, assessment: Assessment) -> QuerySet[ScoreSheet]:
    """Sheets the actor may open in full (their own units' and their subtree's)."""
    return restrict(
        ScoreSheet.objects.filter(assessment=assessment), actor, Perm.ASSESSMENT_VIEW, unit_field="unit"
    ).select_related("unit", "street")


def rankings(
    *, actor: Actor, assessment: Assessment, level: str | None = None, street_id: int | None = None
) -> QuerySet[ScoreSheet]:
    """The ranking table: every sheet once the month is published, else only the visible ones."""
    if assessment.status == AssessmentStatus.PUBLISHED:
        sheets = ScoreSheet.objects.filter(assessment=assessment).select_related("unit", "street")
    else:
        sheets = sheets_visible(actor=actor, assessment=assessment)
    if level:
        sheets = sheets.filter(level=level)
    if street_id:
        sheets = sheets.filter(street_id=street_id)
    return sheets.annotate(adjusted=Sum("adjustments__points")).order_by("level", "rank_city", "unit__code")


def sheet_get(*, actor: Actor, assessment: Assessment, unit_id) -> ScoreSheet:
    return get_scoped_or_404(
        ScoreSheet.objects.filter(assessment=assessment).select_related("unit", "street", "assessment"),
        actor,
        Perm.ASSESSMENT_VIEW,
        unit_field="unit",
        unit_id=unit_id,
    )


def month_sheet_get(*, actor: Actor, month: datetime.date, unit_id) -> ScoreSheet:
    """A unit's sheet of one month of the actor's city, with its assessment (and rule set) loaded:
    what ``assessment_get`` then ``sheet_get`` read, in one query, and 404 whenever either would.
    It knows whether it has adjustments (``has_adjustments``): ``sheet_adjustments`` reads none
    when it has none."""
    cities = _cities(actor)
    if cities is None or not actor.has_perm(Perm.ASSESSMENT_VIEW):
        raise Http404
    sheets = (
        ScoreSheet.objects.filter(
            assessment__city_id=Subquery(cities.values("id")[:1]), assessment__month=month.replace(day=1)
        )
        .select_related("unit", "street", "assessment", "assessment__ruleset")
        .annotate(has_adjustments=Exists(Adjustment.objects.filter(sheet_id=OuterRef("pk"))))
    )
    return get_scoped_or_404(sheets, actor, Perm.ASSESSMENT_VIEW, unit_field="unit", unit_id=unit_id)


def sheet_items(sheet: ScoreSheet) -> list[ItemScore]:
    """Items with their deduction lines (and each line's problem, photo and inspector)."""
    deductions = Deduction.objects.select_related(
        "problem", "problem__category", "problem__reporter", "manual_entry", "manual_entry__author"
    ).prefetch_related("problem__photos")
    return list(
        ItemScore.objects.filter(sheet=sheet)
        .select_related("item", "item__parent")
        .prefetch_related(Prefetch("deductions", queryset=deductions.order_by("id")))
        .order_by("item__position")
    )


def sheet_rule_items(sheet: ScoreSheet) -> list[RuleItem]:
    """The rule items the sheet scored, in the rule set's order (an adjustment's choices)."""
    scored = ItemScore.objects.filter(sheet=sheet).values("item_id")
    return list(RuleItem.objects.filter(pk__in=scored).order_by("position"))


def sheet_adjustments(sheet: ScoreSheet) -> dict:
    """The adjustments recorded after publication and the score and rate they lead to (no query
    for a sheet loaded by ``month_sheet_get`` that has none)."""
    adjustments = []
    if getattr(sheet, "has_adjustments", True):
        adjustments = list(Adjustment.objects.filter(sheet=sheet).select_related("author", "item"))
    adjusted = sum((a.points for a in adjustments), Decimal("0"))
    return {
        "adjustments": adjustments,
        "final_score": sheet.score + adjusted,
        "final_rate": ((sheet.score + adjusted) / sheet.max_score) if sheet.max_score else Decimal("0"),
    }


def sheet_detail(sheet: ScoreSheet) -> dict:
    """Items with their deduction lines, and the adjustments."""
    return {"items": sheet_items(sheet), **sheet_adjustments(sheet)}


def published_items_key(sheet: ScoreSheet, assessment: Assessment) -> str | None:
    """The cache key of a published sheet's items as rendered, or None while the month is open.

    Once a month is published its items, deduction lines, problems' numbers, addresses and photos,
    manual entries and rule items never change (the services refuse; rule sets are frozen); the
    names the lines show can (a category renamed, a person's name corrected), so they are read
    each time and their digest is part of the key, with the publication time (a database restored
    under the same ids), the language and the time zone. Whoever may open the sheet sees the same
    items (the view checks scope first), so the viewer is not part of the key."""
    if assessment.status != AssessmentStatus.PUBLISHED or assessment.published_at is None:
        return None
    names = Deduction.objects.filter(item_score__sheet=sheet).order_by("id")
    names = names.values_list(
        "problem__category__name",
        "problem__reporter__name",
        "problem__reporter__username",
        "manual_entry__author__name",
        "manual_entry__author__username",
    )
    digest = hashlib.sha256(repr(list(names)).encode()).hexdigest()[:20]
    return ":".join(
        [
            "sheet-items",
            str(sheet.pk),
            f"{assessment.published_at.timestamp():.6f}",
            digest,
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
        ]
    )


def sheet_history(*, actor: Actor, unit: Unit, limit: int = 12) -> tuple[list[dict], list[dict]]:
    """A unit's months in one query of its sheets (one a month): the trend of its last ``limit``
    months, oldest first (``{"month": "YYYY-MM", "rate": float, "rank_city": int}``), and the
    months it held a red flag, newest first (``{"month": "YYYY-MM", "published": bool}``)."""
    flagged = RedFlag.objects.filter(sheet_id=OuterRef("pk"))
    rows = list(
        restrict(ScoreSheet.objects.filter(unit=unit), actor, Perm.ASSESSMENT_VIEW, unit_field="unit")
        .annotate(flag=Exists(flagged))
        .order_by("-assessment__month")
        .values_list("assessment__month", "assessment__status", "rate", "rank_city", "flag")
    )
    trend = [
        {"month": f"{month:%Y-%m}", "rate": float(rate), "rank_city": rank}
        for month, _status, rate, rank, _flag in reversed(rows[:limit])
    ]
    flags = [
        {"month": f"{month:%Y-%m}", "published": status == AssessmentStatus.PUBLISHED}
        for month, status, _rate, _rank, flag in rows
        if flag
    ]
    return trend, flags


def red_flags(*, assessment: Assessment) -> QuerySet[RedFlag]:
    return (
        RedFlag.objects.filter(assessment=assessment)
        .select_related("street", "sheet", "sheet__unit")
        .order_by("street__code", "sheet__unit__code")
    )


def red_and_black_lists(*, assessment: Assessment, level: str) -> tuple[list[ScoreSheet], list[ScoreSheet]]:
    """City-wide top and bottom N (N from the rule set)."""
    size = assessment.ruleset.list_size
    sheets = ScoreSheet.objects.filter(assessment=assessment, level=level).select_related("unit", "street")
    top = list(sheets.order_by("rank_city", "unit__code")[:size])
    bottom = list(sheets.order_by("-rate", "unit__code").reverse()[:size])
    return top, bottom


def sanctions(*, assessment: Assessment) -> QuerySet[Sanction]:
    return Sanction.objects.filter(assessment=assessment).select_related("unit").order_by("kind", "unit__code")
