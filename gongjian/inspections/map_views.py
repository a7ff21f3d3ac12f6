"""The map of problems: the page, its problems as GeoJSON (the list's filter, shared with the list
and the export through ``views.filtered_problems``) and the unit boundaries it draws."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for
from gongjian.inspections import selectors
from gongjian.inspections.mapping import problem_features, still_worked_on_unless
from gongjian.inspections.views import filtered_problems
from gongjian.organizations.selectors import boundary_features


def _map_config(request) -> dict:
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return {
        "tileUrl": settings.MAP_TILE_URL,
        "overlayUrl": settings.MAP_TILE_OVERLAY_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "maxZoom": settings.MAP_TILE_MAX_ZOOM,
        "subdomains": settings.MAP_TILE_SUBDOMAINS,
        "center": settings.MAP_CENTER,
        "dataUrl": reverse("problems:map-data") + query,
        "boundariesUrl": reverse("problems:map-boundaries"),
        "labels": {
            "problems": _("Problems"),
            "heat": _("Heat map"),
            "boundaries": _("Unit boundaries"),
            "deadline": _("Deadline"),
            "open": _("Open the problem"),
            "photo": _("Photo of the problem"),
            "shown": _("Problems on the map: %(shown)s of %(total)s."),
            "unplaced": _("%(count)s more have no position."),
            "failed": _("The map data could not be loaded."),
        },
    }


@login_required
def problem_map(request):
    form, problems = filtered_problems(request)
    query = request.GET.copy()
    context = {
        "form": form,
        "query": query.urlencode(),
        "categories": selectors.categories_active(),
        "map_config": _map_config(request),
        "invalid": problems is None,
        "can_upload": actor_for(request.user).has_perm(Perm.UNIT_CHANGE),
    }
    return render(request, "inspections/map.html", context, status=400 if problems is None else 200)


@login_required
def problem_map_data(request):
    """The filtered problems as GeoJSON; without a status filter, only those still being worked on."""
    form, problems = filtered_problems(request)
    if problems is None:
        return JsonResponse({"detail": _("The filter could not be understood.")}, status=400)
    problems = still_worked_on_unless(problems, status=request.GET.get("status", ""))
    return JsonResponse(problem_features(problems=problems, limit=settings.MAP_MAX_PROBLEMS))


@login_required
def boundary_data(request):
    """The boundaries of the units the user sees, as GeoJSON (those who cannot see problems get none)."""
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.PROBLEM_VIEW):
        raise PermissionDenied
    features, total = boundary_features(actor=actor, limit=settings.MAP_MAX_BOUNDARIES)
    collection = {"type": "FeatureCollection", "features": features, "total": total, "shown": len(features)}
    if len(features) < total:
        collection["message"] = _("Showing %(shown)d of %(total)d unit boundaries.") % {
            "shown": len(features),
            "total": total,
        }
    return JsonResponse(collection)
