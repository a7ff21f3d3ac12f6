"""Which units are nearest a position: the report form's "where are you" suggestion. Pure rules,
no ORM: plain (id, level, latitude, longitude) in, ranked rows out."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000
#: Farther than this, a unit is no suggestion (the phone is somewhere else entirely).
DEFAULT_RADIUS_M = 3_000
#: Within this distance of each other, a compound is the likelier answer than its community:
#: problems belong to the most specific place.
SAME_SPOT_M = 60

_LEVEL_ORDER = {"compound": 0, "community": 1}


@dataclass(frozen=True)
class Place:
    id: int
    level: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Nearby:
    id: int
    distance_m: int


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def nearest(
    places: Iterable[Place], *, latitude: float, longitude: float, limit: int = 5, radius_m: float = DEFAULT_RADIUS_M
) -> list[Nearby]:
    """The ``limit`` places within ``radius_m``, most likely first: nearest first, where distances
    differ by less than ``SAME_SPOT_M`` the compound before the community, then by id (stable)."""
    measured = [
        (distance_m(latitude, longitude, p.latitude, p.longitude), p)
        for p in places
        if p.latitude is not None and p.longitude is not None
    ]
    within = [(d, p) for d, p in measured if d <= radius_m]
    within.sort(key=lambda item: (int(item[0] // SAME_SPOT_M), _LEVEL_ORDER.get(item[1].level, 2), item[0], item[1].id))
    return [Nearby(id=p.id, distance_m=round(d)) for d, p in within[:limit]]
