"""The demo city's unit boundaries: a hexagon around each community and compound (the demo's
units have a made-up position near their parent's, not a surveyed outline), imported through the same path as a
city's GeoJSON file (gongjian/organizations/boundaries.py), so running it twice changes nothing."""

from __future__ import annotations

import json
import math

from gongjian.organizations.boundaries import read_collection, ring_around
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.services import boundaries_import

# Degrees of latitude from the centre to a corner: a community about 610 m (the honeycomb's cells
# are 0.0125° apart and its compounds lie within 0.0026° of its centre: gongjian/demo/city.py), a
# compound about 90 m (its problems within 0.0008° of its centre: gongjian/demo/inspections.py).
RADIUS = {UnitLevel.COMMUNITY: 0.0055, UnitLevel.COMPOUND: 0.0008}


def demo_boundaries() -> dict:
    """The demo city's boundaries as a GeoJSON FeatureCollection."""
    units = Unit.objects.filter(level__in=list(RADIUS), latitude__isnull=False).values(
        "code", "level", "latitude", "longitude"
    )
    features = []
    for unit in units.order_by("code"):
        turn = (int(unit["code"][-2:]) % 6) * math.pi / 18  # not all alike
        geometry = ring_around(
            float(unit["latitude"]), float(unit["longitude"]), radius=RADIUS[unit["level"]], turn=turn
        )
        features.append({"type": "Feature", "properties": {"code": unit["code"]}, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def build_demo_boundaries() -> int:
    """Import the demo boundaries; the number of units that got a new one."""
    planned = read_collection(json.dumps(demo_boundaries()).encode())
    return boundaries_import(actor=None, planned=planned).created
