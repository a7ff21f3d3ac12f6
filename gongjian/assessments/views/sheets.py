"""Score sheets: one unit's month, its manual scores and its adjustments after publication."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for
from gongjian.assessments import selectors, services
from gongjian.assessments.choices import AssessmentStatus, DeductionSource, Indicator, Method
from gongjian.assessments.forms import AdjustmentForm, ManualEntryForm
from gongjian.assessments.models import Deduction, ManualEntry
from gongjian.assessments.views.common import _apply_service_errors, _label, _month, _pct, _require
from gongjian.core.errors import Conflict, NotPermitted

MANUAL_METHODS = (Method.MANUAL, Method.EVIDENCE)
# How long a published sheet's rendered items stay in the cache (final: only room decides).
PUBLISHED_ITEMS_SECONDS = 24 * 3600

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


def _sheet_groups(assessment, sheet, *, published: bool) -> tuple[list[dict], list]:
    """The sheet's items grouped under their parent items, with their deduction lines (and, while
    the month is open, the manual scores entered since the computation); the manual items."""
    entries = {}
    if not published:
        entries = {
            e.item_id: e
            for e in ManualEntry.objects.filter(assessment=assessment, unit=sheet.unit).select_related("author")
        }
    groups = OrderedDict()
    manual_items = []
    for row in selectors.sheet_items(sheet):
        row.lost = row.points - row.score
        row.lines = [_deduction_view(d) for d in row.deductions.all()]
        row.is_manual = row.item.method in MANUAL_METHODS
        entry = entries.get(row.item_id)
        row.pending = (
            entry
            if entry is not None and (assessment.computed_at is None or entry.updated_at > assessment.computed_at)
            else None
        )
        if row.is_manual:
            manual_items.append(row.item)
        parent = row.item.parent
        groups.setdefault(parent.pk if parent else None, {"parent": parent, "rows": []})["rows"].append(row)
    for group in groups.values():
        group["points"] = sum((r.points for r in group["rows"]), Decimal("0"))
        group["score"] = sum((r.score for r in group["rows"]), Decimal("0"))
    return list(groups.values()), manual_items


def _sheet_items_html(assessment, sheet, *, key: str | None, published: bool, may_enter: bool) -> tuple[str, int, list]:
    """The "items and deductions" section, its count of pending manual scores and the manual
    items. A published sheet's section is final: rendered once and kept in Django's cache under
    ``key``, ``selectors.published_items_key`` (bench/README.md "What a request costs")."""
    html = cache.get(key) if key else None
    if html is not None:
        return mark_safe(html), 0, []
    groups, manual_items = _sheet_groups(assessment, sheet, published=published)
    html = render_to_string("assessments/_sheet_items.html", {"groups": groups, "may_enter": may_enter})
    if key:
        cache.set(key, html, PUBLISHED_ITEMS_SECONDS)
    pending = sum(1 for g in groups for r in g["rows"] if r.pending)
    return html, pending, manual_items


def _adjustment_fields(sheet, form, *, key: str | None) -> str:
    """The adjustment form's fields as HTML. Blank, on a published sheet, they are final too (the
    item choices come from its frozen rule set; labels in the key's language): rendered once and
    kept beside the items, under their key. A form sent back with errors is rendered each time."""
    blank = form is None
    key = f"{key}:adjust" if key and blank else None
    html = cache.get(key) if key else None
    if html is None:
        if blank:
            form = AdjustmentForm(items=selectors.sheet_rule_items(sheet))
        html = render_to_string("assessments/_adjustment_fields.html", {"form": form})
        if key:
            cache.set(key, html, PUBLISHED_ITEMS_SECONDS)
    return mark_safe(html)


def _sheet_context(request, actor, assessment, sheet, *, manual_form=None, adjustment_form=None) -> dict:
    published = assessment.status == AssessmentStatus.PUBLISHED
    can_manage = actor.has_perm(Perm.ASSESSMENT_MANAGE)
    detail = selectors.sheet_adjustments(sheet)
    may_enter = can_manage and not published
    may_adjust = can_manage and published
    key = selectors.published_items_key(sheet, assessment)
    items_html, pending_count, manual_items = _sheet_items_html(
        assessment, sheet, key=key, published=published, may_enter=may_enter
    )
    if may_enter and manual_form is None:
        wanted = request.GET.get("item", "")
        manual_form = ManualEntryForm(items=manual_items, initial={"item": wanted} if wanted else None)
    trend, flags = selectors.sheet_history(actor=actor, unit=sheet.unit)
    history = [flag for flag in flags if flag["published"] or can_manage]
    adjusted = detail["final_score"] - sheet.score
    return {
        "assessment": assessment,
        "sheet": sheet,
        "published": published,
        "items_html": items_html,
        "adjustments": detail["adjustments"],
        "adjusted": adjusted,
        "final_score": detail["final_score"],
        "rate_pct": _pct(sheet.rate),
        "final_rate_pct": _pct(detail["final_rate"]),
        "pending_count": pending_count,
        "manual_form": manual_form if may_enter and manual_items else None,
        "adjustment_fields": _adjustment_fields(sheet, adjustment_form, key=key) if may_adjust else "",
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
    sheet = selectors.month_sheet_get(actor=actor, month=_month(month), unit_id=unit_id)
    return actor, sheet.assessment, sheet


@login_required
def sheet_detail(request, month: str, unit_id: int):
    actor, assessment, sheet = _sheet_for(request, month, unit_id)
    return render(request, "assessments/sheet.html", _sheet_context(request, actor, assessment, sheet))


def _sheet_url(assessment, sheet) -> str:
    return reverse("assessments:sheet", kwargs={"month": _label(assessment.month), "unit_id": sheet.unit_id})


@login_required
@require_POST
def sheet_manual_entry(request, month: str, unit_id: int):
    actor, assessment, sheet = _sheet_for(request, month, unit_id)
    _require(actor, Perm.ASSESSMENT_MANAGE)
    items = [s.item for s in sheet.items.select_related("item") if s.item.method in MANUAL_METHODS]
    form = ManualEntryForm(request.POST, request.FILES, items=items)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.manual_entry_set(
                user=request.user,
                assessment=assessment,
                unit=sheet.unit,
                item=next(i for i in items if str(i.pk) == data["item"]),
                score=data["score"],
                reason=data["reason"],
                evidence=data["evidence"],
            )
        except ValidationError as error:
            _apply_service_errors(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(_sheet_url(assessment, sheet))
        else:
            messages.success(request, _("Score saved. Recompute the month to bring it into the results."))
            return redirect(_sheet_url(assessment, sheet) + "#manual")
    context = _sheet_context(request, actor, assessment, sheet, manual_form=form)
    return render(request, "assessments/sheet.html", context, status=400)


@login_required
@require_POST
def sheet_adjust(request, month: str, unit_id: int):
    actor, assessment, sheet = _sheet_for(request, month, unit_id)
    _require(actor, Perm.ASSESSMENT_MANAGE)
    items = [s.item for s in sheet.items.select_related("item")]
    form = AdjustmentForm(request.POST, items=items)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.adjustment_add(
                user=request.user,
                sheet=sheet,
                points=data["points"],
                reason=data["reason"],
                item=next((i for i in items if str(i.pk) == data["item"]), None),
            )
        except ValidationError as error:
            _apply_service_errors(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(_sheet_url(assessment, sheet))
        else:
            messages.success(request, _("The adjustment is recorded on the sheet."))
            return redirect(_sheet_url(assessment, sheet) + "#adjustments")
    context = _sheet_context(request, actor, assessment, sheet, adjustment_form=form)
    return render(request, "assessments/sheet.html", context, status=400)
