"""Helpers shared by the assessment pages: months in URLs, percentages, permission and form errors."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

from gongjian.accounts.access import Perm
from gongjian.assessments.choices import DeductionSource
from gongjian.assessments.models import Deduction, ManualEntry
from gongjian.core.inputs import month_in_range, month_range_message
from gongjian.organizations.choices import UnitLevel

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


# --- helpers ----------------------------------------------------------------------------------


def _require(actor, perm: Perm) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


def _apply_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _month(value: str) -> datetime.date:
    """``2026-05`` → 1 May 2026; anything else is a page that does not exist."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match:
        raise Http404
    try:
        month = datetime.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise Http404 from None
    if not month_in_range(month):
        raise BadRequest(month_range_message())
    return month


def _label(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _pct(rate) -> Decimal:
    return (Decimal(rate) * HUNDRED).quantize(CENT)


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _sees_whole_city(actor, assessment) -> bool:
    return actor.sees_everything(Perm.ASSESSMENT_VIEW) or assessment.city_id in actor.root_unit_ids(
        Perm.ASSESSMENT_VIEW
    )


def _unscored(assessment_ids: list[int], *by: str) -> list[dict]:
    """Manual (and evidence) items left without a score: lines the last computation marked
    "not assessed" for which no score has been entered since, counted (``n``) by the fields ``by``."""
    if not assessment_ids:
        return []
    entered = ManualEntry.objects.filter(
        assessment_id=OuterRef("item_score__sheet__assessment_id"),
        unit_id=OuterRef("item_score__sheet__unit_id"),
        item_id=OuterRef("item_score__item_id"),
    )
    rows = (
        Deduction.objects.filter(
            item_score__sheet__assessment_id__in=assessment_ids, source=DeductionSource.NOT_ASSESSED
        )
        .filter(~Exists(entered))
        .values(*by)
        .annotate(n=Count("id"))
        .order_by(*by)
    )
    return list(rows)


_BY_MONTH = "item_score__sheet__assessment_id"
_BY_UNIT = ("item_score__sheet__unit__code", "item_score__sheet__unit_id", "item_score__sheet__unit__name")


def _level_label(level: str) -> str:
    return str(UnitLevel(level).label) if level in UnitLevel.values else level


def fonts_refusal(fmt: str) -> str:
    """Why a PDF cannot be made here (the shipped fonts are missing), in the reader's language."""
    from gongjian.core.fonts import FontsMissing, require

    if fmt == "pdf":
        try:
            require()
        except FontsMissing as missing:
            return missing.message
    return ""
