"""Writes to the unit tree, co-construction units and pairings. Each one is audited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from gongjian.core.audit import audit_record, model_changes, snapshot
from gongjian.organizations.divisions import PlannedUnit
from gongjian.organizations.models import CobuildUnit, Pairing, Unit
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
