"""Fixtures every test module can use: a small city and one user per role, plus an outsider."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gongjian.accounts.choices import Role
from gongjian.organizations.choices import UnitLevel
from gongjian.testing.factories import PairingFactory, UnitFactory, UserFactory, user_with_role

pytest_plugins = [
    "gongjian.testing.s3",  # s3_server / s3_storage: a local S3 server (moto) for the S3 path
    "gongjian.testing.fonts",  # no_system_fonts: a machine without any font
]


@pytest.fixture(autouse=True)
def _data_from_migrations(request):
    """Transactional tests empty every table at teardown, the data the migrations seeded included,
    so a later test would find no problem categories or activity types: put them back (idempotent)
    before each transactional test. Other tests run inside a transaction and never lose them."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from gongjian.inspections.models import Category
    from gongjian.inspections.taxonomy import load_default_categories
    from gongjian.participation.activity_types import load_default_activity_types
    from gongjian.participation.models import ActivityType

    load_default_categories(Category)
    load_default_activity_types(ActivityType)
    from gongjian.residents.defaults import load_default_resident_categories
    from gongjian.residents.models import ResidentCategory

    load_default_resident_categories(ResidentCategory, Category)


@dataclass
class SmallCity:
    """city ─ district ─┬ street_a ─┬ community_a1 ─ compound_a1
                        │           └ community_a2
                        └ street_b ── community_b1 ─ compound_b1
    plus another city (other_city ─ other_community) that nobody here belongs to."""

    city: object
    district: object
    street_a: object
    street_b: object
    community_a1: object
    community_a2: object
    community_b1: object
    compound_a1: object
    compound_b1: object
    other_city: object
    other_community: object


@pytest.fixture
def small_city(db) -> SmallCity:
    city = UnitFactory(name="测试市", level=UnitLevel.CITY)
    district = UnitFactory(name="测试区", level=UnitLevel.DISTRICT, parent=city)
    street_a = UnitFactory(name="甲街道", level=UnitLevel.STREET, parent=district)
    street_b = UnitFactory(name="乙街道", level=UnitLevel.STREET, parent=district)
    community_a1 = UnitFactory(name="甲一社区", level=UnitLevel.COMMUNITY, parent=street_a)
    community_a2 = UnitFactory(name="甲二社区", level=UnitLevel.COMMUNITY, parent=street_a)
    community_b1 = UnitFactory(name="乙一社区", level=UnitLevel.COMMUNITY, parent=street_b)
    compound_a1 = UnitFactory(name="甲一小区", level=UnitLevel.COMPOUND, parent=community_a1)
    compound_b1 = UnitFactory(name="乙一小区", level=UnitLevel.COMPOUND, parent=community_b1)
    other_city = UnitFactory(name="邻市", level=UnitLevel.CITY)
    other_community = UnitFactory(name="邻市社区", level=UnitLevel.COMMUNITY, parent=other_city)
    return SmallCity(
        city,
        district,
        street_a,
        street_b,
        community_a1,
        community_a2,
        community_b1,
        compound_a1,
        compound_b1,
        other_city,
        other_community,
    )


@dataclass
class People:
    city_admin: object
    city_leader: object
    street_officer: object  # street_a
    community_worker: object  # community_a1
    compound_manager: object  # compound_a1
    inspector: object  # city
    street_inspector: object  # street_b
    liaison: object  # paired with community_b1
    volunteer: object  # community_a1
    outsider: object  # signed in, no membership anywhere


@pytest.fixture
def people(small_city) -> People:
    c = small_city
    pairing = PairingFactory(community=c.community_b1)
    return People(
        city_admin=user_with_role(Role.CITY_ADMIN, unit=c.city, username="city_admin"),
        city_leader=user_with_role(Role.CITY_LEADER, unit=c.city, username="city_leader"),
        street_officer=user_with_role(Role.STREET_OFFICER, unit=c.street_a, username="street_officer"),
        community_worker=user_with_role(Role.COMMUNITY_WORKER, unit=c.community_a1, username="community_worker"),
        compound_manager=user_with_role(Role.COMPOUND_MANAGER, unit=c.compound_a1, username="compound_manager"),
        inspector=user_with_role(Role.INSPECTOR, unit=c.city, username="inspector"),
        street_inspector=user_with_role(Role.INSPECTOR, unit=c.street_b, username="street_inspector"),
        liaison=user_with_role(Role.COBUILD_LIAISON, cobuild_unit=pairing.cobuild_unit, username="liaison"),
        volunteer=user_with_role(Role.VOLUNTEER, unit=c.community_a1, username="volunteer"),
        outsider=UserFactory(username="charlie"),
    )


@pytest.fixture
def english():
    """For tests that read a message's English source words (the default language is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and throttles count in the cache: every test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
    yield
