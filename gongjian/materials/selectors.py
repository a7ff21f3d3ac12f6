"""Reads of materials, scoped through the access module.

A material is visible to its distributor's people (``NOTICE_SEND`` at the owner unit) and to the
people of the units below the owner (``NOTICE_VIEW`` somewhere under it). The distributor sees
every recipient's receipt; anyone else only the receipts of units in their own scope."""

from __future__ import annotations

from django.db.models import Max, Q, QuerySet
from django.http import Http404

from gongjian.accounts.access import Actor, Perm, can_on_unit, restrict
from gongjian.materials.models import Material, MaterialReceipt, MaterialVersion
from gongjian.materials.services import recipient_units
from gongjian.organizations.tree import ancestor_ids_sql


def material_list(*, actor: Actor) -> QuerySet[Material]:
    qs = (
        Material.objects.select_related("owner_unit")
        .annotate(latest_number=Max("versions__number"))
        .order_by("-created_at", "-id")
    )
    if actor.sees_everything(Perm.NOTICE_VIEW) or actor.sees_everything(Perm.NOTICE_SEND):
        return qs
    sent = restrict(Material.objects.all(), actor, Perm.NOTICE_SEND, unit_field="owner_unit").values("pk")
    condition = Q(pk__in=sent)
    if actor.has_perm(Perm.NOTICE_VIEW):
        roots = actor.root_unit_ids(Perm.NOTICE_VIEW)
        if roots:
            condition |= Q(owner_unit_id__in=ancestor_ids_sql(roots))
    return qs.filter(condition)


def material_get(*, actor: Actor, material_id) -> Material:
    try:
        return material_list(actor=actor).get(pk=int(material_id))
    except (Material.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def version_get(*, material: Material, version_id) -> MaterialVersion:
    try:
        return material.versions.get(pk=int(version_id))
    except (MaterialVersion.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def is_sender_side(*, actor: Actor, material: Material) -> bool:
    return can_on_unit(actor, Perm.NOTICE_SEND, material.owner_unit_id)


def version_receipts(*, actor: Actor, version: MaterialVersion) -> list[dict]:
    """Each recipient unit the actor may see, with its receipt of this version or None: the
    distributor sees all of them (who has not confirmed), a street its own communities."""
    units = recipient_units(version.material)
    if not is_sender_side(actor=actor, material=version.material):
        units = restrict(units, actor, Perm.NOTICE_VIEW, unit_field="id")
    receipts = {r.unit_id: r for r in MaterialReceipt.objects.filter(version=version).select_related("confirmed_by")}
    return [{"unit": u, "receipt": receipts.get(u.pk)} for u in units.order_by("code", "name", "id")[:2000]]
