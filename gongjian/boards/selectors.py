"""Reads of the public board. Only PUBLISHED months ever reach it; what it holds is plain values
(unit, street and category names, ranks, rates and counts — never a person), cached in Django's
cache under a key made of what can change it: the latest published month (and when it was
published), the adjustments to it, the settings' version and the day. A new publication or a
settings change is a new key, so a stale board is never served; closed-problem counts are at most
``BOARD_CACHE_SECONDS`` old."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils import timezone

from gongjian.assessments import selectors as assessment_selectors
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Adjustment, Assessment, ScoreSheet
from gongjian.boards.models import BoardSettings
from gongjian.boards.services import board_settings_for
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Problem
from gongjian.organizations.models import Unit

BOARD_CACHE_SECONDS = 300
RANKING_ROWS = 50  # per level; the rest is counted ("and N more")


def latest_published(city: Unit) -> Assessment | None:
    return (
        Assessment.objects.filter(city=city, status=AssessmentStatus.PUBLISHED)
        .select_related("ruleset")
        .order_by("-month")
        .first()
    )


def cache_key(*, city: Unit, settings: BoardSettings, published: Assessment | None, today: datetime.date) -> str:
    month_part = "none"
    if published is not None:
        last_adjustment = Adjustment.objects.filter(sheet__assessment=published).aggregate(m=Max("id"))["m"] or 0
        stamp = published.published_at.timestamp() if published.published_at else 0
        month_part = f"{published.pk}.{stamp}.{last_adjustment}"
    from gongjian.selections.models import Selection

    final = Selection.objects.filter(city=city, finalised_at__isnull=False).order_by("-finalised_at").first()
    selection_part = f"{final.pk}.{final.finalised_at.timestamp()}" if final else "none"
    return f"boards:{city.pk}:{settings.version}:{month_part}:{selection_part}:{today.isoformat()}"


def _rate(score: Decimal, max_score: Decimal) -> str:
    return f"{(score / max_score * 100):.1f}" if max_score else "0.0"


def _sheet_row(sheet: ScoreSheet, adjusted: Decimal | None = None) -> dict:
    score = sheet.score + (adjusted or Decimal("0"))
    return {
        "rank": sheet.rank_city,
        "unit": sheet.unit.name,
        "street": sheet.street.name if sheet.street_id else "",
        "score": f"{score:.2f}",
        "rate": _rate(score, sheet.max_score),
    }


def _ranking(assessment: Assessment) -> list[dict]:
    out = []
    for level in assessment.ruleset.levels:
        sheets = (
            ScoreSheet.objects.filter(assessment=assessment, level=level)
            .select_related("unit", "street")
            .annotate(adjusted=Sum("adjustments__points"))
            .order_by("rank_city", "unit__code")
        )
        total = sheets.count()
        rows = [_sheet_row(s, s.adjusted) for s in sheets[:RANKING_ROWS]]
        if rows:
            out.append({"level": level, "rows": rows, "more": max(0, total - RANKING_ROWS)})
    return out


def _red_flags(assessment: Assessment) -> list[dict]:
    return [
        {
            "street": flag.street.name,
            "unit": flag.sheet.unit.name,
            "rate": _rate(flag.sheet.score, flag.sheet.max_score),
        }
        for flag in assessment_selectors.red_flags(assessment=assessment).select_related("sheet__unit")
    ]


def _lists(assessment: Assessment) -> dict:
    levels = []
    for level in assessment.ruleset.levels:
        top, bottom = assessment_selectors.red_and_black_lists(assessment=assessment, level=level)
        if top or bottom:
            red, black = [_sheet_row(s) for s in top], [_sheet_row(s) for s in bottom]
            levels.append({"level": level, "red": red, "black": black})
    sanctions = [
        {"kind": s.kind, "unit": s.unit.name, "reason": s.reason}
        for s in assessment_selectors.sanctions(assessment=assessment)
    ]
    return {"levels": levels, "sanctions": sanctions}


def _closed(city: Unit, today: datetime.date) -> dict:
    start = timezone.make_aware(datetime.datetime(today.year, today.month, 1))
    closed = Problem.objects.filter(city=city, status=ProblemStatus.CLOSED, closed_at__gte=start)
    by_category = list(closed.values("category__name").annotate(n=Count("id")).order_by("-n", "category__name"))
    by_street = list(closed.values("street__name").annotate(n=Count("id")).order_by("-n", "street__name"))
    return {
        "month": today.replace(day=1),
        "total": sum(row["n"] for row in by_category),
        "by_category": [{"name": row["category__name"], "n": row["n"]} for row in by_category],
        "by_street": [{"name": row["street__name"] or "", "n": row["n"]} for row in by_street],
    }


def board(city: Unit, *, today: datetime.date | None = None) -> dict:
    """Everything the city's public board shows, as plain values; hidden sections are absent."""
    today = today or timezone.localdate()
    settings = board_settings_for(city)
    published = latest_published(city)
    key = cache_key(city=city, settings=settings, published=published, today=today)
    data = cache.get(key)
    if data is not None:
        return data
    data = {"city": city.name, "month": published.month if published else None}
    if published is not None:
        if settings.show_ranking:
            data["ranking"] = _ranking(published)
        if settings.show_red_flags:
            data["red_flags"] = _red_flags(published)
        if settings.show_lists:
            data["lists"] = _lists(published)
    if settings.show_closed:
        data["closed"] = _closed(city, today)
    data["volunteer_sign_up"] = settings.show_volunteer_sign_up
    if settings.show_winners:
        from gongjian.selections.selectors import latest_winners

        data["winners"] = latest_winners(city)
    cache.set(key, data, BOARD_CACHE_SECONDS)
    return data


def public_cities() -> list[Unit]:
    return list(Unit.objects.filter(level="city").order_by("code").only("id", "name"))
