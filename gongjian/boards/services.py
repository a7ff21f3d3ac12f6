"""Writes of the public board: the city office's settings (audited; each change a new version)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.boards.models import SECTIONS, BoardSettings
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.organizations.models import Unit


def board_settings_for(city: Unit) -> BoardSettings:
    """The city's settings; the defaults (everything shown) until the office first changes them."""
    return BoardSettings.objects.filter(city=city).first() or BoardSettings(city=city)


@transaction.atomic
def board_settings_update(*, user, city: Unit, **flags: bool) -> BoardSettings:
    """Show or hide the board's sections. Only the city office (``Perm.BOARD_MANAGE`` at the city)."""
    if Perm.BOARD_MANAGE not in perms_at_unit(actor_for(user), city.pk):
        raise NotPermitted(_("You are not allowed to do this for %(unit)s.") % {"unit": city})
    unknown = set(flags) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown board sections: {sorted(unknown)}")
    current, _created = BoardSettings.objects.select_for_update().get_or_create(city=city)
    before = {name: getattr(current, name) for name in SECTIONS}
    changes = {name: [before[name], bool(value)] for name, value in flags.items() if before[name] != bool(value)}
    if not changes:
        return current
    for name, (_old, new) in changes.items():
        setattr(current, name, new)
    current.version += 1
    current.updated_by = user
    current.save()
    audit_record(actor=user, action="board.settings", target=current, changes=changes)
    return current
