"""Pages: the fund ledgers in the caller's scope (yearly totals per community, the year's entries,
the Excel export). The creation pages are in gongjian/creation/views.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from gongjian.accounts.access import Perm, actor_for
from gongjian.funds import selectors


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
