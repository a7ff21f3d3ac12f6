"""Fixtures every test module can use: a small city and one user per role, plus an outsider."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from gongjian.accounts.choices import Role
from gongjian.organizations.choices import UnitLevel
from gongjian.testing.factories import PairingFactory, UnitFactory, UserFactory, user_with_role

pytest_plugins = [
    "gongjian.testing.s3",  # s3_server / s3_storage: a local S3 server (moto) for the S3 path
    "gongjian.testing.fonts",  # no_system_fonts: a machine without any font
]


# --- Tests whose result cannot depend on the database engine ------------------------------------
# `make test` runs the suite on SQLite and on PostgreSQL side by side. A test that cannot touch the
# database, a browser walk-through (the pages it drives have their own tests on both engines) or a
# test marked `engine_independent` proves the same thing on either engine, so scripts/run-tests.sh
# runs those in one of the two runs only, with `--engine-independent=skip` (or
# ENGINE_INDEPENDENT_TESTS=skip) given to the other. They are deselected there, counted in the
# summary line, never skipped silently. By default (a plain `pytest`, the SQLite-only run) every
# test runs. A test touching SQL that differs between engines (locks, raw SQL, JSON fields, full
# text, date functions, aggregates, constraints, transactions) must not be marked.
_DESELECTED = pytest.StashKey[int]()
_NOT_COLLECTED = pytest.StashKey[list]()
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_addoption(parser):
    parser.addoption(
        "--engine-independent",
        choices=("run", "skip"),
        default=os.environ.get("ENGINE_INDEPENDENT_TESTS", "run") or "run",
        help="skip: deselect the tests whose result cannot depend on the database engine (marked "
        "engine_independent or browser, or using no database), because another run of the suite on "
        "another engine runs them (make test). Default: run (also from ENGINE_INDEPENDENT_TESTS).",
    )


# Whole modules marked engine_independent whose collection alone costs seconds (schemathesis builds
# its cases from the schema when collected): with --engine-independent=skip they are not collected.
ENGINE_INDEPENDENT_MODULES = {"gongjian/api/tests/test_schemathesis.py"}


def pytest_ignore_collect(collection_path, config):
    if config.getoption("engine_independent") != "skip":
        return None
    relative = (
        collection_path.relative_to(config.rootpath).as_posix()
        if collection_path.is_relative_to(config.rootpath)
        else None
    )
    if relative in ENGINE_INDEPENDENT_MODULES:
        config.stash.setdefault(_NOT_COLLECTED, []).append(relative)
        return True
    return None


def is_engine_independent(item) -> bool:
    if item.get_closest_marker("engine_independent") or item.get_closest_marker("browser"):
        return True
    # pytest-django refuses database access to a test that asks for none, so such a test cannot
    # depend on the engine.
    uses_database = item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )
    return not uses_database


def pytest_collection_modifyitems(config, items):
    if config.getoption("engine_independent") != "skip":
        return
    independent = [item for item in items if is_engine_independent(item)]
    if independent:
        config.hook.pytest_deselected(items=independent)
        items[:] = [item for item in items if not is_engine_independent(item)]
    config.stash[_DESELECTED] = len(independent)


def pytest_report_header(config):
    if config.getoption("engine_independent") == "skip":
        return "engine-independent tests: deselected here (--engine-independent=skip); the other engine's run runs them"
    return None


def pytest_terminal_summary(terminalreporter, config):
    count = config.stash.get(_DESELECTED, None)
    if count is not None:
        modules = config.stash.get(_NOT_COLLECTED, [])
        terminalreporter.write_line(
            f"{count} engine-independent tests deselected here (--engine-independent=skip)"
            + (f", and not collected: {', '.join(modules)}" if modules else "")
            + ": the other engine's run of make test runs them (CONTRIBUTING.md, Checks)"
        )


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
