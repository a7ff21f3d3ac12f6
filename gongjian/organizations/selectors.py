"""Reads of the unit tree, always through the access module."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.organizations.models import CobuildUnit, Pairing, Unit, UnitBoundary
from gongjian.organizations.tree import ancestors


def unit_list(*, actor: Actor, q: str = "", level: str = "", parent: int | None = None) -> QuerySet[Unit]:
    units = restrict(Unit.objects.all(), actor, Perm.UNIT_VIEW, unit_field="id")
    if q:
        units = units.filter(Q(name__icontains=q) | Q(code__startswith=q))
    if level:
        units = units.filter(level=level)
    if parent is not None:
        units = units.filter(parent_id=parent)
    return units.select_related("parent").order_by("code")


def unit_top_level(*, actor: Actor) -> QuerySet[Unit]:
    """The highest units the actor can see: where their tree browser starts."""
    visible = restrict(Unit.objects.all(), actor, Perm.UNIT_VIEW, unit_field="id")
    return visible.exclude(parent_id__in=visible.values("id")).order_by("code")


def unit_get(*, actor: Actor, unit_id) -> Unit:
    return get_scoped_or_404(Unit.objects.select_related("parent"), actor, Perm.UNIT_VIEW, unit_field="id", pk=unit_id)


def unit_children(*, actor: Actor, unit: Unit) -> QuerySet[Unit]:
    children = restrict(Unit.objects.filter(parent=unit), actor, Perm.UNIT_VIEW, unit_field="id")
    return children.annotate(child_count=Count("children")).order_by("code")


def unit_breadcrumb(*, actor: Actor, unit: Unit) -> list[tuple[Unit, bool]]:
    """Ancestors from the root, each with whether the actor may open it."""
    chain = ancestors(unit)
    if not chain:
        return []
    visible = set(
        restrict(Unit.objects.filter(id__in=[u.id for u in chain]), actor, Perm.UNIT_VIEW, unit_field="id").values_list(
            "id", flat=True
        )
    )
    return [(u, u.id in visible) for u in chain]


def unit_pairings(*, actor: Actor, unit: Unit) -> QuerySet[Pairing]:
    pairings = restrict(Pairing.objects.filter(community=unit), actor, Perm.UNIT_VIEW, unit_field="community")
    return pairings.select_related("cobuild_unit").order_by("-is_lead", "cobuild_unit__name")


def cobuild_units_of(*, actor: Actor) -> QuerySet[CobuildUnit]:
    ids = {g.cobuild_unit_id for g in actor.grants if g.cobuild_unit_id}
    return CobuildUnit.objects.filter(id__in=ids).order_by("name")


def boundary_features(*, actor: Actor, limit: int = 2000) -> tuple[list[dict], int]:
    """The boundaries of the units the actor sees as GeoJSON Features (at most ``limit``, in
    code order), and how many there are in all."""
    boundaries = restrict(UnitBoundary.objects.all(), actor, Perm.UNIT_VIEW, unit_field="unit")
    total = boundaries.count()
    rows = boundaries.order_by("unit__code").values("unit_id", "unit__code", "unit__name", "unit__level", "geometry")[
        :limit
    ]
    features = [
        {
            "type": "Feature",
            "geometry": row["geometry"],
            "properties": {
                "unit": row["unit_id"],
                "code": row["unit__code"],
                "name": row["unit__name"],
                "level": row["unit__level"],
            },
        }
        for row in rows
    ]
    return features, total
