"""The demo city's boundaries: one per community and compound, imported through the file path,
idempotent, and each compound drawn inside its community's outline."""

import pytest

from gongjian.demo.boundaries import build_demo_boundaries, demo_boundaries
from gongjian.demo.city import build_demo_city
from gongjian.organizations.boundaries import geometry_errors
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit, UnitBoundary

pytestmark = pytest.mark.django_db


def inside(point, ring) -> bool:
    """Ray casting: is (lng, lat) inside the closed ring?"""
    x, y = point
    result = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            result = not result
    return result


def test_every_community_and_compound_gets_a_boundary_once():
    build_demo_city()
    expected = Unit.objects.filter(level__in=[UnitLevel.COMMUNITY, UnitLevel.COMPOUND]).count()
    assert build_demo_boundaries() == expected
    assert build_demo_boundaries() == 0  # the same shapes again: nothing changes
    assert UnitBoundary.objects.count() == expected
    assert all(geometry_errors(f["geometry"]) == [] for f in demo_boundaries()["features"])


def test_each_compound_lies_inside_its_communitys_outline():
    build_demo_city()
    build_demo_boundaries()
    outlines = {b.unit_id: b.geometry["coordinates"][0] for b in UnitBoundary.objects.all()}
    compounds = Unit.objects.filter(level=UnitLevel.COMPOUND)
    assert compounds.exists()
    for compound in compounds:
        for corner in outlines[compound.pk]:
            assert inside(corner, outlines[compound.parent_id]), compound.name
