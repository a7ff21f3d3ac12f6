"""Pages of the monthly assessment: rule sets, months, rankings and score sheets.

Thin, like every page of the project: forms check shape, services write (and decide what is
allowed), selectors read (and decide what is visible). Out-of-scope months and sheets are 404;
a role that may not manage assessments gets 403; a conflict (a published month is final) is a
message and a redirect."""

from __future__ import annotations

import datetime
import json
import re
from collections import OrderedDict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for
from gongjian.assessments import calendar_rules, importexport, selectors, services
from gongjian.assessments.choices import (
    LOWER_IS_BETTER,
    AssessmentStatus,
    DeductionSource,
    Indicator,
    Method,
    SanctionKind,
)
from gongjian.assessments.forms import (
    AdjustmentForm,
    AssessmentCreateForm,
    ManualEntryForm,
    PublishForm,
    RankingFilterForm,
    RuleSetImportForm,
)
from gongjian.assessments.freshness import changes_since_computed
from gongjian.assessments.models import Deduction, ManualEntry
from gongjian.assessments.rulespec import RuleSetInvalid, parse_ruleset
from gongjian.assessments.scoring import DEFAULT_GRADES
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.exporters import ExportResult, download_response
from gongjian.core.inputs import month_in_range, month_range_message
from gongjian.inspections.selectors import categories_active
from gongjian.organizations.choices import UnitLevel

MANUAL_METHODS = (Method.MANUAL, Method.EVIDENCE)
# How long a published sheet's rendered items stay in the cache (final: only room decides).
PUBLISHED_ITEMS_SECONDS = 24 * 3600
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


# --- months -----------------------------------------------------------------------------------


def _month_list_page(request, actor, form, *, status: int = 200):
    can_manage = actor.has_perm(Perm.ASSESSMENT_MANAGE)
    page = Paginator(selectors.assessments(actor=actor), 24).get_page(request.GET.get("page"))
    months = list(page)
    computed = [m.pk for m in months if m.status == AssessmentStatus.COMPUTED] if can_manage else []
    unscored = {row["item_score__sheet__assessment_id"]: row["n"] for row in _unscored(computed, _BY_MONTH)}
    for month in months:
        month.unscored = unscored.get(month.pk, 0)
    if not form.is_bound:  # suggest the month after the latest one
        latest = months[0].month if months and page.number == 1 else None
        form.initial["month"] = _next_month(latest) if latest else timezone.localdate().replace(day=1)
    return render(
        request,
        "assessments/month_list.html",
        {
            "page": page,
            "months": months,
            "form": form,
            "can_manage": can_manage,
            "can_see_rules": actor.has_perm(Perm.ASSESSMENT_MANAGE) or selectors.rulesets(actor=actor).exists(),
        },
        status=status,
    )


@login_required
def month_list(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ASSESSMENT_VIEW)
    return _month_list_page(request, actor, AssessmentCreateForm())


