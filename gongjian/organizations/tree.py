"""Subtree and ancestor queries on the unit tree with recursive SQL (works on SQLite and
PostgreSQL). The functions return expressions usable inside ``filter(..__in=...)`` so the
database, not Python, walks the tree and the result never travels to the application."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.expressions import RawSQL

from gongjian.organizations.models import Unit

_TABLE = Unit._meta.db_table


def _placeholders(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def subtree_ids_sql(root_ids: Iterable[int]) -> RawSQL:
    """Ids of the given units and all their descendants, as a subquery."""
    ids = sorted({int(i) for i in root_ids}) or [0]
    sql = (
        f"WITH RECURSIVE subtree(id) AS ("
        f" SELECT id FROM {_TABLE} WHERE id IN ({_placeholders(ids)})"
        f" UNION SELECT u.id FROM {_TABLE} u JOIN subtree s ON u.parent_id = s.id"
        f") SELECT id FROM subtree"
    )
    return RawSQL(sql, ids)


def ancestor_ids_sql(unit_ids: Iterable[int]) -> RawSQL:
    """Ids of the given units and all their ancestors, as a subquery."""
    ids = sorted({int(i) for i in unit_ids}) or [0]
    sql = (
        f"WITH RECURSIVE up(id, parent_id) AS ("
        f" SELECT id, parent_id FROM {_TABLE} WHERE id IN ({_placeholders(ids)})"
        f" UNION SELECT u.id, u.parent_id FROM {_TABLE} u JOIN up ON u.id = up.parent_id"
        f") SELECT id FROM up"
    )
    return RawSQL(sql, ids)


def ancestors(unit: Unit) -> list[Unit]:
    """The unit's ancestors from the root down, the unit itself excluded (for breadcrumbs)."""
    if unit.parent_id is None:
        return []
    rows = {u.id: u for u in Unit.objects.filter(id__in=ancestor_ids_sql([unit.parent_id]))}
    chain: list[Unit] = []
    current = rows.get(unit.parent_id)
    while current is not None:
        chain.append(current)
        current = rows.get(current.parent_id) if current.parent_id else None
    chain.reverse()
    return chain


def subtree(root_ids: Iterable[int]):
    return Unit.objects.filter(id__in=subtree_ids_sql(root_ids))


def ancestry(unit_id: int) -> dict[str, int]:
    """``{level: unit id}`` of the unit and each of its ancestors (one query): the values a row
    copies into its scope columns."""
    rows = Unit.objects.filter(id__in=ancestor_ids_sql([unit_id])).values_list("id", "level")
    return {level: pk for pk, level in rows}
