"""The scope columns of a problem (its city, district, street and community, kept on the row so
lists filter without walking the unit tree) and their refresh when units move in the tree."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from gongjian.inspections.models import (
    Problem,
)
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestry


def scope_columns_for(unit: Unit) -> dict[str, int | None]:
    """The values of ``Problem.SCOPE_COLUMNS`` for a problem at ``unit``."""
    chain = ancestry(unit.pk)
    return {
        "city_id": chain.get("city"),
        "district_id": chain.get("district"),
        "street_id": chain.get("street"),
        "community_id": chain.get("community"),
    }


RESCOPE_FIELDS = ("city_id", "district_id", "street_id", "community_id")


@transaction.atomic
def problems_rescope(*, unit_ids: Iterable[int], actor=None) -> int:
    """Refresh the scope columns of the problems at these units (after units moved in the tree).

    Each problem whose city, district, street or community changes gets a ``problem.rescope``
    audit event (``changes``: field → [old, new]), like every other problem write: a month
    computed before the move is then seen as changed (``assessments.freshness``), and its
    publication refused until it is computed again. Returns the number of problems that moved."""
    from gongjian.core.models import AuditEvent

    moved = 0
    for unit in Unit.objects.filter(id__in=list(unit_ids)):
        target = scope_columns_for(unit)
        rows = [
            (pk, number, dict(zip(RESCOPE_FIELDS, old, strict=True)))
            for pk, number, *old in Problem.objects.filter(unit=unit)
            .exclude(**target)
            .values_list("id", "number", *RESCOPE_FIELDS)
        ]
        if not rows:
            continue
        Problem.objects.filter(id__in=[pk for pk, _number, _old in rows]).update(**target)
        now = timezone.now()
        actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    at=now,
                    actor_id=actor_id,
                    action="problem.rescope",
                    target_type=Problem._meta.label_lower,
                    target_id=str(pk),
                    target_repr=number[:200],
                    changes={
                        field: [old[field], target[field]] for field in RESCOPE_FIELDS if old[field] != target[field]
                    },
                    note=f"unit {unit.pk} moved in the tree",
                )
                for pk, number, old in rows
            ],
            batch_size=1000,
        )
        moved += len(rows)
    return moved
