"""Writes to the unit tree, co-construction units and pairings. Each one is audited."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.core.audit import audit_record, model_changes, snapshot
from gongjian.organizations.boundaries import PlannedBoundary, capped
from gongjian.organizations.divisions import PlannedUnit
from gongjian.organizations.models import CobuildUnit, Pairing, Unit, UnitBoundary
from gongjian.organizations.signals import announce_move

_UNIT_FIELDS = ["code", "name", "level", "parent", "latitude", "longitude"]


@transaction.atomic
def unit_create(
    *,
    actor,
    code: str,
    name: str,
    level: str,
    parent: Unit | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Unit:
    unit = Unit(code=code, name=name, level=level, parent=parent, latitude=latitude, longitude=longitude)
    unit.full_clean()
    unit.save()
    audit_record(
        actor=actor, action="unit.create", target=unit, changes=model_changes({}, snapshot(unit, _UNIT_FIELDS))
    )
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, **fields) -> Unit:
    unknown = set(fields) - set(_UNIT_FIELDS)
    if unknown:
        raise TypeError(f"unit_update() got unexpected fields: {sorted(unknown)}")
    before = snapshot(unit, _UNIT_FIELDS)
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.full_clean()
    unit.save()
    changes = model_changes(before, snapshot(unit, _UNIT_FIELDS))
    if changes:
        audit_record(actor=actor, action="unit.update", target=unit, changes=changes)
    if "parent" in changes:
        announce_move(unit, actor=actor)
    return unit


@transaction.atomic
def cobuild_unit_create(
    *, actor, name: str, kind: str, address: str = "", credit_code: str = "", located_in: Unit | None = None
) -> CobuildUnit:
    cobuild = CobuildUnit(name=name, kind=kind, address=address, credit_code=credit_code, located_in=located_in)
    cobuild.full_clean()
    cobuild.save()
    audit_record(actor=actor, action="cobuild_unit.create", target=cobuild)
    return cobuild


@transaction.atomic
def pairing_create(
    *, actor, cobuild_unit: CobuildUnit, community: Unit, started_on: datetime.date, is_lead: bool = False
) -> Pairing:
    pairing = Pairing(cobuild_unit=cobuild_unit, community=community, started_on=started_on, is_lead=is_lead)
    pairing.full_clean()
    pairing.save()
    audit_record(actor=actor, action="pairing.create", target=pairing)
    return pairing


@dataclass
class UnitsImported:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def units_import(*, actor, planned: list[PlannedUnit]) -> UnitsImported:
    """Create or update the planned units (``divisions.plan``: parents first), matched on their
    codes, so that importing the same file twice changes nothing. All or nothing: any unit the
    model refuses rolls the whole import back. Each creation and change is audited."""
    summary = UnitsImported()
    codes = [unit.code for unit in planned]
    existing: dict[str, Unit] = {}
    for start in range(0, len(codes), 500):
        existing.update(Unit.objects.in_bulk(codes[start : start + 500], field_name="code"))
    for item in planned:
        parent = existing[item.parent_code] if item.parent_code else None
        unit = existing.get(item.code)
        if unit is None:
            unit = unit_create(actor=actor, code=item.code, name=item.name, level=item.level, parent=parent)
            existing[item.code] = unit
            summary.created += 1
            continue
        changes = {}
        if unit.name != item.name:
            changes["name"] = item.name
        if unit.level != item.level:
            changes["level"] = item.level
        if unit.parent_id != (parent.pk if parent else None):
            changes["parent"] = parent
        if changes:
            unit_update(actor=actor, unit=unit, **changes)
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary


# --- boundaries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoundaryImportSummary:
    created: int
    updated: int
    unchanged: int


def _geometry_digest(geometry: dict) -> str:
    return hashlib.sha256(json.dumps(geometry, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


@transaction.atomic
def boundaries_import(*, actor, planned: list[PlannedBoundary]) -> BoundaryImportSummary:
    """Set the boundaries of the units the features name (matched on their codes). Every feature
    must name a unit the actor may change (None: the system, from a command); otherwise
    ValidationError lists each one and nothing is changed. Each boundary set is audited."""
    codes = {code for plan in planned for code in plan.codes}
    units = Unit.objects.filter(code__in=codes)
    if actor is not None:
        units = restrict(units, actor_for(actor), Perm.UNIT_CHANGE, unit_field="id")
    by_code = {unit.code: unit for unit in units}
    matched, errors = [], []
    for plan in planned:
        unit = next((by_code[code] for code in plan.codes if code in by_code), None)
        if unit is None:
            errors.append(
                _("Feature %(number)d (%(code)s): no unit with this code that you may change.")
                % {"number": plan.number, "code": plan.label}
            )
        else:
            matched.append((plan, unit))
    if errors:
        raise ValidationError(capped(errors))
    existing = {b.unit_id: b for b in UnitBoundary.objects.filter(unit__in=[unit for _plan, unit in matched])}
    created = updated = unchanged = 0
    for plan, unit in matched:
        boundary = existing.get(unit.id)
        before = {"digest": _geometry_digest(boundary.geometry), "positions": boundary.vertex_count} if boundary else {}
        if boundary is not None and boundary.geometry == plan.geometry:
            unchanged += 1
            continue
        if boundary is None:
            boundary = UnitBoundary(unit=unit)
            created += 1
        else:
            updated += 1
        boundary.geometry = plan.geometry
        boundary.vertex_count = sum(len(ring) for ring in _rings(plan.geometry))
        boundary.full_clean()
        boundary.save()
        after = {"digest": _geometry_digest(boundary.geometry), "positions": boundary.vertex_count}
        audit_record(actor=actor, action="unit.boundary_set", target=unit, changes=model_changes(before, after))
    return BoundaryImportSummary(created=created, updated=updated, unchanged=unchanged)


def _rings(geometry: dict) -> list:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for polygon in polygons for ring in polygon]
