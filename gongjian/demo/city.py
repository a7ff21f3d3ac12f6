"""Build (or top up) the demo city. Idempotent: everything is looked up by its code or username
first, so running it twice changes nothing and duplicates nothing."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from gongjian.accounts.choices import Role
from gongjian.accounts.models import User
from gongjian.accounts.services import membership_grant, user_create
from gongjian.demo import names
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import CobuildUnit, Pairing, Unit
from gongjian.organizations.services import cobuild_unit_create, pairing_create, unit_create

DEMO_PASSWORD = "gongjian-demo"
CITY_CODE = "339900"
COMMUNITIES_PER_STREET = 5
COMPOUNDS_PER_COMMUNITY = 5
PAIRING_START = datetime.date(2026, 1, 1)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    place: str


def _coordinate(rng: random.Random, base: float, spread: float) -> Decimal:
    return Decimal(f"{base + rng.uniform(-spread, spread):.6f}")


# Where the demo's units lie: communities on a honeycomb, one row of five per street (so their
# outlines, gongjian/demo/boundaries.py, tile the city without overlapping), a street and a
# district at the middle of theirs, and each compound near its community's centre, inside its
# outline. Degrees of latitude; a degree of longitude is shorter here (× 1.15).
ROW_STEP, COLUMN_STEP = 0.0125, 0.0145
COMPOUND_SPREAD = 0.0026


def _cell(row: int, column: float) -> tuple[float, float]:
    return 29.30 + (2.5 - row) * ROW_STEP, 120.08 + (column - 2) * COLUMN_STEP + (row % 2) * COLUMN_STEP / 2


def _unit(
    code: str,
    name: str,
    level: str,
    parent: Unit | None,
    rng: random.Random,
    at: tuple[float, float] | None = None,
) -> Unit:
    existing = Unit.objects.filter(code=code).first()
    if existing is not None:
        return existing
    lat, lng = at or (29.30, 120.08)
    spread = COMPOUND_SPREAD if level == UnitLevel.COMPOUND else 0.0
    if level == UnitLevel.COMPOUND and parent is not None and parent.latitude is not None:
        lat, lng = float(parent.latitude), float(parent.longitude)
    return unit_create(
        actor=None,
        code=code,
        name=name,
        level=level,
        parent=parent,
        latitude=_coordinate(rng, lat, spread),
        longitude=_coordinate(rng, lng, spread * 1.15),
    )


def _build_tree(rng: random.Random) -> dict[str, list[Unit]]:
    city = _unit(CITY_CODE, "青川市", UnitLevel.CITY, None, rng)
    streets: list[Unit] = []
    communities: list[Unit] = []
    compounds: list[Unit] = []
    street_names = iter(names.STREETS)
    community_words = iter(names.COMMUNITY_WORDS)
    compound_index = 0
    for district_no, (district_name, district_suffix) in enumerate(names.DISTRICTS):
        district_at = _cell(district_no * 3 + 1, 2)
        district = _unit(CITY_CODE[:4] + district_suffix, district_name, UnitLevel.DISTRICT, city, rng, district_at)
        for street_no in range(1, 4):
            row = len(streets)
            street = _unit(
                f"{district.code}{street_no:03d}", next(street_names), UnitLevel.STREET, district, rng, _cell(row, 2)
            )
            streets.append(street)
            for community_no in range(1, COMMUNITIES_PER_STREET + 1):
                community = _unit(
                    f"{street.code}{community_no:03d}",
                    f"{next(community_words)}社区",
                    UnitLevel.COMMUNITY,
                    street,
                    rng,
                    _cell(row, community_no - 1),
                )
                communities.append(community)
                for compound_no in range(1, COMPOUNDS_PER_COMMUNITY + 1):
                    word = names.COMPOUND_WORDS[compound_index % len(names.COMPOUND_WORDS)]
                    pattern = names.COMPOUND_PATTERNS[(compound_index // len(names.COMPOUND_WORDS)) % 5]
                    compound_index += 1
                    compounds.append(
                        _unit(
                            f"{community.code}{compound_no:02d}",
                            pattern.format(w=word),
                            UnitLevel.COMPOUND,
                            community,
                            rng,
                        )
                    )
    return {"city": [city], "streets": streets, "communities": communities, "compounds": compounds}


def _build_cobuild_units(communities: list[Unit], rng: random.Random) -> list[CobuildUnit]:
    units: list[CobuildUnit] = []
    for index, (name, kind) in enumerate(names.COBUILD_UNITS):
        cobuild = CobuildUnit.objects.filter(name=name).first() or cobuild_unit_create(
            actor=None, name=name, kind=kind, located_in=communities[index % len(communities)]
        )
        units.append(cobuild)
        # Each unit is paired with its own community and one more; unit 0 with community1.
        paired = {communities[index % len(communities)], communities[(index * 7 + 3) % len(communities)]}
        for community in sorted(paired, key=lambda c: c.code):
            if not Pairing.objects.filter(cobuild_unit=cobuild, community=community).exists():
                pairing_create(
                    actor=None,
                    cobuild_unit=cobuild,
                    community=community,
                    started_on=PAIRING_START,
                    is_lead=index < 6 and community == communities[index % len(communities)],
                )
    return units


def _account(username: str, display_name: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        return user_create(actor=None, username=username, password=DEMO_PASSWORD, name=display_name)
    user.set_password(DEMO_PASSWORD)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user


@transaction.atomic
def build_demo_city(seed: int = 2026) -> list[DemoAccount]:
    rng = random.Random(seed)
    tree = _build_tree(rng)
    city = tree["city"][0]
    streets, communities, compounds = tree["streets"], tree["communities"], tree["compounds"]
    cobuild_units = _build_cobuild_units(communities, rng)

    community1 = communities[0]  # in streets[0]
    community2 = communities[COMMUNITIES_PER_STREET * 3]  # in streets[3], another district
    compound1 = compounds[0]
    plan = [
        ("city", Role.CITY_ADMIN, {"unit": city}),
        ("leader1", Role.CITY_LEADER, {"unit": city}),
        ("street1", Role.STREET_OFFICER, {"unit": streets[0]}),
        ("community1", Role.COMMUNITY_WORKER, {"unit": community1}),
        ("community2", Role.COMMUNITY_WORKER, {"unit": community2}),
        ("compound1", Role.COMPOUND_MANAGER, {"unit": compound1}),
        ("inspector1", Role.INSPECTOR, {"unit": city}),
        ("unit1", Role.COBUILD_LIAISON, {"cobuild_unit": cobuild_units[0]}),
        ("volunteer1", Role.VOLUNTEER, {"unit": community1}),
    ]
    accounts = []
    for index, (username, role, place) in enumerate(plan):
        user = _account(username, names.person_name(index + 3))
        membership_grant(actor=None, user=user, role=role, **place)
        where = place.get("unit") or place.get("cobuild_unit")
        accounts.append(DemoAccount(username=username, role=str(Role(role).label), place=str(where)))
    return accounts
