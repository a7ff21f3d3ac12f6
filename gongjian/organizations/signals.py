"""Signals other apps listen to, so the unit tree does not need to know about them."""

from django.dispatch import Signal

# Sent after units changed place in the tree; ``unit_ids`` holds the moved units and everything
# below them, and ``actor`` who moved them (None for a system change). Apps that copy a unit's
# ancestry into their rows (problems) refresh it.
unit_moved = Signal()


def announce_move(unit, actor=None) -> None:
    from gongjian.organizations.models import Unit
    from gongjian.organizations.tree import subtree_ids_sql

    ids = list(Unit.objects.filter(id__in=subtree_ids_sql([unit.pk])).values_list("id", flat=True))
    unit_moved.send(sender=Unit, unit_ids=ids, actor=actor)
