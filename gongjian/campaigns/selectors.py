"""Reads of campaigns, scoped: a campaign is seen by whoever sees problems in its city; its
figures count only the problems and target units the reader's scope holds."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gongjian.accounts.access import Actor, Perm, restrict
from gongjian.campaigns import rules
from gongjian.campaigns.models import Campaign
from gongjian.campaigns.services import PROBLEM_COLUMNS, targets
from gongjian.inspections.choices import ProblemStatus
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestor_ids_sql


def _visible(actor: Actor) -> Q:
    if actor.is_superuser:
        return Q()
    roots = actor.root_unit_ids(Perm.PROBLEM_VIEW)
    if not roots:
        return Q(pk__in=[])
    return Q(city_id__in=ancestor_ids_sql(roots))


def campaign_list(*, actor: Actor) -> QuerySet[Campaign]:
    if not actor.has_perm(Perm.PROBLEM_VIEW):
        return Campaign.objects.none()
    return Campaign.objects.filter(_visible(actor)).select_related("city").prefetch_related("categories")


def campaign_get(*, actor: Actor, campaign_id) -> Campaign:
    try:
        return campaign_list(actor=actor).get(pk=int(campaign_id))
    except (Campaign.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def tagged_problems(*, actor: Actor, campaign: Campaign):
    """The campaign's problems the actor may see (voided ones left out)."""
    return restrict(campaign.problems.exclude(status=ProblemStatus.VOID), actor, Perm.PROBLEM_VIEW)


@dataclass
class CampaignFigures:
    figures: rules.Figures
    units: list[Unit]  # the target units in the reader's scope, in order

    def unit_rows(self):
        return [(unit, self.figures.by_unit.get(unit.pk, rules.Tally())) for unit in self.units]

    def week_rows(self):
        return list(self.figures.by_week.items())


def campaign_figures(*, actor: Actor, campaign: Campaign, today=None) -> CampaignFigures:
    """Found / closed / relapses per target unit and per ISO week, as far as the reader sees."""
    today = today or timezone.localdate()
    target_list = targets(campaign)
    visible_units = restrict(
        Unit.objects.filter(id__in=[uid for uid, _level in target_list]), actor, Perm.PROBLEM_VIEW, unit_field="id"
    )
    units = sorted(visible_units, key=lambda u: (u.code or "", u.pk))
    rows = []
    for values in tagged_problems(actor=actor, campaign=campaign).values(
        "found_at", "closed_at", "status", "relapse_of_id", "rework_count", *PROBLEM_COLUMNS
    ):
        unit_id = rules.target_of(values, target_list)
        if unit_id is None:
            continue
        rows.append(
            rules.ProblemRow(
                unit_id=unit_id,
                found_on=timezone.localtime(values["found_at"]).date(),
                closed_on=timezone.localtime(values["closed_at"]).date() if values["closed_at"] else None,
                closed=values["status"] == ProblemStatus.CLOSED,
                relapse=values["relapse_of_id"] is not None or values["rework_count"] > 0,
            )
        )
    end = min(campaign.ends_on, max(today, campaign.starts_on))
    figures = rules.figures(rows, unit_ids=[u.pk for u in units], start=campaign.starts_on, end=end)
    return CampaignFigures(figures=figures, units=units)
