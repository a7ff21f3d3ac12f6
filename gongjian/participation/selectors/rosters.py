"""Reads of teams, stairwell heads and frontage duties (门前三包), and a community's roster;
phones shown in full only to holders of ``Perm.PERSONAL_DATA_VIEW``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.organizations.models import Unit
from gongjian.participation import privacy

# --- teams, stairwell heads, frontage duties -------------------------------------------------------


def revealed_communities(*, actor: Actor, community_ids) -> set[int]:
    """The communities among these where the actor may see personal data in full."""
    return set(
        restrict(
            Unit.objects.filter(id__in=list(community_ids)), actor, Perm.PERSONAL_DATA_VIEW, unit_field="id"
        ).values_list("id", flat=True)
    )


def teams_visible(*, actor: Actor):
    from gongjian.participation.models import Team

    return restrict(Team.objects.all(), actor, Perm.PARTICIPATION_VIEW, unit_field="community").select_related(
        "community"
    )


def frontage_duties_visible(*, actor: Actor):
    from gongjian.participation.models import FrontageDuty

    return (
        restrict(FrontageDuty.objects.all(), actor, Perm.PARTICIPATION_VIEW, unit_field="community")
        .select_related("community")
        .annotate(problem_count=Count("problem_links"))
        .order_by("community__code", "holder", "id")
    )


def frontage_duty_get(*, actor: Actor, duty_id):
    from gongjian.participation.models import FrontageDuty

    return get_scoped_or_404(
        FrontageDuty.objects.select_related("community"),
        actor,
        Perm.PARTICIPATION_VIEW,
        unit_field="community",
        pk=duty_id,
    )


def frontage_duty_problems(*, actor: Actor, duty):
    """The problems pointing at a register entry, as far as the actor may see problems."""
    from gongjian.inspections.models import Problem

    problems = Problem.objects.filter(frontage_link__duty=duty).select_related("category", "unit")
    return restrict(problems, actor, Perm.PROBLEM_VIEW, unit_field="unit").order_by("-found_at")


def stairwell_heads_visible(*, actor: Actor):
    from gongjian.participation.models import StairwellHead

    return restrict(StairwellHead.objects.all(), actor, Perm.PARTICIPATION_VIEW, unit_field="compound").select_related(
        "compound", "compound__parent"
    )


@dataclass(frozen=True)
class CommunityRoster:
    community: Unit
    teams: list  # (team, [(member, phone shown, hours on duty)])
    stairwell_heads: list  # (head, phone shown)
    frontage: list  # (duty, phone shown)
    revealed: bool


def community_roster(*, actor: Actor, community: Unit) -> CommunityRoster:
    """The four teams with members, areas and schedules; stairwell heads of the community's
    compounds; the 门前三包 register. Members' (volunteers') phones are always masked; the others
    unless the actor may see them (``revealed``)."""
    from gongjian.participation.models import TeamMember

    reveal = community.pk in revealed_communities(actor=actor, community_ids=[community.pk])

    def shown(phone: str) -> str:
        return phone if reveal else privacy.mask_phone(phone)

    teams = list(teams_visible(actor=actor).filter(community=community))
    members = (
        TeamMember.objects.filter(team__in=teams)
        .select_related("volunteer")
        .annotate(duty_hours=Coalesce(Sum("shifts__hours"), Value(Decimal("0"))))
        .order_by("id")
    )
    by_team = defaultdict(list)
    for member in members:
        # Team members are volunteers: masked like every volunteer list.
        by_team[member.team_id].append((member, privacy.mask_phone(member.volunteer.phone), member.duty_hours))
    heads = (
        stairwell_heads_visible(actor=actor)
        .filter(compound__parent=community)
        .order_by("compound__code", "building", "entrance")
    )
    duties = frontage_duties_visible(actor=actor).filter(community=community)
    return CommunityRoster(
        community=community,
        teams=[(team, by_team.get(team.pk, [])) for team in teams],
        stairwell_heads=[(h, shown(h.phone)) for h in heads],
        frontage=[(d, shown(d.phone)) for d in duties],
        revealed=reveal,
    )
