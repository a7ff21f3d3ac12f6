"""The months: list, create, compute, publish, the month's rankings and its bulletin."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for
from gongjian.assessments import calendar_rules, selectors, services
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.forms import AssessmentCreateForm, PublishForm, RankingFilterForm
from gongjian.assessments.freshness import changes_since_computed
from gongjian.assessments.views.common import (
    _BY_MONTH,
    _BY_UNIT,
    _apply_service_errors,
    _label,
    _level_label,
    _month,
    _next_month,
    _next_or,
    _pct,
    _require,
    _sees_whole_city,
    _unscored,
    fonts_refusal,
)
from gongjian.core.errors import Conflict, NotPermitted

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
