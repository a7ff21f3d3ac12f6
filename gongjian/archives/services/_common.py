"""Helpers every archive write shares: typed text made plain, the permission check at a unit and
the city a unit belongs to."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.errors import NotPermitted
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.tree import ancestry

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _plain(value) -> str:
    """Text as people typed it, without the control characters that no document format accepts
    (a stray \\x0b pasted from Word would break the Word skeleton and the Excel index)."""
    return _CONTROL.sub("", str(value or "")).strip()


def _require_at(user, perm: Perm, unit_id: int) -> None:
    if perm not in perms_at_unit(actor_for(user), unit_id):
        raise NotPermitted(_("You cannot change the archive of this unit."))


def _city_of(unit_id: int) -> int | None:
    return ancestry(unit_id).get(UnitLevel.CITY)
