"""Pages: the fund ledgers in the caller's scope (yearly totals per community, the year's entries,
the Excel export) and the creation targets with the city's progress towards the year's goals."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.creation import selectors as creation_selectors
from gongjian.creation.workflow import CreationKind, Stage
from gongjian.funds import selectors
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def fund_index(request):
    actor = actor_for(request.user)
    if not (actor.has_perm(Perm.FUND_VIEW) or selectors._liaison_cobuild_ids(actor)):
        raise Http404
    year = _year(request.GET.get("year"))
    rows, total = selectors.overview_rows(actor=actor, year=year)
    return render(
        request,
        "funds/index.html",
        {
            "year": year,
            "rows": rows,
            "entries": selectors.entry_list(actor=actor, year=year).select_related("reversed_by"),
            "total": total,
            "can_keep": actor.has_perm(Perm.FUND_MANAGE),
        },
    )


@login_required
def creation_index(request):
    actor = actor_for(request.user)
    if not (actor.has_perm(Perm.CREATION_VIEW) or creation_selectors.liaison_cobuild_ids(actor)):
        raise Http404
    year = _year(request.GET.get("year"))
    city = restrict(Unit.objects.filter(level=UnitLevel.CITY), actor, Perm.CREATION_VIEW, unit_field="id").first()
    progress = []
    if city is not None:
        for row in creation_selectors.city_progress(actor=actor, city_id=city.pk, year=year):
            progress.append(
                {
                    "label": CreationKind(row.kind).label,
                    "goal": row.goal,
                    "passed": row.passed,
                    "remaining": row.remaining,
                    "percent": round(row.share * 100) if row.share is not None else None,
                    "stages": [(Stage(s).label, n) for s, n in row.by_stage.items()],
                }
            )
    return render(
        request,
        "funds/creation.html",
        {
            "year": year,
            "targets": creation_selectors.target_list(actor=actor, year=year),
            "progress": progress,
            "stage_labels": [label for _value, label in Stage.choices],
        },
    )