@login_required
@require_POST
def month_create(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ASSESSMENT_MANAGE)
    city = selectors.city_of(actor)
    if city is None:
        raise PermissionDenied
    form = AssessmentCreateForm(request.POST)
    if form.is_valid():
        try:
            assessment = services.assessment_create(
                user=request.user,
                city=city,
                month=form.cleaned_data["month"],
                force_reason=form.cleaned_data.get("force_reason") or "",
            )
        except ValidationError as error:
            _apply_service_errors(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect("assessments:months")
        else:
            messages.success(
                request,
                _("The assessment of %(month)s is created, scored with %(ruleset)s.")
                % {"month": _label(assessment.month), "ruleset": assessment.ruleset},
            )
            return redirect("assessments:months")
    return _month_list_page(request, actor, form, status=400)


@login_required
@require_POST
def month_compute(request, month: str):
    """Queue the month's computation (assessments.tasks) and follow it on the job's page; its
    refusals (published, not started) become the job's message."""
    from gongjian.assessments import tasks

    actor = actor_for(request.user)
    assessment = selectors.assessment_get(actor=actor, month=_month(month))
    _require(actor, Perm.ASSESSMENT_MANAGE)
    back = _next_or(request, reverse("assessments:months"))
    force_reason = request.POST.get("force_reason", "")[:500]
    job = tasks.compute_request(user=request.user, assessment=assessment, force_reason=force_reason, back=back)
    return redirect("jobs:detail", pk=job.pk)


@login_required
def month_publish(request, month: str):
    """Publication is final, so it has its own page: what is about to be published, what is still
    missing, and a box to tick."""
    actor = actor_for(request.user)
    assessment = selectors.assessment_get(actor=actor, month=_month(month))
    _require(actor, Perm.ASSESSMENT_MANAGE)
    if assessment.status == AssessmentStatus.PUBLISHED:
        messages.info(request, _("This month is already published."))
        return redirect("assessments:month", month=_label(assessment.month))
    if assessment.status != AssessmentStatus.COMPUTED:
        messages.error(request, _("Compute the month before publishing it."))
        return redirect("assessments:months")
    form = PublishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_publish(user=request.user, assessment=assessment)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect("assessments:publish", month=_label(assessment.month))
        messages.success(request, _("%(month)s is published.") % {"month": _label(assessment.month)})
        return redirect("assessments:month", month=_label(assessment.month))
    freshness = changes_since_computed(assessment)
    counts = assessment.sheets.aggregate(
        sheets=Count("id", distinct=True),
        deductions=Count("items__deductions", filter=~Q(items__deductions__points=0)),
    )
    return render(
        request,
        "assessments/publish_confirm.html",
        {
            "assessment": assessment,
            "form": form,
            "sheets": counts["sheets"],
            "deductions": counts["deductions"],
            "unscored": sum(row["n"] for row in _unscored([assessment.pk], _BY_MONTH)),
            "freshness": freshness,
            "refusal": _publish_refusal(assessment, freshness),
            "can_manage": True,
            "flags": selectors.red_flags(assessment=assessment).count(),
        },
        status=400 if form.errors else 200,
    )


def _publish_refusal(assessment, freshness) -> str:
    """Why the month cannot be published now (the service says the same when asked), or ""."""
    decision = calendar_rules.publish_decision(
        month=assessment.month,
        today=timezone.localdate(),
        computed_as_preview=assessment.is_preview,
        early_close_reason=assessment.early_close_reason,
    )
    if not decision.allowed:
        return decision.message
    if freshness.stale:
        return _("The records changed since the month was computed. Compute it again before publishing.")
    return ""


def _streets_of(rows) -> list:
    streets = OrderedDict()
    for row in rows:
        if row.street_id and row.street_id not in streets:
            streets[row.street_id] = row.street
    return sorted(streets.values(), key=lambda s: s.code)


@login_required
def month_detail(request, month: str):
    actor = actor_for(request.user)
    assessment = selectors.assessment_get(actor=actor, month=_month(month))
    ruleset = assessment.ruleset
    published = assessment.status == AssessmentStatus.PUBLISHED
    whole_city = _sees_whole_city(actor, assessment)
    show_results = published or whole_city
    can_manage = actor.has_perm(Perm.ASSESSMENT_MANAGE)

    levels = [(level, _level_label(level)) for level in ruleset.levels]
    filters = RankingFilterForm(request.GET or None, levels=levels)
    choice = filters.cleaned_data if filters.is_valid() else {}
    level = choice.get("level") or levels[0][0]
    view = choice.get("view") or "city"
    rows = list(selectors.rankings(actor=actor, assessment=assessment, level=level))
    streets = _streets_of(rows)
    street_id = choice.get("street")
    if street_id:
        rows = [r for r in rows if r.street_id == street_id]
    openable = (
        None
        if whole_city
        else set(selectors.sheets_visible(actor=actor, assessment=assessment).values_list("unit_id", flat=True))
    )
    for row in rows:
        row.rate_pct = _pct(row.rate)
        row.can_open = openable is None or row.unit_id in openable
        row.mine = openable is not None and row.can_open
        row.final = row.score + (row.adjusted or 0)
    groups = []
    if view == "street":
        by_street = OrderedDict()
        for row in sorted(rows, key=lambda r: (r.street.code if r.street else "~", r.rank_street or 0, r.unit.code)):
            by_street.setdefault(row.street_id, {"street": row.street, "rows": []})["rows"].append(row)
        groups = list(by_street.values())

    flags, lists, sanctions = [], [], []
    if show_results:
        # Holders of one street's flag share its best rate (ties all hold it): one card per street.
        by_street = OrderedDict()
        for flag in selectors.red_flags(assessment=assessment):
            card = by_street.setdefault(
                flag.street_id, {"street": flag.street, "rate_pct": _pct(flag.sheet.rate), "holders": []}
            )
            flag.sheet.can_open = openable is None or flag.sheet.unit_id in openable
            card["holders"].append(flag.sheet)
        flags = list(by_street.values())
        for value, name in levels:
            top, bottom = selectors.red_and_black_lists(assessment=assessment, level=value)
            for sheet in (*top, *bottom):
                sheet.rate_pct = _pct(sheet.rate)
                sheet.can_open = openable is None or sheet.unit_id in openable
            lists.append({"level": name, "red": top, "black": bottom})
    if published:
        # One line per kind and reason, naming every unit it applies to.
        grouped = OrderedDict()
        for sanction in selectors.sanctions(assessment=assessment):
            line = grouped.setdefault(
                (sanction.kind, sanction.reason),
                {"kind": sanction.kind, "label": sanction.get_kind_display(), "reason": sanction.reason, "units": []},
            )
            line["units"].append(sanction.unit)
        sanctions = list(grouped.values())
    unscored_units = []
    freshness = None
    if can_manage and assessment.status == AssessmentStatus.COMPUTED:
        unscored_units = _unscored([assessment.pk], *_BY_UNIT)
        freshness = changes_since_computed(assessment)
    return render(
        request,
        "assessments/month_detail.html",
        {
            "assessment": assessment,
            "ruleset": ruleset,
            "published": published,
            "show_results": show_results,
            "whole_city": whole_city,
            "can_manage": can_manage,
            "levels": levels,
            "level": level,
            "view": view,
            "street_id": street_id,
            "streets": streets,
            "rows": rows,
            "groups": groups,
            "flags": flags,
            "lists": lists,
            "sanctions": sanctions,
            "unscored_units": unscored_units,
            "unscored_total": sum(u["n"] for u in unscored_units),
            "freshness": freshness,
            "running": timezone.localdate() < calendar_rules.month_end(assessment.month),
        },
    )


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


def _sheet_items_html(assessment, sheet, *, published: bool, may_enter: bool) -> tuple[str, int, list]:
    """The "items and deductions" section, its count of pending manual scores and the manual
    items. A published sheet's section is final: rendered once and kept in Django's cache under
    ``selectors.published_items_key`` (bench/README.md "What a request costs")."""
    key = selectors.published_items_key(sheet, assessment)
    html = cache.get(key) if key else None
    if html is not None:
        return mark_safe(html), 0, []
    groups, manual_items = _sheet_groups(assessment, sheet, published=published)
    html = render_to_string("assessments/_sheet_items.html", {"groups": groups, "may_enter": may_enter})
    if key:
        cache.set(key, html, PUBLISHED_ITEMS_SECONDS)
    pending = sum(1 for g in groups for r in g["rows"] if r.pending)
    return html, pending, manual_items


def _sheet_context(request, actor, assessment, sheet, *, manual_form=None, adjustment_form=None) -> dict:
    published = assessment.status == AssessmentStatus.PUBLISHED
    can_manage = actor.has_perm(Perm.ASSESSMENT_MANAGE)
    detail = selectors.sheet_adjustments(sheet)
    may_enter = can_manage and not published
    may_adjust = can_manage and published
    items_html, pending_count, manual_items = _sheet_items_html(
        assessment, sheet, published=published, may_enter=may_enter
    )
    if may_enter and manual_form is None:
        wanted = request.GET.get("item", "")
        manual_form = ManualEntryForm(items=manual_items, initial={"item": wanted} if wanted else None)
    if may_adjust and adjustment_form is None:
        adjustment_form = AdjustmentForm(items=selectors.sheet_rule_items(sheet))
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
        "items_html": items_html,
        "adjustments": detail["adjustments"],
        "adjusted": adjusted,
        "final_score": detail["final_score"],
        "rate_pct": _pct(sheet.rate),
        "final_rate_pct": _pct(detail["final_rate"]),
        "pending_count": pending_count,
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


# --- rule sets --------------------------------------------------------------------------------


@login_required
def ruleset_list(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ASSESSMENT_VIEW)
    rows = (
        selectors.rulesets(actor=actor)
        .select_related("created_by")
        .annotate(item_count=Count("items"), leaf_count=Count("items", filter=~Q(items__method="")))
    )
    return render(
        request,
        "assessments/ruleset_list.html",
        {
            "page": Paginator(rows, 30).get_page(request.GET.get("page")),
            "can_create": actor.has_perm(Perm.ASSESSMENT_MANAGE),
        },
    )


def _tree(items) -> list[dict]:
    nodes = {item.pk: {"item": item, "children": []} for item in items}
    roots = []
    for item in items:
        (nodes[item.parent_id]["children"] if item.parent_id in nodes else roots).append(nodes[item.pk])
    for node in roots:
        node["as_list"] = [node]  # a top-level item without sub-items shows its own details
    return roots


def _level_label(level: str) -> str:
    return str(UnitLevel(level).label) if level in UnitLevel.values else level


@login_required
def ruleset_detail(request, pk: int):
    actor = actor_for(request.user)
    ruleset = selectors.ruleset_get(actor=actor, ruleset_id=pk)
    items = selectors.ruleset_items(ruleset)
    names = dict(categories_active().values_list("code", "name"))
    for item in items:
        item.category_names = [(code, names.get(code, "")) for code in item.categories]
        item.grade_pcts = [_pct(g) for g in (item.grades or DEFAULT_GRADES)]
        item.indicator_label = Indicator(item.indicator).label if item.indicator in Indicator.values else item.indicator
        item.lower_is_better = item.indicator in LOWER_IS_BETTER
    kinds = dict(SanctionKind.choices)
    frozen_by = services.ruleset_frozen_by(ruleset)
    return render(
        request,
        "assessments/ruleset_detail.html",
        {
            "ruleset": ruleset,
            "frozen_by": frozen_by,
            "can_edit": frozen_by is None and actor.has_perm(Perm.ASSESSMENT_MANAGE),
            "tree": _tree(items),
            "leaf_count": sum(1 for i in items if i.method),
            "levels": [_level_label(level) for level in ruleset.levels],
            "flag_level": _level_label(ruleset.flag_level),
            "red_flag_threshold_pct": _pct(ruleset.red_flag_threshold),
            "policy": [
                {
                    **rule,
                    "kind_label": kinds.get(rule.get("kind"), rule.get("kind")),
                    "threshold_pct": _pct(Decimal(str(rule["threshold"]))) if "threshold" in rule else None,
                }
                for rule in ruleset.policy
            ],
        },
    )


@login_required
def ruleset_create(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ASSESSMENT_MANAGE)
    city = selectors.city_of(actor)
    if city is None:
        raise PermissionDenied
    posted = request.method == "POST"
    form = RuleSetImportForm(request.POST if posted else None, request.FILES if posted else None)
    problems: list[str] = []
    if posted and form.is_valid():
        kind, payload = form.cleaned_data["source"]
        try:
            read = importexport.ruleset_from_xlsx if kind == "xlsx" else importexport.ruleset_from_json
            data = read(payload)
            spec = parse_ruleset(data, known_categories=set(categories_active().values_list("code", flat=True)))
            ruleset = services.ruleset_create(user=request.user, city=city, spec=spec)
        except RuleSetInvalid as invalid:
            problems = list(invalid.errors)
        except ValidationError as error:
            _apply_service_errors(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        else:
            messages.success(request, _("Rule set %(name)s saved.") % {"name": ruleset})
            return redirect("assessments:ruleset", pk=ruleset.pk)
    problems += form.non_field_errors()
    latest = selectors.rulesets(actor=actor).first()
    return render(
        request,
        "assessments/ruleset_form.html",
        {"form": form, "problems": problems, "latest": latest},
        status=400 if (problems or form.errors) else 200,
    )


@login_required
def ruleset_edit(request, pk: int):
    """Correct a rule set in place while no published month uses it (then it is frozen)."""
    actor = actor_for(request.user)
    ruleset = selectors.ruleset_get(actor=actor, ruleset_id=pk)
    _require(actor, Perm.ASSESSMENT_MANAGE)
    frozen_by = services.ruleset_frozen_by(ruleset)
    if frozen_by is not None:
        messages.error(
            request,
            _("This rule set is frozen: the published month %(month)s was scored with it. Import a new version.")
            % {"month": _label(frozen_by.month)},
        )
        return redirect("assessments:ruleset", pk=ruleset.pk)
    posted = request.method == "POST"
    initial = None
    if not posted:
        data = importexport.ruleset_to_json(ruleset)
        initial = {"json_text": json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder)}
    form = RuleSetImportForm(request.POST if posted else None, request.FILES if posted else None, initial=initial)
    problems: list[str] = []
    if posted and form.is_valid():
        kind, payload = form.cleaned_data["source"]
        try:
            read = importexport.ruleset_from_xlsx if kind == "xlsx" else importexport.ruleset_from_json
            data = read(payload)
            if isinstance(data, dict):
                data = {**data, "version": ruleset.version}
            spec = parse_ruleset(data, known_categories=set(categories_active().values_list("code", flat=True)))
            services.ruleset_update(user=request.user, ruleset=ruleset, spec=spec)
        except RuleSetInvalid as invalid:
            problems = list(invalid.errors)
        except ValidationError as error:
            _apply_service_errors(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect("assessments:ruleset", pk=ruleset.pk)
        else:
            messages.success(
                request,
                _("Rule set %(name)s corrected. Months computed with it must be computed again.") % {"name": ruleset},
            )
            return redirect("assessments:ruleset", pk=ruleset.pk)
    problems += form.non_field_errors()
    return render(
        request,
        "assessments/ruleset_form.html",
        {"form": form, "problems": problems, "ruleset": ruleset},
        status=400 if (problems or form.errors) else 200,
    )


@login_required
def ruleset_export(request, pk: int, fmt: str):
    actor = actor_for(request.user)
    ruleset = selectors.ruleset_get(actor=actor, ruleset_id=pk)
    if fmt == "xlsx":
        return download_response(importexport.RuleSetExcelExporter(ruleset).render())
    if fmt == "json":
        content = json.dumps(importexport.ruleset_to_json(ruleset), ensure_ascii=False, indent=2, cls=DjangoJSONEncoder)
        filename = f"{ruleset.name}-v{ruleset.version}-{ruleset.effective_from:%Y-%m}.json"
        return download_response(ExportResult(filename, "application/json", content.encode()))
    raise Http404


@login_required
def month_bulletin(request, month: str, fmt: str):
    """The month's bulletin (通报) as Word or PDF, for everyone in the city once it is published:
    rendered in the background (assessments.tasks), followed on the job's page, then downloaded."""
    from gongjian.assessments import tasks

    if fmt not in ("docx", "pdf"):
        raise Http404
    actor = actor_for(request.user)
    assessment = selectors.assessment_get(actor=actor, month=_month(month))
    if assessment.status != AssessmentStatus.PUBLISHED:
        messages.error(request, _(tasks.NOT_PUBLISHED) % {"month": f"{assessment.month:%Y-%m}"})
        return redirect("assessments:month", month=month)
    if refused := fonts_refusal(fmt):  # said at once rather than as a failed job
        messages.error(request, refused)
        return redirect("assessments:month", month=month)
    job = tasks.bulletin_request(user=request.user, assessment=assessment, fmt=fmt)
    return redirect("jobs:detail", pk=job.pk)


def fonts_refusal(fmt: str) -> str:
    """Why a PDF cannot be made here (the shipped fonts are missing), in the reader's language."""
    from gongjian.core.fonts import FontsMissing, require

    if fmt == "pdf":
        try:
            require()
        except FontsMissing as missing:
            return missing.message
    return ""
