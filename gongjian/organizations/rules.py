"""Pure rules about the unit tree (no ORM)."""

from __future__ import annotations

from gongjian.organizations.choices import LEVEL_RANK


def level_may_hold(parent_level: str | None, child_level: str) -> bool:
    """True when a unit of ``child_level`` may sit under a unit of ``parent_level``.

    Only a city may be a root; any lower level may be skipped (a city without districts),
    but never inverted (a street under a community).
    """
    if parent_level is None:
        return child_level == "city"
    return LEVEL_RANK[child_level] > LEVEL_RANK[parent_level]
