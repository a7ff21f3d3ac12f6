"""Reads of creation targets, scoped: a community (and its street) its own targets, the city all of
its targets, a co-construction liaison its own unit's."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from gongjian.accounts.access import Actor, Perm, restrict
from gongjian.accounts.choices import Role
from gongjian.creation import workflow
from gongjian.creation.models import CreationGoal, CreationTarget


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
