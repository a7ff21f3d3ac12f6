"""Generating the benchmark city: the unit tree (districts, streets, communities, compounds),
the people who work in it, then its problems (problems.py)."""

from __future__ import annotations

import datetime
import math
import random
import time
from decimal import Decimal

from bench.inspections.common import (
    CITY_CODE,
    DISTRICTS,
    PER_COMMUNITY,
    PER_STREET,
    YEARS,
    People,
    _add_months,
)
from bench.inspections.problems import (
    _add_sample_photos,
    _analyze,
    _ProblemLoader,
)

# --- generation --------------------------------------------------------------------------------


def generate(*, problems: int, compounds: int, seed: int, history: bool) -> dict:
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(seed)
    started = time.perf_counter()
    steps: dict[str, float] = {}

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        steps[name] = round(now - since, 2)
        print(f"  {name:<34} {now - since:8.1f} s", flush=True)
        return now

    print(f"Generating {problems:,} problems at {compounds:,} compounds ({connection.vendor}):", flush=True)
    mark = time.perf_counter()
    tree = _build_units(rng, compounds)
    mark = step(f"units ({sum(len(v) for v in tree.values()):,})", mark)
    people = _build_people(tree)
    mark = step("users and memberships", mark)

    now = timezone.localtime().replace(second=0, microsecond=0)
    first_month = _add_months(now.date().replace(day=1), -(12 * YEARS - 1))
    window_start = datetime.datetime.combine(first_month, datetime.time.min, now.tzinfo)
    loader = _ProblemLoader(rng, tree, people, window_start, now, history)
    counts = loader.load(problems)
    mark = step(f"problems and history ({sum(counts.values()):,} rows)", mark)
    loader.finish()
    mark = step("indexes", mark)
    samples = _add_sample_photos(loader.first_id, problems, people)
    mark = step("sample photos", mark)
    _analyze()
    mark = step("ANALYZE", mark)
    total = time.perf_counter() - started
    print(f"  {'generation, total':<34} {total:8.1f} s", flush=True)
    return {
        "complete": True,
        "problems": problems,
        "compounds": compounds,
        "seed": seed,
        "history": history,
        "rows": counts,
        "units": {k: len(v) for k, v in tree.items()},
        "window_start": window_start.isoformat(),
        "window_end": now.isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "generation_seconds": round(total, 1),
        "generation_steps": steps,
        "street_id": tree["streets"][0].pk,
        "samples": samples,
    }


def _build_units(rng: random.Random, n_compounds: int) -> dict[str, list]:
    """City → 2 districts → streets → communities (10 a street) → compounds (10 a community),
    with demo-style codes, in one bulk insert per level."""
    from gongjian.demo import names
    from gongjian.organizations.choices import UnitLevel
    from gongjian.organizations.models import Unit

    n_communities = math.ceil(n_compounds / PER_COMMUNITY)
    n_streets = math.ceil(n_communities / PER_STREET)
    street_words = [s.removesuffix("街道") for s in names.STREETS] + names.COMMUNITY_WORDS

    def coordinate(base: float, spread: float) -> Decimal:
        return Decimal(f"{base + rng.uniform(-spread, spread):.6f}")

    def make(code: str, name: str, level: str, parent) -> Unit:
        return Unit(
            code=code,
            name=name,
            level=level,
            parent=parent,
            latitude=coordinate(29.30, 0.08),
            longitude=coordinate(120.08, 0.10),
        )

    def save(units: list[Unit]) -> list[Unit]:
        Unit.objects.bulk_create(units, batch_size=500)
        if any(u.pk is None for u in units):  # a backend that cannot return ids from bulk inserts
            ids = dict(Unit.objects.filter(code__in=[u.code for u in units]).values_list("code", "id"))
            for unit in units:
                unit.pk = ids[unit.code]
        return units

    city = save([make(CITY_CODE, "青川市", UnitLevel.CITY, None)])
    districts = save([make(CITY_CODE[:4] + suffix, name, UnitLevel.DISTRICT, city[0]) for name, suffix in DISTRICTS])
    streets = save(
        [
            make(
                f"{districts[i % len(districts)].code}{i // len(districts) + 1:03d}",
                f"{street_words[i % len(street_words)]}街道",
                UnitLevel.STREET,
                districts[i % len(districts)],
            )
            for i in range(n_streets)
        ]
    )
    communities = save(
        [
            make(
                f"{streets[i // PER_STREET].code}{i % PER_STREET + 1:03d}",
                f"{names.COMMUNITY_WORDS[i % len(names.COMMUNITY_WORDS)]}社区",
                UnitLevel.COMMUNITY,
                streets[i // PER_STREET],
            )
            for i in range(n_communities)
        ]
    )
    compounds = save(
        [
            make(
                f"{communities[i // PER_COMMUNITY].code}{i % PER_COMMUNITY + 1:02d}",
                names.COMPOUND_PATTERNS[(i // len(names.COMPOUND_WORDS)) % len(names.COMPOUND_PATTERNS)].format(
                    w=names.COMPOUND_WORDS[i % len(names.COMPOUND_WORDS)]
                ),
                UnitLevel.COMPOUND,
                communities[i // PER_COMMUNITY],
            )
            for i in range(n_compounds)
        ]
    )
    return {
        "city": city,
        "districts": districts,
        "streets": streets,
        "communities": communities,
        "compounds": compounds,
    }


def _build_people(tree: dict[str, list]) -> People:
    """A city admin, a street officer (first street), a community worker and five inspectors,
    created through the account services (so their memberships are audited like real ones)."""
    from gongjian.accounts.choices import Role
    from gongjian.accounts.services import membership_grant, user_create

    def person(username: str, name: str, role: str, unit):
        user = user_create(actor=None, username=username, password=None, name=name)
        membership_grant(actor=None, user=user, role=role, unit=unit)
        return user

    city, street, community = tree["city"][0], tree["streets"][0], tree["communities"][0]
    return People(
        city_admin=person("bench_city", "基准市管理员", Role.CITY_ADMIN, city),
        street_officer=person("bench_street", "基准街道干部", Role.STREET_OFFICER, street),
        worker=person("bench_community", "基准社区干部", Role.COMMUNITY_WORKER, community),
        inspectors=[person(f"bench_inspector{i}", f"基准督查员{i}", Role.INSPECTOR, city) for i in range(1, 6)],
    )
