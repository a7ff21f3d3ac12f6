"""Unit boundaries checked without the database: the geometry rules as a table, then a whole
FeatureCollection file, each bad feature named."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from gongjian.organizations import boundaries
from gongjian.organizations.boundaries import (
    BoundaryFileRefused,
    clean_geometry,
    codes_for,
    geometry_errors,
    read_collection,
    ring_around,
)

SQUARE = [[120.0, 29.0], [120.01, 29.0], [120.01, 29.01], [120.0, 29.01], [120.0, 29.0]]
HOLE = [[120.002, 29.002], [120.004, 29.002], [120.004, 29.004], [120.002, 29.002]]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        (polygon(SQUARE), None),
        (polygon(SQUARE, HOLE), None),
        ({"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE, HOLE]]}, None),
        (polygon([[lng, lat, 12.5] for lng, lat in SQUARE]), None),  # an altitude is allowed (and dropped)
        (polygon([[-180, -90], [180, -90], [180, 90], [-180, -90]]), None),  # the edges of the world are in it
        ("POLYGON((120 29, ...))", "must be a GeoJSON object"),
        (None, "must be a GeoJSON object"),
        ({"type": "Point", "coordinates": [120, 29]}, "must be a Polygon or a MultiPolygon"),
        ({"type": "LineString", "coordinates": SQUARE}, "must be a Polygon or a MultiPolygon"),
        ({"coordinates": [SQUARE]}, "must be a Polygon or a MultiPolygon"),
        ({"type": "Polygon"}, "must be a list of rings"),
        (polygon(), "must be a list of rings"),
        ({"type": "MultiPolygon", "coordinates": [[]]}, "must be a list of rings"),
        (polygon(SQUARE[:3]), "at least four positions"),
        (polygon(SQUARE[:-1]), "not closed"),
        (polygon([[29.0, 120.0], [29.01, 120.0], [29.01, 120.01], [29.0, 120.0]]), "latitude 120.0 is outside"),
        (polygon([[181, 29], [120.01, 29.0], [120.01, 29.01], [181, 29]]), "longitude 181 is outside"),
        (polygon([[120, 29], [120.01, "29"], [120.01, 29.01], [120, 29]]), "in numbers"),
        (polygon([[120, 29], [120.01, True], [120.01, 29.01], [120, 29]]), "in numbers"),
        (polygon([[120, 29], [120.01, float("nan")], [120.01, 29.01], [120, 29]]), "in numbers"),
        (polygon([[120, 29], [120.01], [120.01, 29.01], [120, 29]]), "in numbers"),
        (polygon([[120, 29], {"lng": 1}, [120.01, 29.01], [120, 29]]), "in numbers"),
        (polygon(SQUARE, "ring"), "polygon 1, ring 2: a ring needs at least four positions"),
        (polygon(SQUARE * 1001), "Too many positions: 5005"),
        ({"type": "MultiPolygon", "coordinates": [[SQUARE]] * 201}, "Too many rings: 201"),
    ],
)
def test_a_boundary_is_a_closed_polygon_of_bounded_size_in_longitude_latitude(geometry, expected):
    errors = geometry_errors(geometry)
    if expected is None:
        assert errors == []
    else:
        assert any(expected in error for error in errors), errors


def test_every_bad_ring_is_named_not_only_the_first():
    errors = geometry_errors({"type": "MultiPolygon", "coordinates": [[SQUARE[:-1]], [SQUARE], [SQUARE[:2]]]})
    assert [e.split(":")[0] for e in errors] == ["polygon 1, ring 1", "polygon 3, ring 1"]


def test_a_clean_geometry_keeps_only_the_type_and_rounded_positions():
    geometry = {
        "type": "Polygon",
        "coordinates": [[[120.12345678, 29.1, 5], [120.2, 29.1], [120.2, 29.2], [120.12345678, 29.1]]],
        "crs": {"type": "name"},
        "bbox": [0, 0, 1, 1],
    }
    assert clean_geometry(geometry) == {
        "type": "Polygon",
        "coordinates": [[[120.123457, 29.1], [120.2, 29.1], [120.2, 29.2], [120.123457, 29.1]]],
    }


def test_cleaning_a_bad_geometry_raises_every_reason():
    with pytest.raises(ValidationError) as caught:
        clean_geometry(polygon(SQUARE[:-1]))
    assert "not closed" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("330106001001", ["330106001001"]),
        ("3301", ["3301", "330100000000"]),
        (330106, ["330106", "330106000000"]),
        (" T0001 ", ["T0001"]),
        ("", []),
        (None, []),
        (True, []),
        (["330106"], []),
    ],
)
def test_a_feature_names_its_unit_by_its_code_or_its_short_division_code(raw, expected):
    assert codes_for(raw) == expected


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(code, geometry=None, key="code"):
    return {"type": "Feature", "properties": {key: code}, "geometry": geometry or polygon(SQUARE)}


def refusal(content: bytes, **kw) -> list[str]:
    with pytest.raises(BoundaryFileRefused) as caught:
        read_collection(content, **kw)
    return caught.value.errors


def test_a_good_file_gives_one_planned_boundary_per_feature():
    planned = read_collection(
        collection(feature("A1"), feature("3301", {"type": "MultiPolygon", "coordinates": [[SQUARE]]}))
    )
    assert [(p.number, p.codes, p.geometry["type"]) for p in planned] == [
        (1, ("A1",), "Polygon"),
        (2, ("3301", "330100000000"), "MultiPolygon"),
    ]


def test_the_matching_property_can_be_another_one():
    planned = read_collection(collection(feature("330106001001", key="adcode")), match_property="adcode")
    assert planned[0].codes == ("330106001001",)


def test_a_file_with_bad_features_is_refused_naming_each_one():
    errors = refusal(
        collection(
            feature("A1"),
            feature("A2", polygon(SQUARE[:-1])),
            {"type": "Feature", "properties": {"name": "没有代码"}, "geometry": polygon(SQUARE)},
            feature("A1"),
            {"type": "Feature", "properties": {"code": "A5"}, "geometry": {"type": "Point", "coordinates": [1, 2]}},
            "not a feature",
        )
    )
    assert errors == [
        "Feature 2 (A2): polygon 1, ring 1: the ring is not closed (its last position must repeat its first)",
        "Feature 3: the property 'code' with the unit's code is missing.",
        "Feature 4 (A1): the same unit as feature 1.",
        "Feature 5 (A5): The geometry must be a Polygon or a MultiPolygon, not 'Point'.",
        "Feature 6: not a GeoJSON Feature.",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is not GeoJSON"),
        (b"\xff\xfe not text", "is not GeoJSON"),
        (b"[1, 2", "is not GeoJSON"),
        (b"[" * 100_000 + b"]" * 100_000, "is not GeoJSON"),
        (json.dumps({"type": "Feature", "geometry": polygon(SQUARE)}).encode(), "must be a GeoJSON FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": {}}).encode(), "must be a GeoJSON FeatureCollection"),
        (collection(), "has no features"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(content, expected):
    errors = refusal(content)
    assert len(errors) == 1 and expected in errors[0]


def test_a_file_with_too_many_features_or_bytes_is_refused(monkeypatch):
    monkeypatch.setattr(boundaries, "MAX_FEATURES", 2)
    assert "3 features (at most 2)" in refusal(collection(feature("A"), feature("B"), feature("C")))[0]
    monkeypatch.setattr(boundaries, "MAX_FILE_BYTES", 100)
    assert "larger than" in refusal(b" " * 101)[0]


def test_a_chinese_user_reads_the_reasons_in_chinese():
    with translation.override("zh-hans"):
        errors = refusal(collection(feature("A2", polygon(SQUARE[:-1]))))
    assert errors[0].startswith("要素 1 (A2)：第 1 个多边形第 1 个环：环未闭合"), errors


def test_a_ring_around_a_point_is_a_valid_closed_polygon_around_it():
    geometry = ring_around(29.3, 120.08, radius=0.001, sides=6)
    assert geometry_errors(geometry) == []
    ring = geometry["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1]
    assert min(p[0] for p in ring) < 120.08 < max(p[0] for p in ring)
    assert min(p[1] for p in ring) < 29.3 < max(p[1] for p in ring)


def test_a_file_with_very_many_bad_features_gets_a_bounded_list_of_reasons():
    errors = refusal(collection(*[feature(f"X{n}" * 30, polygon(SQUARE[:-1])) for n in range(150)]))
    assert len(errors) == boundaries.MAX_ERRORS
    assert errors[-1] == "… and 51 more problems."
    assert errors[0].startswith("Feature 1 (" + ("X0" * 20) + "): ")  # a long code is cut in the message
