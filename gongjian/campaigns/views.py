"""Pages of campaigns: the list (with the declare form for the city office), a campaign with its
figures per unit and per ISO week, and the closing report's request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.campaigns import rules, selectors, services, tasks
from gongjian.campaigns.forms import CampaignForm
from gongjian.core.errors import NotPermitted
from gongjian.core.views import error_403
from gongjian.inspections.models import Category
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql


def _office_city(actor) -> Unit | None:
    """The city whose office the actor runs (campaigns are declared there), else None."""
    return (
        restrict(Unit.objects.filter(level=UnitLevel.CITY), actor, Perm.CAMPAIGN_MANAGE, unit_field="id")
        .order_by("id")
        .first()
    )


def _form(city: Unit, data=None) -> CampaignForm:
    return CampaignForm(
        data,
        categories=Category.objects.filter(is_active=True).order_by("code"),
        units=Unit.objects.filter(
            id__in=subtree_ids_sql([city.pk]), level__in=[UnitLevel.DISTRICT, UnitLevel.STREET, UnitLevel.COMMUNITY]
        ).order_by("level", "code", "id"),
    )


@login_required
def campaign_index(request):
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.PROBLEM_VIEW):
        raise Http404
    city = _office_city(actor)
    campaigns = list(selectors.campaign_list(actor=actor))
    return render(
        request,
        "campaigns/campaign_list.html",
        {"campaigns": campaigns, "form": _form(city) if city else None},
    )


@login_required
@require_POST
def campaign_declare(request):
    actor = actor_for(request.user)
    city = _office_city(actor)
    if city is None:
        return error_403(request, _("Only the city office declares campaigns."))
    form = _form(city, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_declare(
                user=request.user,
                city=city,
                name=data["name"],
                description=data["description"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                categories=list(data["categories"]),
                units=list(data["units"]),
                level=data["level"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        except NotPermitted as refused:
            return error_403(request, refused.message)
        else:
            messages.success(request, _("The campaign is declared."))
            return redirect("campaigns:detail", campaign.pk)
    campaigns = list(selectors.campaign_list(actor=actor))
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaigns, "form": form}, status=400)


def _week_label(code: str) -> str:
    year, week = rules.week_parts(code)
    return _("Week %(week)s of %(year)s") % {"week": week, "year": year}


@login_required
def campaign_detail(request, pk):
    actor = actor_for(request.user)
    campaign = selectors.campaign_get(actor=actor, campaign_id=pk)
    figures = selectors.campaign_figures(actor=actor, campaign=campaign)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "state": campaign.state(),
            "figures": figures,
            "week_rows": [(_week_label(code), tally) for code, tally in figures.week_rows()],
            "total": figures.figures.total,
            "can_report": tasks.report_allowed(request.user, campaign),
            "categories": list(campaign.categories.order_by("code")),
            "chosen_units": list(campaign.units.order_by("code", "id")),
        },
    )


@login_required
@require_POST
def campaign_report(request, pk):
    actor = actor_for(request.user)
    campaign = selectors.campaign_get(actor=actor, campaign_id=pk)
    if not tasks.report_allowed(request.user, campaign):
        return error_403(request, _(tasks.NOT_ALLOWED))
    job = tasks.report_request(user=request.user, campaign=campaign)
    return redirect("jobs:detail", pk=job.pk)
