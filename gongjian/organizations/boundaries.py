"""Unit boundaries as GeoJSON (RFC 7946), checked without the ORM.

A boundary is a ``Polygon`` or a ``MultiPolygon`` in WGS 84 longitude/latitude order
(``[lng, lat]``). ``geometry_errors`` says everything wrong with one geometry; ``clean_geometry``
returns the stored form (only ``type`` and ``coordinates``, positions as ``[lng, lat]`` rounded to
six decimals, about 0.1 m) or raises. ``read_collection`` reads a whole FeatureCollection file and
names every bad feature, so that a file is either taken whole or not at all."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongjian.organizations.divisions import normalise_code

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
MAX_VERTICES = 5000  # positions in one unit's boundary, all rings together
MAX_RINGS = 200  # rings in one unit's boundary, all polygons together
MAX_FEATURES = 5000  # features in one file
MAX_FILE_BYTES = 20 * 1024 * 1024
DECIMALS = 6
MAX_LABEL = 40  # characters of a feature's code repeated in a message
MAX_ERRORS = 100  # messages about one file; the rest are counted


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _position_error(position) -> str | None:
    if not isinstance(position, list) or len(position) not in (2, 3) or not all(_is_number(v) for v in position):
        return _("a position must be [longitude, latitude] in numbers")
    lng, lat = position[0], position[1]
    if not -180 <= lng <= 180:
        return _("longitude %(value)s is outside -180 to 180") % {"value": lng}
    if not -90 <= lat <= 90:
        return _("latitude %(value)s is outside -90 to 90") % {"value": lat}
    return None


def _located(where: str, problem: str) -> str:
    return _("%(where)s: %(problem)s") % {"where": where, "problem": problem}


def _ring_errors(ring, where: str) -> list[str]:
    if not isinstance(ring, list) or len(ring) < 4:
        return [_("%(where)s: a ring needs at least four positions (the first repeated last)") % {"where": where}]
    for position in ring:
        error = _position_error(position)
        if error:
            return [_located(where, error)]
    if ring[0][:2] != ring[-1][:2]:
        return [_("%(where)s: the ring is not closed (its last position must repeat its first)") % {"where": where}]
    return []


def _polygons(geometry: dict) -> list | None:
    """The polygons of a geometry (a Polygon is one), or None when the nesting is wrong."""
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        return None
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not all(isinstance(p, list) and p for p in polygons):
        return None
    return polygons


def geometry_errors(geometry) -> list[str]:
    """Every reason this geometry cannot be a unit's boundary; empty when it can."""
    if not isinstance(geometry, dict):
        return [_("The geometry must be a GeoJSON object.")]
    if geometry.get("type") not in GEOMETRY_TYPES:
        return [_("The geometry must be a Polygon or a MultiPolygon, not %(type)r.") % {"type": geometry.get("type")}]
    polygons = _polygons(geometry)
    if polygons is None:
        return [_("The coordinates must be a list of rings (a Polygon) or of polygons (a MultiPolygon).")]
    rings = [ring for polygon in polygons for ring in polygon]
    if len(rings) > MAX_RINGS:
        return [_("Too many rings: %(count)d (at most %(max)d).") % {"count": len(rings), "max": MAX_RINGS}]
    vertices = sum(len(ring) for ring in rings if isinstance(ring, list))
    if vertices > MAX_VERTICES:
        return [_("Too many positions: %(count)d (at most %(max)d).") % {"count": vertices, "max": MAX_VERTICES}]
    errors = []
    for p, polygon in enumerate(polygons, start=1):
        for r, ring in enumerate(polygon, start=1):
            where = _("polygon %(p)d, ring %(r)d") % {"p": p, "r": r}
            errors.extend(_ring_errors(ring, where))
    return errors


def clean_geometry(geometry) -> dict:
    """The geometry as stored; raises ValidationError with every reason when it is refused."""
    errors = geometry_errors(geometry)
    if errors:
        raise ValidationError(errors)
    polygons = [
        [[[round(float(x), DECIMALS), round(float(y), DECIMALS)] for x, y, *_z in ring] for ring in polygon]
        for polygon in _polygons(geometry)
    ]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def codes_for(raw) -> list[str]:
    """The unit codes a feature's property may mean: as written, and as a 12-digit division code
    when it is one written short (3301 → 330100000000)."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return []
    text = str(raw).strip()
    if not text:
        return []
    padded = normalise_code(text)
    return [text] if padded is None or padded == text else [text, padded]


@dataclass(frozen=True)
class PlannedBoundary:
    number: int  # the feature's place in the file, from 1
    codes: tuple[str, ...]  # the codes it may match, best first
    label: str  # the code as written, for messages
    geometry: dict


class BoundaryFileRefused(Exception):
    """The file is refused whole; ``errors`` name each bad feature."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def read_collection(content: bytes, *, match_property: str = "code") -> list[PlannedBoundary]:
    """The boundaries of a GeoJSON FeatureCollection, each feature matched by ``match_property``;
    raises BoundaryFileRefused naming every bad feature."""
    if len(content) > MAX_FILE_BYTES:
        raise BoundaryFileRefused([_("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}])
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BoundaryFileRefused([_("The file is not GeoJSON (UTF-8 JSON text).")]) from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise BoundaryFileRefused([_("The file must be a GeoJSON FeatureCollection.")])
    features = data["features"]
    if not features:
        raise BoundaryFileRefused([_("The file has no features.")])
    if len(features) > MAX_FEATURES:
        raise BoundaryFileRefused(
            [_("The file has %(count)d features (at most %(max)d).") % {"count": len(features), "max": MAX_FEATURES}]
        )
    planned, errors, seen = [], [], {}
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        raw = properties.get(match_property) if isinstance(properties, dict) else None
        codes = codes_for(raw)
        label = str(raw).strip()[:MAX_LABEL] if codes else ""
        name = _("Feature %(number)d") % {"number": number} + (f" ({label})" if label else "")
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(_("%(feature)s: not a GeoJSON Feature.") % {"feature": name})
            continue
        if not codes:
            errors.append(
                _("%(feature)s: the property %(property)r with the unit's code is missing.")
                % {"feature": name, "property": match_property}
            )
            continue
        if codes[-1] in seen:
            errors.append(
                _("%(feature)s: the same unit as feature %(other)d.") % {"feature": name, "other": seen[codes[-1]]}
            )
            continue
        seen[codes[-1]] = number
        problems = geometry_errors(feature.get("geometry"))
        if problems:
            errors.extend(_located(name, problem) for problem in problems[:5])
            continue
        planned.append(PlannedBoundary(number, tuple(codes), label, clean_geometry(feature["geometry"])))
    if errors:
        raise BoundaryFileRefused(capped(errors))
    return planned


def capped(errors: list[str]) -> list[str]:
    """At most MAX_ERRORS messages, the last saying how many more there are."""
    if len(errors) <= MAX_ERRORS:
        return errors
    rest = len(errors) - MAX_ERRORS + 1
    return [*errors[: MAX_ERRORS - 1], _("… and %(count)d more problems.") % {"count": rest}]


def ring_around(lat: float, lng: float, *, radius: float, sides: int = 6, turn: float = 0.0) -> dict:
    """A regular polygon around a point (``radius`` in degrees of latitude): the demo city's
    boundaries, and a quick test shape."""
    scale = 1 / max(math.cos(math.radians(lat)), 0.01)
    ring = [
        [
            round(lng + radius * scale * math.cos(turn + 2 * math.pi * k / sides), DECIMALS),
            round(lat + radius * math.sin(turn + 2 * math.pi * k / sides), DECIMALS),
        ]
        for k in range(sides)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
