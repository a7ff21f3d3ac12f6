"""Rule sets: list, detail, import, correction and export."""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for
from gongjian.assessments import importexport, selectors, services
from gongjian.assessments.choices import LOWER_IS_BETTER, Indicator, SanctionKind
from gongjian.assessments.forms import RuleSetImportForm
from gongjian.assessments.rulespec import RuleSetInvalid, parse_ruleset
from gongjian.assessments.scoring import DEFAULT_GRADES
from gongjian.assessments.views.common import _apply_service_errors, _label, _level_label, _pct, _require
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.exporters import ExportResult, download_response
from gongjian.inspections.selectors import categories_active

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
