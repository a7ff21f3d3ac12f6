"""Score sheets: a unit's sheet for a month, manual entries and adjustments."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for
from gongjian.assessments import selectors, services
from gongjian.assessments.choices import (
    AssessmentStatus,
    DeductionSource,
    Indicator,
)
from gongjian.assessments.forms import (
    AdjustmentForm,
    ManualEntryForm,
)
from gongjian.assessments.models import Deduction, ManualEntry
from gongjian.assessments.views.common import (
    MANUAL_METHODS,
    _label,
    _month,
    _pct,
    _require,
)
from gongjian.core.errors import Conflict, NotPermitted, errors_onto_form

# --- score sheets -----------------------------------------------------------------------------


def _deduction_view(line: Deduction) -> Deduction:
    """What the sheet shows of a deduction line: its problem's first before-photo, and a rate
    line's indicator named in words."""
    line.before_photo = None
    if line.problem_id:
        line.before_photo = next((p for p in line.problem.photos.all() if p.stage == "before"), None)
    line.reason_display = line.reason
    if line.source == DeductionSource.RATE:
        code, _space, rest = line.reason.partition(" ")
        if code in Indicator.values:
            line.reason_display = f"{Indicator(code).label} {rest}"
    return line


def _sheet_context(request, actor, assessment, sheet, *, manual_form=None, adjustment_form=None) -> dict:
    detail = selectors.sheet_detail(sheet)
    published = assessment.status == AssessmentStatus.PUBLISHED
    can_manage = actor.has_perm(Perm.ASSESSMENT_MANAGE)
    entries = {
        e.item_id: e
        for e in ManualEntry.objects.filter(assessment=assessment, unit=sheet.unit).select_related("author")
    }
    groups = OrderedDict()
    manual_items = []
    for row in detail["items"]:
        row.lost = row.points - row.score
        row.lines = [_deduction_view(d) for d in row.deductions.all()]
        row.is_manual = row.item.method in MANUAL_METHODS
        entry = entries.get(row.item_id)
        row.pending = (
            entry
            if entry is not None
            and not published
            and (assessment.computed_at is None or entry.updated_at > assessment.computed_at)
            else None
        )
        if row.is_manual:
            manual_items.append(row.item)
        parent = row.item.parent
        groups.setdefault(parent.pk if parent else None, {"parent": parent, "rows": []})["rows"].append(row)
    for group in groups.values():
        group["points"] = sum((r.points for r in group["rows"]), Decimal("0"))
        group["score"] = sum((r.score for r in group["rows"]), Decimal("0"))
    items = [row.item for row in detail["items"]]
    may_enter = can_manage and not published
    may_adjust = can_manage and published
    if may_enter and manual_form is None:
        wanted = request.GET.get("item", "")
        manual_form = ManualEntryForm(items=manual_items, initial={"item": wanted} if wanted else None)
    if may_adjust and adjustment_form is None:
        adjustment_form = AdjustmentForm(items=items)
    trend = selectors.unit_trend(actor=actor, unit=sheet.unit)
    history = [
        flag
        for flag in selectors.flag_history(unit=sheet.unit)
        if flag.assessment.status == AssessmentStatus.PUBLISHED or can_manage
    ]
    adjusted = detail["final_score"] - sheet.score
    return {
        "assessment": assessment,
        "sheet": sheet,
        "published": published,
        "groups": list(groups.values()),
        "adjustments": detail["adjustments"],
        "adjusted": adjusted,
        "final_score": detail["final_score"],
        "rate_pct": _pct(sheet.rate),
        "final_rate_pct": _pct(detail["final_rate"]),
        "pending_count": sum(1 for g in groups.values() for r in g["rows"] if r.pending),
        "manual_form": manual_form if may_enter and manual_items else None,
        "adjustment_form": adjustment_form if may_adjust else None,
        "can_manage": can_manage,
        "flag_history": history,
        "trend": {
            "months": [t["month"] for t in trend],
            "rates": [round(t["rate"] * 100, 2) for t in trend],
            "ranks": [t["rank_city"] for t in trend],
            "urls": [
                reverse("assessments:sheet", kwargs={"month": t["month"], "unit_id": sheet.unit_id}) for t in trend
            ],
            "current": _label(assessment.month),
            "labels": {"rate": _("Score rate (%)"), "rank": _("Rank in the city")},
        },
    }


def _sheet_for(request, month: str, unit_id: int):
    actor = actor_for(request.user)
    assessment = selectors.assessment_get(actor=actor, month=_month(month))
    sheet = selectors.sheet_get(actor=actor, assessment=assessment, unit_id=unit_id)
    return actor, assessment, sheet


@login_required
def sheet_detail(request, month: str, unit_id: int):
    actor, assessment, sheet = _sheet_for(request, month, unit_id)
    return render(request, "assessments/sheet.html", _sheet_context(request, actor, assessment, sheet))


def _sheet_url(assessment, sheet) -> str:
    return reverse("assessments:sheet", kwargs={"month": _label(assessment.month), "unit_id": sheet.unit_id})


def _sheet_write(request, actor, assessment, sheet, form, write, *, saved: str, anchor: str, form_name: str):
    """One change to a sheet from its page: the service's refusals on the form (400, the sheet shown
    again), 403 when not permitted, a conflict as a message; done, back to the sheet at ``anchor``."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(_sheet_url(assessment, sheet))
        else:
            messages.success(request, saved)
            return redirect(_sheet_url(assessment, sheet) + anchor)
    context = _sheet_context(request, actor, assessment, sheet, **{form_name: form})
    return render(request, "assessments/sheet.html", context, status=400)


@login_required
@require_POST
def sheet_manual_entry(request, month: str, unit_id: int):
    actor, assessment, sheet = _sheet_for(request, month, unit_id)
    _require(actor, Perm.ASSESSMENT_MANAGE)
    items = [s.item for s in sheet.items.select_related("item") if s.item.method in MANUAL_METHODS]

    def write(data):
        services.manual_entry_set(
            user=request.user,
            assessment=assessment,
            unit=sheet.unit,
            item=next(i for i in items if str(i.pk) == data["item"]),
            score=data["score"],
            reason=data["reason"],
            evidence=data["evidence"],
        )

    return _sheet_write(
        request,
        actor,
        assessment,
        sheet,
        ManualEntryForm(request.POST, request.FILES, items=items),
        write,
        saved=_("Score saved. Recompute the month to bring it into the results."),
        anchor="#manual",
        form_name="manual_form",
    )


@login_required
@require_POST
def sheet_adjust(request, month: str, unit_id: int):
    actor, assessment, sheet = _sheet_for(request, month, unit_id)
    _require(actor, Perm.ASSESSMENT_MANAGE)
    items = [s.item for s in sheet.items.select_related("item")]

    def write(data):
        services.adjustment_add(
            user=request.user,
            sheet=sheet,
            points=data["points"],
            reason=data["reason"],
            item=next((i for i in items if str(i.pk) == data["item"]), None),
        )

    return _sheet_write(
        request,
        actor,
        assessment,
        sheet,
        AdjustmentForm(request.POST, items=items),
        write,
        saved=_("The adjustment is recorded on the sheet."),
        anchor="#adjustments",
        form_name="adjustment_form",
    )
