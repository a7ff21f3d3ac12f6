"""Reads of creation targets, scoped: a community (and its street) its own targets, the city all of
its targets, a co-construction liaison its own unit's."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from gongjian.accounts.access import Actor, Perm, restrict
from gongjian.accounts.choices import Role
from gongjian.core.audit import history_for
from gongjian.creation import workflow
from gongjian.creation.models import CreationGoal, CreationTarget
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import CobuildUnit, Unit
from gongjian.organizations.tree import subtree_ids_sql


def liaison_cobuild_ids(actor: Actor) -> set[int]:
    return {g.cobuild_unit_id for g in actor.grants if g.role == Role.COBUILD_LIAISON and g.cobuild_unit_id}


def targets_visible(*, actor: Actor) -> QuerySet[CreationTarget]:
    targets = CreationTarget.objects.all()
    condition = Q(pk__in=restrict(targets, actor, Perm.CREATION_VIEW, unit_field="community").values("pk")) | Q(
        pk__in=restrict(targets, actor, Perm.CREATION_VIEW, unit_field="city").values("pk")
    )
    cobuild_ids = liaison_cobuild_ids(actor)
    if cobuild_ids:
        condition |= Q(cobuild_unit_id__in=cobuild_ids)
    return targets.filter(condition).select_related("city", "community", "cobuild_unit")


def target_list(*, actor: Actor, year: int | None = None, kind: str = "", stage: str = "") -> QuerySet:
    targets = targets_visible(actor=actor)
    if year:
        targets = targets.filter(year=year)
    if kind:
        targets = targets.filter(kind=kind)
    if stage:
        targets = targets.filter(stage=stage)
    return targets.order_by("-year", "kind", "id")


def target_get(*, actor: Actor, target_id) -> CreationTarget:
    try:
        return targets_visible(actor=actor).get(pk=int(target_id))
    except (CreationTarget.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def city_progress(*, actor: Actor, city_id: int, year: int) -> list[workflow.Progress]:
    """The city's progress towards the year's goals, over the targets the actor sees (all of them
    for the city office)."""
    targets = targets_visible(actor=actor).filter(city_id=city_id, year=year).values_list("kind", "stage")
    goals = dict(CreationGoal.objects.filter(city_id=city_id, year=year).values_list("kind", "count"))
    return workflow.progress(list(targets), goals)


def may_read(actor: Actor) -> bool:
    """Does the actor have creation targets to read at all (a role with the permission, or a liaison)?"""
    return actor.has_perm(Perm.CREATION_VIEW) or bool(liaison_cobuild_ids(actor))


def city_followed(*, actor: Actor) -> Unit | None:
    """The city whose progress the actor follows (the city office, the city's leaders), else None."""
    cities = Unit.objects.filter(level=UnitLevel.CITY)
    return restrict(cities, actor, Perm.CREATION_VIEW, unit_field="id").order_by("id").first()


def city_reviewed(*, actor: Actor) -> Unit | None:
    """The city whose targets the actor reviews and whose goals it sets (the city office), else None."""
    cities = Unit.objects.filter(level=UnitLevel.CITY)
    return restrict(cities, actor, Perm.CREATION_REVIEW, unit_field="id").order_by("id").first()


def goals_of(*, city_id: int, year: int) -> dict[str, int]:
    return dict(CreationGoal.objects.filter(city_id=city_id, year=year).values_list("kind", "count"))


def apply_subjects(*, actor: Actor) -> tuple[list[Unit], list[CobuildUnit]]:
    """The communities and co-construction units the actor may apply for: a community itself, a
    street its communities, a liaison its own unit, the city office every one in its city."""
    communities = list(
        restrict(Unit.objects.filter(level=UnitLevel.COMMUNITY), actor, Perm.CREATION_MANAGE, unit_field="id").order_by(
            "code", "id"
        )[:500]
    )
    condition = Q(pk__in=liaison_cobuild_ids(actor))
    city = city_reviewed(actor=actor)
    if city is not None:
        in_city = subtree_ids_sql([city.pk])
        condition |= Q(located_in_id__in=in_city) | Q(pairings__community_id__in=in_city)
    units = list(CobuildUnit.objects.filter(condition).distinct().order_by("name")[:500])
    return communities, units


def target_history(*, target: CreationTarget) -> list:
    """The target's audited moves, oldest first (the caller has read the target through target_get)."""
    return list(history_for(target).order_by("at", "id"))
