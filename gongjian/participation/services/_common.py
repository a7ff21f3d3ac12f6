"""What every participation service needs: the permission check at a unit and the city of a unit."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.errors import NotPermitted
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestor_ids_sql


def _require_at(user, perm: Perm, unit_id: int, field: str) -> None:
    if perm not in perms_at_unit(actor_for(user), unit_id):
        raise NotPermitted(_("You cannot do this for this community."))


def city_of(unit_id: int) -> int | None:
    """The city a unit belongs to (its ancestor of level city)."""
    return (
        Unit.objects.filter(id__in=ancestor_ids_sql([unit_id]), level=UnitLevel.CITY)
        .values_list("id", flat=True)
        .first()
    )
