"""Pages: the fund ledgers in the caller's scope (yearly totals per community, the year's entries,
the Excel export). The creation pages are in gongjian/creation/views.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from gongjian.accounts.access import Perm, actor_for
from gongjian.funds import ledger, selectors


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
    entries = list(selectors.entry_list(actor=actor).filter(date__year__lte=year).select_related("reversed_by"))
    by_community: dict[int, list] = {}
    names: dict[int, str] = {}
    for entry in entries:
        by_community.setdefault(entry.community_id, []).append(entry)
        names[entry.community_id] = entry.community.name
    rows = sorted(
        ((names[cid], ledger.totals_for(selectors.lines_of(lines), year)) for cid, lines in by_community.items()),
        key=lambda row: row[0],
    )
    return render(
        request,
        "funds/index.html",
        {
            "year": year,
            "rows": rows,
            "entries": [e for e in entries if e.date.year == year],
            "total": ledger.totals_for(selectors.lines_of(entries), year),
        },
    )
