"""The public board (公示栏): one page per city, no account; and the city office's settings page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongjian.accounts.access import Perm, actor_for, can_on_unit
from gongjian.assessments.choices import SanctionKind
from gongjian.assessments.selectors import city_of
from gongjian.boards import selectors, services
from gongjian.boards.forms import BoardSettingsForm
from gongjian.boards.models import SECTIONS
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.selections.choices import AwardKind


@require_GET
def index(request):
    return render(request, "boards/index.html", {"cities": selectors.public_cities()})


def _labelled(data: dict) -> dict:
    """The cached plain values with the reader's words for levels and kinds (not cached: per language)."""
    levels = dict(UnitLevel.choices)
    kinds = dict(SanctionKind.choices)
    for block in data.get("ranking", []):
        block["level_label"] = levels.get(block["level"], block["level"])
    for block in data.get("lists", {}).get("levels", []):
        block["level_label"] = levels.get(block["level"], block["level"])
    for line in data.get("lists", {}).get("sanctions", []):
        line["kind_label"] = kinds.get(line["kind"], line["kind"])
    awards = dict(AwardKind.choices)
    for winner in (data.get("winners") or {}).get("winners", []):
        winner["kind_label"] = awards.get(winner["kind"], winner["kind"])
    return data


@require_GET
def board(request, city_id: int):
    city = get_object_or_404(Unit, pk=city_id, level=UnitLevel.CITY)
    data = _labelled(selectors.board(city))
    return render(
        request,
        "boards/board.html",
        {"board": data, "sign_up_url": reverse("participation:sign-up") if data["volunteer_sign_up"] else ""},
    )


@login_required
@require_http_methods(["GET", "POST"])
def board_settings(request):
    actor = actor_for(request.user)
    city = city_of(actor)
    if city is None or not can_on_unit(actor, Perm.BOARD_MANAGE, city.pk):
        raise Http404
    current = services.board_settings_for(city)
    form = BoardSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.board_settings_update(
            user=request.user, city=city, **{name: form.cleaned_data[name] for name in SECTIONS}
        )
        messages.success(request, _("The public board's settings are saved."))
        return redirect("boards:settings")
    return render(
        request,
        "boards/settings.html",
        {"form": form, "city": city, "settings": current},
        status=400 if form.errors else 200,
    )
