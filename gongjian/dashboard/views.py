"""The home page (one section per role), the leader overview, the 大屏 and their figures as JSON."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongjian.accounts.access import actor_for
from gongjian.core.views import error_403
from gongjian.dashboard.figures import leader_figures, may_see_overview
from gongjian.dashboard.homes import home_sections
from gongjian.dashboard.labels import OVERDUE, Standing
from gongjian.organizations import selectors as unit_selectors
from gongjian.participation.models import Volunteer

REFRESH_SECONDS = 60


def _labelled(figures: dict) -> dict:
    """The figures with each oldest overdue case's "超期 N 个工作日" in the reader's language (the
    cached figures hold only the number, so one cache entry serves both languages)."""
    cases = [{**case, "label": Standing(OVERDUE, case["overdue_days"]).label} for case in figures["oldest_overdue"]]
    return {**figures, "oldest_overdue": cases}


def _chart_labels() -> dict:
    return {
        "found": _("Found"),
        "closed": _("Closed"),
        "overdue": _("Overdue"),
        "overdue_now": _("Overdue now"),
        "vs": _("vs last month"),
        "updated": _("Updated"),
        "none": _("Nothing here."),
    }


@login_required
@require_GET
def home(request):
    actor = actor_for(request.user)
    memberships = request.user.memberships.filter(is_active=True).select_related("unit", "cobuild_unit")
    return render(
        request,
        "dashboard/home.html",
        {
            "sections": home_sections(user=request.user, actor=actor),
            "overview": may_see_overview(actor),
            "memberships": memberships,
            "top_units": unit_selectors.unit_top_level(actor=actor)[:20],
            # Signed up as a volunteer without (yet) the role: their own record is still theirs.
            "has_volunteer_record": Volunteer.objects.filter(user=request.user).exists(),
        },
    )


@login_required
@require_GET
def overview(request):
    actor = actor_for(request.user)
    if not may_see_overview(actor):
        return error_403(request)
    figures = _labelled(leader_figures(actor))
    return render(
        request,
        "dashboard/overview.html",
        {"figures": figures, "chart_labels": _chart_labels()},
    )


@login_required
@require_GET
def wall(request):
    actor = actor_for(request.user)
    if not may_see_overview(actor):
        return error_403(request)
    figures = _labelled(leader_figures(actor))
    return render(
        request,
        "dashboard/wall.html",
        {"figures": figures, "chart_labels": _chart_labels(), "refresh": _refresh_seconds(request.GET.get("refresh"))},
    )


def _refresh_seconds(value: str | None) -> int:
    """How often the big screen fetches its figures: ``?refresh=N`` seconds (1 to 3600), else a
    minute. A screen on a wall has no one to read an error, so a bad value means the default."""
    try:
        seconds = int(value or REFRESH_SECONDS)
    except ValueError:
        return REFRESH_SECONDS
    return min(max(seconds, 1), 3600)


@login_required
@require_GET
def figures_json(request):
    actor = actor_for(request.user)
    if not may_see_overview(actor):
        return JsonResponse({"detail": _("You do not have permission to do this.")}, status=403)
    return JsonResponse(_labelled(leader_figures(actor)), json_dumps_params={"ensure_ascii": False})
