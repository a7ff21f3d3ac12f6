"""Problems at city scale: the list (UI and API), the stats endpoint and the problem page, each
timed through the whole Django stack and beside hand-written SQL returning the same rows.

    .venv/bin/python -m bench inspections --db sqlite|postgres [--problems N] [--compounds N]
                                          [--repeat N] [--warmup N] [--reuse] [--no-history]

The data lives in its own database (var/bench/inspections.sqlite3, or ``gongjian_bench`` on the
server of TEST_DATABASE_URL), never the developer's. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import os
import random
import re
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode, urlsplit, urlunsplit

from bench.harness import (
    BENCH_VAR,
    SqlClock,
    Timing,
    configure_django,
    ensure_static_manifest,
    load_dotenv,
    machine,
    table,
)

NAME = "inspections"
HELP = "Problem list, stats and problem page on a generated city, beside raw SQL (SQLite or PostgreSQL)."

DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432/test"
PG_DBNAME = os.environ.get("BENCH_PG_DBNAME", "gongjian_bench")
SQLITE_PATH = BENCH_VAR / "inspections.sqlite3"
META_TABLE = "bench_meta"
META_KEY = "inspections"

GOAL_P95_MS = 150.0
GOAL_RATIO = 3.0

CITY_CODE = "339900"
PER_COMMUNITY = 10  # compounds per community
PER_STREET = 10  # communities per street
DISTRICTS = [("东湖区", "02"), ("西山区", "03")]
YEARS = 3
TOP_CATEGORY = "06036"  # 乱堆杂物
TOP_CATEGORY_SHARE = 0.49
RELAPSE_SHARE = 0.03
LOCATED_SHARE = 0.85
COMMUNITY_LEVEL_SHARE = 0.08  # problems whose responsible unit is the community itself
UI_PAGE_SIZE = 30  # gongjian/inspections/views.py: Paginator(problems, 30)
API_PAGE_SIZE = 50  # gongjian/api/pagination.py: StandardPagination.page_size


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--problems", type=int, default=1_000_000, help="problems to generate (default 1,000,000)")
    parser.add_argument("--compounds", type=int, default=3000, help="compounds in the city (default 3,000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per case (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before timing (default 3)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the generated data when it is complete and of the same size"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-history",
        dest="history",
        action="store_false",
        help="do not generate audit events and rectifications for the bulk problems (faster)",
    )
    parser.add_argument(
        "--raw-scope",
        choices=["auto", "subtree"],
        default="auto",
        help="how the raw SQL restricts to the user's places: auto = the problems' ancestor columns when the "
        "model has them, else the recursive subtree; subtree = always the recursive subtree",
    )
    parser.add_argument("--month", help="YYYY-MM for the stats cases (default: the last full month of the data)")


def run(args: argparse.Namespace) -> int:
    load_dotenv()
    target = Target.for_db(args.db)
    wanted = {"problems": args.problems, "compounds": args.compounds, "seed": args.seed, "history": args.history}
    meta = target.read_meta() if args.reuse else None
    reuse = bool(meta and meta.get("complete") and all(meta.get(k) == v for k, v in wanted.items()))
    if args.reuse and not reuse:
        found = {k: meta.get(k) for k in wanted} if meta else "nothing"
        print(f"--reuse: the bench database holds {found}, not {wanted}: generating again.")
    print(f"Database: {target.describe()}")
    if not reuse:
        target.reset()
    configure_django(target.url)

    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    if reuse and pending:
        # New migrations on old data (indexes, columns): fresh planner statistics, as after generation.
        print(f"Applied {len(pending)} new migration(s) to the reused data; running ANALYZE again.", flush=True)
        _analyze()
    static_note = ensure_static_manifest()
    if reuse:
        print(
            f"Reusing the data generated {meta['generated_at']} "
            f"({meta['problems']:,} problems, {meta['compounds']:,} compounds; "
            f"generation took {meta['generation_seconds']:.0f} s)."
        )
    else:
        meta = generate(**wanted)
        write_meta(meta)
    report = measure(meta, repeat=args.repeat, warmup=args.warmup, month=args.month, raw_scope=args.raw_scope)
    report["dataset"] = meta
    report["static_files_note"] = static_note
    path = BENCH_VAR / f"inspections-{args.db}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nJSON: {path.relative_to(BENCH_VAR.parent.parent)}")
    return 0


# --- the bench database ------------------------------------------------------------------------


@dataclass
class Target:
    db: str
    url: str
    admin: dict = field(default_factory=dict)  # psycopg connect() arguments for the server

    @classmethod
    def for_db(cls, db: str) -> Target:
        if db == "sqlite":
            return cls(db, f"sqlite:///{SQLITE_PATH}")
        import dj_database_url

        server = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_SERVER
        config = dj_database_url.parse(server)
        maintenance = config["NAME"] if config["NAME"] and config["NAME"] != PG_DBNAME else "postgres"
        admin = {
            "host": config["HOST"] or None,
            "port": config["PORT"] or None,
            "user": config["USER"] or None,
            "password": config["PASSWORD"] or None,
            "dbname": maintenance,
        }
        url = urlunsplit(urlsplit(server)._replace(path=f"/{PG_DBNAME}"))
        target = cls(db, url, admin)
        target._ensure_database()
        return target

    def describe(self) -> str:
        if self.db == "sqlite":
            return str(SQLITE_PATH)
        return f"PostgreSQL database {PG_DBNAME} on {self.admin['host'] or 'localhost'}:{self.admin['port'] or 5432}"

    def _connect(self, dbname: str | None = None):
        import psycopg

        return psycopg.connect(**{**self.admin, "dbname": dbname or self.admin["dbname"]}, autocommit=True)

    def _ensure_database(self) -> None:
        from psycopg import sql

        with self._connect() as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DBNAME]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DBNAME)))

    def read_meta(self) -> dict | None:
        query = f"SELECT value FROM {META_TABLE} WHERE name = '{META_KEY}'"
        if self.db == "sqlite":
            if not SQLITE_PATH.exists():
                return None
            try:
                with sqlite3.connect(f"file:{SQLITE_PATH}?mode=ro", uri=True) as conn:
                    row = conn.execute(query).fetchone()
            except sqlite3.Error:
                return None
        else:
            import psycopg

            try:
                with self._connect(PG_DBNAME) as conn:
                    row = conn.execute(query).fetchone()
            except psycopg.Error:
                return None
        return json.loads(row[0]) if row else None

    def reset(self) -> None:
        """An empty database: the previous bench data is thrown away (only the bench's own)."""
        if self.db == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                SQLITE_PATH.with_name(SQLITE_PATH.name + suffix).unlink(missing_ok=True)
            return
        from psycopg import sql

        with self._connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PG_DBNAME)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DBNAME)))


def write_meta(meta: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (name VARCHAR(100) PRIMARY KEY, value TEXT NOT NULL)")
        cursor.execute(f"DELETE FROM {META_TABLE} WHERE name = %s", [META_KEY])
        cursor.execute(f"INSERT INTO {META_TABLE} (name, value) VALUES (%s, %s)", [META_KEY, json.dumps(meta)])


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


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


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


@dataclass
class People:
    city_admin: object
    street_officer: object
    worker: object
    inspectors: list


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


DESCRIPTIONS = ["未及时清理", "多次提醒未整改", "群众反映强烈", "影响通行", "存在安全隐患", "影响市容"]
VOID_REASONS = ["重复上报", "不属于本单位职责", "误报"]
RECTIFY_NOTES = ["已清理完毕", "已整改到位", "已安排专人负责", "已拆除"]
REVIEW_NOTES = ["复查合格", "仍有残留，需返工", ""]
POINT_TYPES_ELSEWHERE = ["back_street", "main_road", "market", "square", "park", "vacant_lot", "other"]
# Status mix by age of the problem: (younger than N days, [(status, share), ...]).
STATUS_BY_AGE = [
    (7, [("open", 0.55), ("submitted", 0.20), ("closed", 0.23), ("void", 0.02)]),
    (30, [("open", 0.12), ("submitted", 0.06), ("closed", 0.80), ("void", 0.02)]),
    (90, [("open", 0.02), ("submitted", 0.01), ("closed", 0.95), ("void", 0.02)]),
    (10**9, [("open", 0.006), ("submitted", 0.002), ("closed", 0.972), ("void", 0.02)]),
]


def _status_for(age_days: float, roll: float) -> str:
    for limit, mix in STATUS_BY_AGE:
        if age_days < limit:
            for status, share in mix:
                roll -= share
                if roll < 0:
                    return status
            return mix[-1][0]
    return "closed"


class _ProblemLoader:
    """Generates problems (and their audit events and rectifications) as plain tuples in the
    models' column order and writes them past the ORM: COPY on PostgreSQL, executemany in one
    transaction on SQLite. Secondary indexes are dropped first and rebuilt by ``finish``."""

    CHUNK = 20_000

    def __init__(self, rng, tree, people: People, start: datetime.datetime, end: datetime.datetime, history: bool):
        from django.db import connection

        from gongjian.inspections.models import Category

        self.rng = rng
        self.history = history
        self.vendor = connection.vendor
        self.start_ts = int(start.timestamp())
        self.end_ts = int(end.timestamp())
        self.offset = int(end.utcoffset().total_seconds())  # Asia/Shanghai: no daylight saving
        self.suffix = "+00" if self.vendor == "postgresql" else ""
        self.categories = list(
            Category.objects.order_by("sort_order", "code").values_list(
                "id", "code", "name", "deadline_amount", "deadline_unit"
            )
        )
        self.compounds = [(u.pk, u.name, float(u.latitude), float(u.longitude)) for u in tree["compounds"]]
        self.communities = [(u.pk, u.name, float(u.latitude), float(u.longitude)) for u in tree["communities"]]
        self.reporters = [u.pk for u in people.inspectors]
        # Denormalised ancestor columns (Problem.SCOPE_COLUMNS: level -> column), when the model has
        # them: filled with the unit's ancestor-or-self at each level, as the services would.
        from gongjian.inspections.models import Problem

        attnames = {f.attname for f in Problem._meta.concrete_fields}
        self.scope_columns = [
            (level, column)
            for level, column in getattr(Problem, "SCOPE_COLUMNS", {}).items()
            if column in attnames and column not in self.PROBLEM_ATTRS
        ]
        parents = {u.pk: (u.parent_id, u.level) for units in tree.values() for u in units}
        self.scope_values: dict[int, tuple] = {}
        for unit_id in parents:
            chain, current = {}, unit_id
            while current is not None:
                parent, level = parents[current]
                chain.setdefault(level, current)
                current = parent
            self.scope_values[unit_id] = tuple(chain.get(level) for level, _column in self.scope_columns)
        self.worker = people.worker.pk
        self.first_id = 1
        self.pending_indexes: list[str] = []
        self._day_cache: dict[int, tuple[str, str]] = {}

    # -- output columns -------------------------------------------------------------------------

    @staticmethod
    def _columns(model, attnames: list[str]) -> tuple[str, list[str], tuple]:
        """Table, columns and constant tail for the model: our attributes in our order, then any
        field we do not know (added since this was written) at its default, so the bench keeps up."""
        from django.db import connection

        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing = [a for a in attnames if a not in fields]
        if missing:
            raise RuntimeError(f"{model.__name__} no longer has {missing}: update bench/inspections.py")
        extra_columns, extra_values = [], []
        for name, f in fields.items():
            if name in attnames or (f.primary_key and name not in attnames):
                continue
            if f.has_default():
                extra_values.append(f.get_db_prep_save(f.get_default(), connection))
            elif f.null:
                extra_values.append(None)
            else:
                raise RuntimeError(f"{model.__name__}.{name} has no default: update bench/inspections.py")
            extra_columns.append(f.column)
        return model._meta.db_table, [fields[a].column for a in attnames] + extra_columns, tuple(extra_values)

    PROBLEM_ATTRS = [
        "id",
        "created_at",
        "updated_at",
        "number",
        "category_id",
        "unit_id",
        "inspection_id",
        "point_type",
        "address",
        "latitude",
        "longitude",
        "description",
        "severity",
        "found_at",
        "reporter_id",
        "status",
        "deadline",
        "original_deadline",
        "submitted_at",
        "closed_at",
        "rework_count",
        "relapse_of_id",
        "void_reason",
        "version",
    ]
    AUDIT_ATTRS = [
        "at",
        "actor_id",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "from_state",
        "to_state",
        "changes",
        "note",
    ]
    RECTIFICATION_ATTRS = [
        "problem_id",
        "note",
        "submitted_by_id",
        "submitted_at",
        "outcome",
        "reviewed_by_id",
        "reviewed_at",
        "review_note",
    ]

    # -- writing ----------------------------------------------------------------------------------

    def load(self, n: int) -> dict[str, int]:
        from django.db import connection, transaction

        from gongjian.core.models import AuditEvent
        from gongjian.inspections.models import Problem, Rectification

        outputs = [(Problem, self.PROBLEM_ATTRS + [column for _level, column in self.scope_columns])]
        if self.history:
            outputs += [(AuditEvent, self.AUDIT_ATTRS), (Rectification, self.RECTIFICATION_ATTRS)]
        specs = [self._columns(model, attrs) for model, attrs in outputs]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {Problem._meta.db_table}")
            self.first_id = (cursor.fetchone()[0] or 0) + 1
        for db_table, _columns, _tail in specs:
            self.pending_indexes += self._drop_indexes(db_table)

        connection.ensure_connection()
        raw = connection.connection
        if self.vendor == "sqlite":
            raw.execute("PRAGMA foreign_keys = OFF")  # consistent by construction; checked again below
            raw.execute("PRAGMA synchronous = OFF")
            raw.execute("PRAGMA cache_size = -1000000")
        else:
            raw.execute("SET synchronous_commit = off")
            raw.execute("SET maintenance_work_mem = '512MB'")
        counts = {db_table: 0 for db_table, _c, _t in specs}
        with transaction.atomic():
            for batch in self._batches(n):
                for (db_table, columns, tail), rows in zip(specs, batch[: len(specs)], strict=True):
                    if tail:
                        rows = [row + tail for row in rows]
                    self._write(raw, db_table, columns, rows)
                    counts[db_table] += len(rows)
            if self.vendor == "postgresql":
                from django.core.management.color import no_style

                with connection.cursor() as cursor:
                    for statement in connection.ops.sequence_reset_sql(no_style(), [Problem]):
                        cursor.execute(statement)
        if self.vendor == "sqlite":
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            bad = raw.execute("PRAGMA foreign_key_check").fetchall()
            if bad:
                raise RuntimeError(f"generated rows break foreign keys: {bad[:5]}")
        return counts

    def _write(self, raw, table: str, columns: list[str], rows: list[tuple]) -> None:
        from django.db import connection

        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        if self.vendor == "sqlite":
            marks = ", ".join("?" * len(columns))
            raw.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)
        else:
            with raw.cursor() as cursor, cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def _drop_indexes(self, table: str) -> list[str]:
        """Drop the table's secondary indexes (not those behind primary keys or unique
        constraints) and return the statements that recreate them exactly."""
        from django.db import connection

        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
            else:
                cursor.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()"
                    " AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid ="
                    " (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)",
                    [table],
                )
            found = cursor.fetchall()
            for name, _sql in found:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return [sql for _name, sql in found]

    def finish(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            for statement in self.pending_indexes:
                cursor.execute(statement)
        self.pending_indexes = []
        # Back to the production connection settings (PRAGMAs and session settings were changed).
        connection.close()

    # -- the rows ---------------------------------------------------------------------------------

    def _fmt(self, ts: int) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts)) + self.suffix

    def _local_day(self, day: int) -> tuple[str, str]:
        """(yyyymmdd, ISO weekday) of a local day number, cached."""
        cached = self._day_cache.get(day)
        if cached is None:
            date = datetime.date(1970, 1, 1) + datetime.timedelta(days=day)
            cached = self._day_cache[day] = (f"{date:%Y%m%d}", date.isoweekday())
        return cached

    def _found_times(self, n: int) -> list[int]:
        """Found times, oldest first: more problems in later months, fewer at weekends, mostly in
        office hours."""
        rng = self.rng
        first_day = (self.start_ts + self.offset) // 86400
        last_day = (self.end_ts + self.offset) // 86400
        days = list(range(first_day, last_day + 1))
        weights = []
        for i, day in enumerate(days):
            growth = 1.0 + 0.6 * i / max(1, len(days) - 1)
            weekend = 0.5 if self._local_day(day)[1] >= 6 else 1.0
            weights.append(growth * weekend)
        chosen = rng.choices(days, weights=weights, k=n)
        times = []
        for day in chosen:
            office_hours = rng.random() < 0.9
            second = rng.randrange(8 * 3600, 18 * 3600) if office_hours else rng.randrange(0, 86400)
            ts = day * 86400 + second - self.offset
            times.append(min(max(ts, self.start_ts), self.end_ts - 600))
        times.sort()
        return times

    def _batches(self, n: int) -> Iterator[list[list[tuple]]]:
        rng = self.rng
        r = rng.random
        fmt = self._fmt
        offset = self.offset
        end_ts = self.end_ts
        cats = self.categories
        top = next((i for i, c in enumerate(cats) if c[1] == TOP_CATEGORY), 0)
        others = [i for i in range(len(cats)) if i != top]
        weights = [0.0] * len(cats)
        weights[top] = TOP_CATEGORY_SHARE
        zipf = [1 / (k + 1) for k in range(len(others))]
        for i, w in zip(others, zipf, strict=True):
            weights[i] = (1 - TOP_CATEGORY_SHARE) * w / sum(zipf)
        cat_of = rng.choices(range(len(cats)), weights=weights, k=n)
        compound_weight = [rng.lognormvariate(0, 0.6) for _ in self.compounds]
        compound_of = rng.choices(range(len(self.compounds)), weights=compound_weight, k=n)
        # Working days → calendar days, roughly (five working days a week).
        calendar_days = [round(c[3] * 7 / 5) for c in cats]
        found = self._found_times(n)
        counters: dict[str, int] = {}
        last_closed: dict[tuple[int, int], int] = {}
        problem_type = "inspections.problem"
        problems: list[tuple] = []
        audits: list[tuple] = []
        rectifications: list[tuple] = []
        history = self.history
        worker = self.worker

        for i in range(n):
            pid = self.first_id + i
            ts = found[i]
            ci = cat_of[i]
            cat_id, code, cat_name, amount, unit_kind = cats[ci]
            if r() < COMMUNITY_LEVEL_SHARE:
                unit_id, unit_name, lat0, lng0 = self.communities[rng.randrange(len(self.communities))]
                point_type = POINT_TYPES_ELSEWHERE[rng.randrange(len(POINT_TYPES_ELSEWHERE))]
                address = f"{unit_name}{rng.randint(1, 200)}号附近"
            else:
                unit_id, unit_name, lat0, lng0 = self.compounds[compound_of[i]]
                point_type = "compound"
                address = f"{unit_name}{rng.randint(1, 30)}幢"
            local_day = (ts + offset) // 86400
            day8 = self._local_day(local_day)[0]
            prefix = code + day8
            seq = counters[prefix] = counters.get(prefix, 0) + 1
            number = f"{prefix}{seq:04d}"
            if unit_kind == "hours":
                deadline = ts + amount * 3600
                if (deadline + offset) % 86400 > 17 * 3600 + 1800:
                    deadline += 15 * 3600
            else:
                deadline = (local_day + calendar_days[ci] + 1) * 86400 - 1 - offset
            original = deadline
            if r() < 0.02:
                deadline += 3 * 86400  # an approved extension
            age_days = (end_ts - ts) / 86400
            status = _status_for(age_days, r())
            reporter = self.reporters[rng.randrange(len(self.reporters))]
            if status in ("closed", "submitted"):
                roll = r()
                rework = 0 if roll < 0.9 else (1 if roll < 0.98 else 2)
            elif status == "open":
                rework = 1 if r() < 0.08 else 0
            else:
                rework = 0
            submitted = closed = None
            void_reason = ""
            events = [(ts, reporter, "problem.report", "", "open")]
            rects = []
            # Rework rounds happen in the first part of the time up to the (last) submission.
            if status in ("closed", "submitted") or rework:
                span = max(deadline - ts, 3600)
                late = r() < 0.1
                last = deadline + rng.randrange(1800, 3 * 86400) if late else ts + int(span * (0.15 + 0.8 * r()))
                last = max(ts + 60, min(last, end_ts - 120))
                rounds = rework + (1 if status in ("closed", "submitted") else 0)
                step = (last - ts) // (rounds + 1) or 1
                for k in range(rework):
                    at = ts + step * (k + 1)
                    events.append((at, worker, "problem.rectify", "open", "submitted"))
                    events.append((at + 30, reporter, "problem.review", "submitted", "open"))
                    rects.append((at, "failed", reporter, at + 30, REVIEW_NOTES[1]))
                    submitted = at
                if status in ("closed", "submitted"):
                    submitted = last
                    events.append((last, worker, "problem.rectify", "open", "submitted"))
                    if status == "closed":
                        closed = min(last + rng.randrange(3600, 2 * 86400), end_ts - 60)
                        events.append((closed, reporter, "problem.review", "submitted", "closed"))
                        rects.append((last, "passed", reporter, closed, REVIEW_NOTES[0]))
                    else:
                        rects.append((last, "pending", None, None, ""))
            elif status == "void":
                void_reason = VOID_REASONS[rng.randrange(len(VOID_REASONS))]
                events.append(
                    (min(ts + rng.randrange(3600, 3 * 86400), end_ts - 60), reporter, "problem.void", "open", "void")
                )
            relapse_of = None
            key = (unit_id, cat_id)
            if r() < RELAPSE_SHARE:
                relapse_of = last_closed.get(key)
            if status == "closed":
                last_closed[key] = pid
            if r() < LOCATED_SHARE:
                lat = f"{lat0 + (r() - 0.5) * 0.004:.6f}"
                lng = f"{lng0 + (r() - 0.5) * 0.004:.6f}"
            else:
                lat = lng = None
            roll = r()
            severity = "minor" if roll < 0.2 else ("normal" if roll < 0.9 else "serious")
            problems.append(
                (
                    pid,
                    fmt(ts),
                    fmt(events[-1][0]),
                    number,
                    cat_id,
                    unit_id,
                    None,
                    point_type,
                    address,
                    lat,
                    lng,
                    f"{cat_name}，{DESCRIPTIONS[rng.randrange(len(DESCRIPTIONS))]}",
                    severity,
                    fmt(ts),
                    reporter,
                    status,
                    fmt(deadline),
                    fmt(original),
                    fmt(submitted) if submitted else None,
                    fmt(closed) if closed else None,
                    rework,
                    relapse_of,
                    void_reason,
                    len(events),
                )
                + self.scope_values[unit_id]
            )
            if history:
                target_id = str(pid)
                target_repr = f"{number} {cat_name}"
                for k, (at, actor, action, before, after) in enumerate(events):
                    changes = f'{{"relapse_of": {relapse_of}}}' if (k == 0 and relapse_of) else "{}"
                    note = void_reason if action == "problem.void" else ""
                    audits.append(
                        (fmt(at), actor, action, problem_type, target_id, target_repr, before, after, changes, note)
                    )
                for at, outcome, reviewer, reviewed_at, review_note in rects:
                    rectifications.append(
                        (
                            pid,
                            RECTIFY_NOTES[rng.randrange(len(RECTIFY_NOTES))],
                            worker,
                            fmt(at),
                            outcome,
                            reviewer,
                            fmt(reviewed_at) if reviewed_at else None,
                            review_note,
                        )
                    )
            if len(problems) >= self.CHUNK:
                yield [problems, audits, rectifications]
                problems, audits, rectifications = [], [], []
        if problems:
            yield [problems, audits, rectifications]


def _add_sample_photos(first_id: int, n: int, people: People) -> dict:
    """The problem page's subjects: the middle problem gets two "before" photos and an "after"
    one (rows only: the page links to files, it never opens them); a reworked problem near it
    keeps none, to show that the page's query count does not depend on photos or history."""
    import hashlib

    from gongjian.inspections.models import Problem, ProblemPhoto, Rectification

    middle = first_id + n // 2
    last_rectification = Rectification.objects.filter(problem_id=middle).order_by("-submitted_at", "-id").first()
    photos = []
    for index, stage in enumerate(["before", "before", "after"]):
        digest = hashlib.sha256(f"bench-{middle}-{index}".encode()).hexdigest()
        photos.append(
            ProblemPhoto(
                problem_id=middle,
                rectification=last_rectification if stage == "after" else None,
                stage=stage,
                file=f"problems/bench/{digest[:2]}/{digest}-{stage}.jpg",
                thumbnail=f"problems/bench/{digest[:2]}/{digest}-{stage}-thumb.jpg",
                sha256=digest,
                original_format="jpeg",
                size=812_345,
                width=4000,
                height=3000,
                uploaded_by=people.inspectors[0] if stage == "before" else people.worker,
            )
        )
    ProblemPhoto.objects.bulk_create(photos)
    reworked = (
        Problem.objects.filter(pk__gt=middle, rework_count__gte=2, status="closed")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return {"middle": middle, "middle_photos": len(photos), "reworked": reworked}


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            # VACUUM as well, so the visibility map is set as on a settled production database.
            cursor.execute("VACUUM (ANALYZE)")


# --- measurement ---------------------------------------------------------------------------------


@dataclass
class Case:
    key: str
    label: str
    who: str
    client: object
    url: str
    api: bool
    app_result: Callable  # response -> comparable
    raw: Callable  # () -> comparable (runs the raw SQL)
    rows: Callable  # comparable -> rows returned

    @property
    def headers(self) -> dict:
        return {"HTTP_ACCEPT": "application/json"} if self.api else {}


def measure(meta: dict, *, repeat: int, warmup: int, month: str | None, raw_scope: str = "auto") -> dict:
    from django.db import connection
    from django.test import Client

    from gongjian.accounts.models import User

    sql = RawSql(connection, scope=raw_scope)
    window_end = datetime.datetime.fromisoformat(meta["window_end"])
    if month:
        stats_month = datetime.datetime.strptime(month, "%Y-%m").date()
    else:
        stats_month = _add_months(window_end.date().replace(day=1), -1)
    quarter = (datetime.date(stats_month.year, 1, 1), datetime.date(stats_month.year, 3, 31))
    clients = {}
    for who, username in (("city", "bench_city"), ("street", "bench_street")):
        clients[who] = Client()
        clients[who].force_login(User.objects.get(username=username))
    from gongjian.organizations.models import Unit

    city_id = Unit.objects.get(code=CITY_CODE).pk
    street_id = meta["street_id"]
    roots = {"city": [city_id], "street": [street_id]}
    middle = meta["samples"]["middle"]

    open_filter = {"status": "open"}
    cat_filter = {"category": TOP_CATEGORY, "found_after": quarter[0], "found_before": quarter[1]}

    def q(params: dict) -> str:
        return urlencode({k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in params.items()})

    def list_case(key, label, who, filters, page, api):
        size = API_PAGE_SIZE if api else UI_PAGE_SIZE
        base = "/api/v1/problems/" if api else "/problems/"
        params = {**filters, **({"page": page} if page != 1 else {})}
        return Case(
            key=key,
            label=label,
            who=who,
            client=clients[who],
            url=base + (f"?{q(params)}" if params else ""),
            api=api,
            app_result=_api_list_result if api else _ui_list_result,
            raw=lambda: sql.problem_list(roots[who], filters, limit=size, offset=(page - 1) * size),
            rows=lambda result: len(result["ids"]),
        )

    stats_params = {"month": f"{stats_month:%Y-%m}"}

    def stats_case(key, label, who, unit):
        params = {**stats_params, **({"unit": unit} if unit else {})}
        return Case(
            key=key,
            label=label,
            who=who,
            client=clients[who],
            url=f"/api/v1/problems/stats/?{q(params)}",
            api=True,
            app_result=_stats_result,
            raw=lambda: sql.stats(roots[who], [unit] if unit else None, stats_month),
            rows=lambda result: result["counts"]["found"] + result["counts"]["void"],
        )

    cases = [
        list_case("ui_list_open_p2", "UI list status=open page 2", "city", open_filter, 2, False),
        list_case("ui_list_filtered_p2", "UI list 06036+quarter page 2", "city", cat_filter, 2, False),
        list_case("ui_list_all_p1", "UI list unfiltered page 1", "city", {}, 1, False),
        list_case("api_list_open_p2", "API list status=open page 2", "city", open_filter, 2, True),
        list_case("api_list_filtered_p2", "API list 06036+quarter page 2", "city", cat_filter, 2, True),
        list_case("api_list_all_p1", "API list unfiltered page 1", "city", {}, 1, True),
        stats_case("api_stats_city", "API stats month, city-wide", "city", None),
        stats_case("api_stats_street_as_city", "API stats month, unit=street", "city", street_id),
        stats_case("api_stats_street_officer", "API stats month, street officer", "street", None),
        Case(
            key="ui_detail",
            label="UI problem page",
            who="city",
            client=clients["city"],
            url=f"/problems/{middle}/",
            api=False,
            app_result=_ui_detail_result,
            raw=lambda: sql.problem_page(roots["city"], middle),
            rows=lambda result: 1,
        ),
        Case(
            key="api_detail",
            label="API problem detail",
            who="city",
            client=clients["city"],
            url=f"/api/v1/problems/{middle}/",
            api=True,
            app_result=_api_detail_result,
            raw=lambda: sql.problem_api(roots["city"], middle),
            rows=lambda result: 1,
        ),
    ]

    workarounds = _apply_workarounds(clients["city"], stats_params)
    load_before = os.getloadavg()
    print(
        f"\nTiming {len(cases)} cases: {warmup} warm-up runs, then {repeat} timed runs each "
        f"(stats month {stats_month:%Y-%m}, filtered quarter {quarter[0]}..{quarter[1]}, problem {middle}).",
        flush=True,
    )
    results = []
    for case in cases:
        results.append(_run_case(case, repeat=repeat, warmup=warmup))
        r = results[-1]
        print(
            f"  {case.key:<26} app {r['app']['median_ms']:8.1f} / {r['app']['p95_ms']:8.1f} ms"
            f"   raw {r['raw']['median_ms']:8.1f} / {r['raw']['p95_ms']:8.1f} ms   {r['queries']} queries",
            flush=True,
        )
    constancy = _query_count_constancy(clients["city"], sql, roots["city"], meta, stats_month)
    report = {
        "benchmark": NAME,
        "db": connection.vendor,
        "server": _server_version(),
        "machine": machine(),
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "repeat": repeat,
        "warmup": warmup,
        "stats_month": f"{stats_month:%Y-%m}",
        "raw_scope": sql.scope_mode,
        "goal": {"p95_ms_below": GOAL_P95_MS, "ratio_at_most": GOAL_RATIO},
        "cases": results,
        "query_count_constancy": constancy,
        "workarounds": workarounds,
        "code": _code_version(),
        "load_average": {"before": load_before, "after": os.getloadavg(), "cpus": os.cpu_count()},
    }
    _print_report(report, meta)
    return report


def _apply_workarounds(client, stats_params: dict) -> list[str]:
    """App bugs that would stop a case from running at all are worked around in this process
    only (never in the files), loudly, and listed in the report."""
    notes = []
    url = f"/api/v1/problems/stats/?{urlencode(stats_params)}"
    request_log = logging.getLogger("django.request")
    level, request_log.level = request_log.level, logging.CRITICAL  # the probe's traceback is expected
    try:
        failed = client.get(url, HTTP_ACCEPT="application/json").status_code == 500
    except TypeError:
        failed = True
    finally:
        request_log.level = level
    if failed:
        from django.core.validators import MaxLengthValidator

        from gongjian.inspections.filters import StatsFilterForm

        month = StatsFilterForm.base_fields["month"]
        month.validators = [v for v in month.validators if not isinstance(v, MaxLengthValidator)]
        notes.append(
            "GET /api/v1/problems/stats/?month=YYYY-MM fails (TypeError: MonthField.to_python returns a date and "
            "CharField's MaxLengthValidator(7) calls len() on it); for this run the month field's "
            "MaxLengthValidator was removed in memory (gongjian/inspections/filters.py is unchanged)."
        )
    for note in notes:
        print(f"WARNING: {note}", flush=True)
    return notes


def _run_case(case: Case, *, repeat: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def app():
        response = case.client.get(case.url, **case.headers)
        if response.status_code != 200:
            raise RuntimeError(f"{case.url} answered {response.status_code}: {response.content[:300]!r}")
        return response

    with CaptureQueriesContext(connection) as captured:
        response = app()
    queries = [q["sql"] for q in captured.captured_queries]
    for _ in range(max(0, warmup - 1)):
        app()
    app_samples, sql_samples, per_query = [], [], []
    for _ in range(repeat):
        clock = _QueryLog()
        with connection.execute_wrapper(clock):
            start = time.perf_counter()
            response = app()
            app_samples.append(time.perf_counter() - start)
        sql_samples.append(clock.seconds)
        per_query.append(clock.durations)
    app_value = case.app_result(response)

    for _ in range(warmup):
        case.raw()
    raw_samples = []
    raw_parts: dict[str, list[float]] = {}
    for _ in range(repeat):
        start = time.perf_counter()
        raw_value = case.raw()
        raw_samples.append(time.perf_counter() - start)
        for part, seconds in raw_value.pop("_parts", {}).items():
            raw_parts.setdefault(part, []).append(seconds)
    raw_value.pop("_parts", None)

    app_t, raw_t = Timing.of(app_samples), Timing.of(raw_samples)
    query_medians = []
    if per_query and all(len(p) == len(per_query[0]) for p in per_query):
        for index, sql in enumerate(queries[: len(per_query[0])]):
            query_medians.append(
                {"ms": round(statistics.median(p[index] for p in per_query) * 1000, 3), "sql": sql[:400]}
            )
    same = _same(case, app_value, raw_value)
    return {
        "key": case.key,
        "label": case.label,
        "who": case.who,
        "url": case.url,
        "rows": case.rows(raw_value),
        "queries": len(queries),
        "app": app_t.as_dict(),
        "app_sql_median_ms": round(statistics.median(sql_samples) * 1000, 3),
        "raw": raw_t.as_dict(),
        "raw_parts_median_ms": {k: round(statistics.median(v) * 1000, 3) for k, v in raw_parts.items()},
        "ratio_median": round(app_t.median_ms / raw_t.median_ms, 2) if raw_t.median_ms else None,
        "ratio_p95": round(app_t.p95_ms / raw_t.p95_ms, 2) if raw_t.p95_ms else None,
        "same_result": same,
        "app_queries": query_medians,
        "goal_met": app_t.p95_ms < GOAL_P95_MS and app_t.median_ms <= GOAL_RATIO * raw_t.median_ms,
    }


class _QueryLog(SqlClock):
    def __init__(self) -> None:
        super().__init__()
        self.durations: list[float] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            self.seconds += elapsed
            self.queries += 1
            self.durations.append(elapsed)


# -- what a response says, in the same shape as the raw SQL's answer


_UI_ROW = re.compile(r'class="list-group-item list-group-item-action" href="/problems/(\d+)/"')


def _ui_list_result(response) -> dict:
    return {"ids": [int(i) for i in _UI_ROW.findall(response.content.decode())]}


def _api_list_result(response) -> dict:
    data = response.json()
    return {"count": data["count"], "ids": [row["id"] for row in data["results"]]}


def _stats_result(response) -> dict:
    data = response.json()
    return {
        "counts": data["counts"],
        "by_category": [(c["code"], c["count"]) for c in data["by_category"]],
        "trend": [(t["month"], t["found"], t["closed"]) for t in data["trend"]],
        "by_street": sorted((row["unit_id"], row["found"], row["due"]) for row in data["by_street"]),
        "by_community": sorted((row["unit_id"], row["found"], row["due"]) for row in data["by_community"]),
    }


def _ui_detail_result(response) -> dict:
    html = response.content.decode()
    return {
        "events": html.count('class="timeline-entry'),
        "numbers": re.findall(r"<small class=\"text-muted\">(\w+)</small>", html),
    }


def _api_detail_result(response) -> dict:
    data = response.json()
    return {"id": data["id"], "number": data["number"], "photos": len(data["photos"])}


def _same(case: Case, app: dict, raw: dict) -> bool:
    if case.key.startswith(("ui_list", "api_list")):
        return app["ids"] == raw["ids"] and app.get("count", raw["count"]) == raw["count"]
    if case.key.startswith("api_stats"):
        return all(app[k] == raw[k] for k in ("counts", "by_category", "trend", "by_street", "by_community"))
    if case.key == "ui_detail":
        return app["events"] == raw["events"] and raw["number"] in app["numbers"]
    if case.key == "api_detail":
        return app == {"id": raw["id"], "number": raw["number"], "photos": raw["photos"]}
    return False


# -- the raw SQL


class RawSql:
    """Hand-written SQL for the same rows and aggregates, on Django's connection (same database,
    same connection settings), restricted to the actor's places as hand-written SQL would on the
    current schema: through the problems' denormalised ancestor columns when the model has them
    (``Problem.SCOPE_COLUMNS``), else through the recursive subtree of units (``scope="subtree"``
    forces the latter)."""

    def __init__(self, connection, scope: str = "auto"):
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from gongjian.core.models import AuditEvent
        from gongjian.inspections.models import Category, Extension, Problem, ProblemPhoto, Rectification
        from gongjian.organizations.models import Unit

        self.connection = connection
        self.vendor = connection.vendor
        self.tz = timezone.get_current_timezone()
        self.tz_name = settings.TIME_ZONE
        t = {
            "P": Problem,
            "C": Category,
            "U": Unit,
            "PH": ProblemPhoto,
            "A": AuditEvent,
            "R": Rectification,
            "E": Extension,
            "USER": get_user_model(),
        }
        self.t = {k: connection.ops.quote_name(m._meta.db_table) for k, m in t.items()}
        columns = {f.attname: f.column for f in Problem._meta.concrete_fields}
        self.scope_columns = (
            {
                level: columns[attname]
                for level, attname in getattr(Problem, "SCOPE_COLUMNS", {}).items()
                if attname in columns
            }
            if scope != "subtree"
            else {}
        )
        self.scope_mode = "ancestor columns" if self.scope_columns else "recursive subtree"
        self._levels = dict(Unit.objects.values_list("id", "level"))

    def _dt(self, value: datetime.datetime):
        return self.connection.ops.adapt_datetimefield_value(value)

    def _scope(self, roots: list[int], sub: list[int] | None = None) -> tuple[list[str], list, str, list]:
        """(CTEs, their params, a WHERE condition on ``p``, its params) restricting problems to the
        subtrees of ``roots`` (and of ``sub``)."""
        u = self.t["U"]
        ctes, cte_params, where, where_params = [], [], [], []
        for name, ids in (("scope", roots), ("sub", sub)):
            if not ids:
                continue
            marks = ", ".join(["%s"] * len(ids))
            levels = {self._levels.get(i) for i in ids}
            column = self.scope_columns.get(levels.pop()) if len(levels) == 1 else None
            if column:
                where.append(f"p.{column} IN ({marks})")
                where_params += ids
            else:
                ctes.append(
                    f"{name}(id) AS (SELECT id FROM {u} WHERE id IN ({marks})"
                    f" UNION SELECT u.id FROM {u} u JOIN {name} s ON u.parent_id = s.id)"
                )
                cte_params += ids
                where.append(f"p.unit_id IN (SELECT id FROM {name})")
        return ctes, cte_params, " AND ".join(where), where_params

    @staticmethod
    def _with(ctes: list[str]) -> str:
        return f"WITH RECURSIVE {', '.join(ctes)} " if ctes else ""

    def _query(self, sql: str, params: list) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _timed(self, parts: dict, name: str, sql: str, params: list) -> list[tuple]:
        start = time.perf_counter()
        rows = self._query(sql, params)
        parts[name] = time.perf_counter() - start
        return rows

    # The list: the page of rows (problem, category, unit) and the count, ordered like the ORM.
    def problem_list(self, roots: list[int], filters: dict, *, limit: int, offset: int) -> dict:
        t = self.t
        ctes, params, scope, scope_params = self._scope(roots, [filters["unit"]] if filters.get("unit") else None)
        with_ = self._with(ctes)
        where, wparams, join_category = [scope], list(scope_params), False
        if filters.get("status"):
            where.append("p.status = %s")
            wparams.append(filters["status"])
        if filters.get("category"):
            where.append("c.code = %s")
            wparams.append(filters["category"])
            join_category = True
        if filters.get("found_after"):
            where.append("p.found_at >= %s")
            wparams.append(self._dt(datetime.datetime.combine(filters["found_after"], datetime.time.min, self.tz)))
        if filters.get("found_before"):
            end = datetime.datetime.combine(
                filters["found_before"] + datetime.timedelta(days=1), datetime.time.min, self.tz
            )
            where.append("p.found_at < %s")
            wparams.append(self._dt(end))
        if filters.get("q"):
            where.append("(p.number LIKE %s OR p.address LIKE %s)")
            wparams += [f"{filters['q']}%", f"%{filters['q']}%"]
        w = " AND ".join(where)
        parts: dict[str, float] = {}
        count_join = f" JOIN {t['C']} c ON c.id = p.category_id" if join_category else ""
        count = self._timed(
            parts, "count", f"{with_}SELECT COUNT(*) FROM {t['P']} p{count_join} WHERE {w}", params + wparams
        )
        rows = self._timed(
            parts,
            "page",
            f"{with_}SELECT p.id AS pid, p.*, c.*, u.* FROM {t['P']} p JOIN {t['C']} c ON c.id = p.category_id"
            f" JOIN {t['U']} u ON u.id = p.unit_id WHERE {w} ORDER BY p.found_at DESC, p.id DESC LIMIT %s OFFSET %s",
            params + wparams + [limit, offset],
        )
        return {"count": count[0][0], "ids": [row[0] for row in rows], "_parts": parts}

    # The stats: the month's conditional counts, by category, rolled up to communities and
    # streets, and the twelve-month trend — everything the endpoint returns.
    COUNTS = ["found", "void", "due", "closed", "closed_on_time", "reworked", "overdue", "relapses"]

    def _aggregates(self, as_of) -> tuple[str, list]:
        nv = "p.status <> 'void'"
        due = f"({nv} AND (p.status = 'closed' OR p.deadline <= %s))"
        # As selectors.rectified_on_time_q: the rectification in hand (submitted or accepted) came in time.
        on_time = (
            "(p.status IN ('submitted', 'closed') AND p.submitted_at IS NOT NULL AND p.submitted_at <= p.deadline)"
        )
        exprs = [
            f"COUNT(*) FILTER (WHERE {nv})",
            "COUNT(*) FILTER (WHERE p.status = 'void')",
            f"COUNT(*) FILTER (WHERE {due})",
            "COUNT(*) FILTER (WHERE p.status = 'closed')",
            f"COUNT(*) FILTER (WHERE p.status = 'closed' AND {on_time})",
            f"COUNT(*) FILTER (WHERE {due} AND p.rework_count > 0)",
            f"COUNT(*) FILTER (WHERE {due} AND NOT {on_time})",
            f"COUNT(*) FILTER (WHERE {nv} AND p.relapse_of_id IS NOT NULL)",
        ]
        sql = ", ".join(f"{e} AS {name}" for e, name in zip(exprs, self.COUNTS, strict=True))
        return sql, [as_of] * 3

    def stats(self, roots: list[int], sub: list[int] | None, month: datetime.date) -> dict:
        from django.utils import timezone

        t = self.t
        start = datetime.datetime(month.year, month.month, 1, tzinfo=self.tz)
        end_month = _add_months(month, 1)
        end = datetime.datetime(end_month.year, end_month.month, 1, tzinfo=self.tz)
        trend_month = _add_months(month, -11)
        trend_start = datetime.datetime(trend_month.year, trend_month.month, 1, tzinfo=self.tz)
        as_of = self._dt(min(timezone.now(), end))
        ctes, cte_params, scope, scope_params = self._scope(roots, sub)
        with_ = self._with(ctes)
        cohort = f"p.found_at >= %s AND p.found_at < %s AND {scope}"
        cohort_params = [self._dt(start), self._dt(end), *scope_params]
        aggs, agg_params = self._aggregates(as_of)
        parts: dict[str, float] = {}

        counts_row = self._timed(
            parts,
            "counts",
            f"{with_}SELECT {aggs} FROM {t['P']} p WHERE {cohort}",
            cte_params + agg_params + cohort_params,
        )[0]
        counts = dict(zip(self.COUNTS, counts_row, strict=True))
        categories = self._timed(
            parts,
            "by_category",
            f"{with_}SELECT c.code, COUNT(*) FROM {t['P']} p JOIN {t['C']} c ON c.id = p.category_id"
            f" WHERE {cohort} AND p.status <> 'void' GROUP BY c.code",
            cte_params + cohort_params,
        )
        sums = ", ".join(f"SUM(x.{name})" for name in self.COUNTS)
        rollup = self._timed(
            parts,
            "by_street_community",
            self._with(
                [
                    *ctes,
                    f"per_unit AS (SELECT p.unit_id, {aggs} FROM {t['P']} p WHERE {cohort} GROUP BY p.unit_id)",
                    "placed AS (SELECT x.*, CASE u.level WHEN 'compound' THEN u.parent_id WHEN 'community' THEN u.id"
                    f" END AS community_id FROM per_unit x JOIN {t['U']} u ON u.id = x.unit_id)",
                ]
            )
            + f"SELECT 'community', cm.id, {sums} FROM placed x JOIN {t['U']} cm ON cm.id = x.community_id"
            f" GROUP BY cm.id"
            f" UNION ALL SELECT 'street', st.id, {sums} FROM placed x JOIN {t['U']} cm ON cm.id = x.community_id"
            f" JOIN {t['U']} st ON st.id = cm.parent_id GROUP BY st.id",
            cte_params + agg_params + cohort_params,
        )
        if self.vendor == "postgresql":
            month_expr = "to_char(date_trunc('month', p.found_at AT TIME ZONE %s), 'YYYY-MM')"
            month_param = self.tz_name
        else:
            month_expr = "strftime('%%Y-%%m', p.found_at, %s)"
            offset = int(start.utcoffset().total_seconds())
            month_param = f"{offset:+d} seconds"
        trend = self._timed(
            parts,
            "trend_12_months",
            f"{with_}SELECT {month_expr} AS m, COUNT(*), COUNT(*) FILTER (WHERE p.status = 'closed')"
            f" FROM {t['P']} p WHERE p.found_at >= %s AND p.found_at < %s AND {scope} AND p.status <> 'void'"
            f" GROUP BY m ORDER BY m",
            [*cte_params, month_param, self._dt(trend_start), self._dt(end), *scope_params],
        )
        # The endpoint's order: by count, then code.
        by_category = sorted(((code, n) for code, n in categories if n), key=lambda r: (-r[1], r[0]))
        idx_found, idx_due = 2 + self.COUNTS.index("found"), 2 + self.COUNTS.index("due")
        return {
            "counts": counts,
            "by_category": by_category,
            "trend": [(m, n, closed) for m, n, closed in trend],
            "by_street": sorted((r[1], r[idx_found], r[idx_due]) for r in rollup if r[0] == "street"),
            "by_community": sorted((r[1], r[idx_found], r[idx_due]) for r in rollup if r[0] == "community"),
            "_parts": parts,
        }

    # The problem page: the problem with category, unit, parent unit, reporter and relapse origin;
    # its photos, audit events (with actors), rectifications and any pending extension.
    def problem_page(self, roots: list[int], problem_id: int) -> dict:
        t = self.t
        ctes, params, scope, scope_params = self._scope(roots)
        parts: dict[str, float] = {}
        row = self._timed(
            parts,
            "problem",
            f"{self._with(ctes)}SELECT p.*, c.*, u.*, pu.*, r.id, r.username, r.name, rp.number FROM {t['P']} p"
            f" JOIN {t['C']} c ON c.id = p.category_id JOIN {t['U']} u ON u.id = p.unit_id"
            f" LEFT JOIN {t['U']} pu ON pu.id = u.parent_id JOIN {t['USER']} r ON r.id = p.reporter_id"
            f" LEFT JOIN {t['P']} rp ON rp.id = p.relapse_of_id"
            f" WHERE p.id = %s AND {scope}",
            [*params, problem_id, *scope_params],
        )
        photos = self._timed(
            parts,
            "photos",
            f"SELECT ph.* FROM {t['PH']} ph WHERE ph.problem_id = %s ORDER BY ph.uploaded_at, ph.id",
            [problem_id],
        )
        events = self._timed(
            parts,
            "audit_events",
            f"SELECT a.*, au.username, au.name FROM {t['A']} a LEFT JOIN {t['USER']} au ON au.id = a.actor_id"
            f" WHERE a.target_type = %s AND a.target_id = %s ORDER BY a.at, a.id",
            ["inspections.problem", str(problem_id)],
        )
        self._timed(
            parts,
            "rectifications",
            f"SELECT * FROM {t['R']} WHERE problem_id = %s ORDER BY submitted_at, id",
            [problem_id],
        )
        self._timed(
            parts,
            "pending_extension",
            f"SELECT * FROM {t['E']} WHERE problem_id = %s AND status = 'pending' ORDER BY requested_at, id LIMIT 1",
            [problem_id],
        )
        number = self._problem_number(problem_id)
        return {"id": row[0][0], "number": number, "photos": len(photos), "events": len(events), "_parts": parts}

    def _problem_number(self, problem_id: int) -> str:
        return self._query(f"SELECT number FROM {self.t['P']} WHERE id = %s", [problem_id])[0][0]

    # The API detail: the problem with category, unit and reporter, and its photos.
    def problem_api(self, roots: list[int], problem_id: int) -> dict:
        t = self.t
        ctes, params, scope, scope_params = self._scope(roots)
        parts: dict[str, float] = {}
        row = self._timed(
            parts,
            "problem",
            f"{self._with(ctes)}SELECT p.id, p.number, p.*, c.*, u.*, r.id, r.username, r.name FROM {t['P']} p"
            f" JOIN {t['C']} c ON c.id = p.category_id JOIN {t['U']} u ON u.id = p.unit_id"
            f" JOIN {t['USER']} r ON r.id = p.reporter_id WHERE p.id = %s AND {scope}",
            [*params, problem_id, *scope_params],
        )
        photos = self._timed(
            parts,
            "photos",
            f"SELECT ph.* FROM {t['PH']} ph WHERE ph.problem_id = %s ORDER BY ph.uploaded_at, ph.id",
            [problem_id],
        )
        return {"id": row[0][0], "number": row[0][1], "photos": len(photos), "_parts": parts}

    def unit_with_rows(self, month: datetime.date, wanted: int) -> tuple[int, int] | None:
        """A unit with exactly ``wanted`` problems found in the month (or the nearest count above)."""
        start = datetime.datetime(month.year, month.month, 1, tzinfo=self.tz)
        end_month = _add_months(month, 1)
        end = datetime.datetime(end_month.year, end_month.month, 1, tzinfo=self.tz)
        rows = self._query(
            f"SELECT p.unit_id, COUNT(*) AS n FROM {self.t['P']} p JOIN {self.t['U']} u ON u.id = p.unit_id"
            f" WHERE u.level = 'compound' AND p.found_at >= %s AND p.found_at < %s"
            f" GROUP BY p.unit_id HAVING COUNT(*) >= %s ORDER BY n, p.unit_id LIMIT 1",
            [self._dt(start), self._dt(end), wanted],
        )
        return (rows[0][0], rows[0][1]) if rows else None


def _code_version() -> dict:
    """The commit measured, and the files that differed from it (others edit the tree meanwhile)."""
    import subprocess

    from bench.harness import REPO

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:  # not a checkout, e.g. a `git archive` snapshot: say which commit it was made from
        return {"commit": os.environ.get("BENCH_CODE_COMMIT", "unknown"), "uncommitted": [], "snapshot": str(REPO)}
    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if not line[3:].startswith("bench/")]
    return {"commit": commit, "uncommitted": changed}


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
        return f"PostgreSQL {version} (" + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")"


# -- query counts against the number of rows


def _query_count_constancy(client, sql: RawSql, roots: list[int], meta: dict, month: datetime.date) -> list[dict]:
    """Query counts of the same request shape (same filters, same page) with different numbers of
    rows: an N+1 would show as a count that grows with the rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    month_last = _add_months(month, 1) - datetime.timedelta(days=1)
    first_day = datetime.datetime.fromisoformat(meta["window_start"]).date()
    open_count = sql.problem_list(roots, {"status": "open"}, limit=1, offset=0)["count"]
    last_ui_page = max(1, math.ceil(open_count / UI_PAGE_SIZE))
    ui_rows = lambda response: len(_ui_list_result(response)["ids"])  # noqa: E731
    api_rows = lambda response: len(_api_list_result(response)["ids"])  # noqa: E731
    stats_rows = lambda response: response.json()["total"]  # noqa: E731
    # (page, shape, variant, url, rows on the page)
    variants = [
        ("UI", "q=<no match>", "no match", "/problems/?q=NO-SUCH-CASE", ui_rows),
        ("UI", "status=open&page=N", "page 1", "/problems/?status=open", ui_rows),
        ("UI", "status=open&page=N", "last page", f"/problems/?status=open&page={last_ui_page}", ui_rows),
        ("API", "q=<no match>", "no match", "/api/v1/problems/?q=NO-SUCH-CASE", api_rows),
    ]
    small = sql.unit_with_rows(month, 5)
    if small:
        for page, base, extract in (
            ("UI", "/problems/", ui_rows),
            ("API", "/api/v1/problems/", api_rows),
        ):
            for label, after in ((f"{month:%Y-%m}", month), ("all months", first_day)):
                url = f"{base}?unit={small[0]}&found_after={after}&found_before={month_last}"
                variants.append((page, "unit=<compound>&found_after&found_before", label, url, extract))
    for size in (1, 5, 30, 200):
        url = f"/api/v1/problems/?status=open&page_size={size}"
        variants.append(("API", "status=open&page_size=N", f"page_size={size}", url, api_rows))
    pages = [(meta["samples"]["middle"], "3 photos")]
    if meta["samples"].get("reworked"):
        pages.append((meta["samples"]["reworked"], "no photos, reworked twice"))
    for problem_id, label in pages:
        variants.append(("UI page", "/problems/<id>/", f"{problem_id} ({label})", f"/problems/{problem_id}/", None))
        variants.append(
            ("API page", "/api/v1/problems/<id>/", f"{problem_id} ({label})", f"/api/v1/problems/{problem_id}/", None)
        )
    year_before = _add_months(month, -12)
    for label, value in (
        (f"{month:%Y-%m}", f"{month:%Y-%m}"),
        (f"{year_before:%Y-%m}", f"{year_before:%Y-%m}"),
        ("2000-01 (no problems)", "2000-01"),
    ):
        variants.append(("API stats", "month=YYYY-MM", label, f"/api/v1/problems/stats/?month={value}", stats_rows))
    out = []
    for page, shape, label, url, extract in variants:
        headers = {"HTTP_ACCEPT": "application/json"} if page.startswith("API") else {}
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        rows = extract(response) if extract else None
        out.append({"kind": page, "shape": shape, "variant": label, "url": url, "rows": rows, "queries": len(captured)})
    return out


# -- printing


def _print_report(report: dict, meta: dict) -> None:
    print()
    print(
        f"inspections benchmark on {report['server']}; {meta['problems']:,} problems, "
        f"{meta['compounds']:,} compounds (generated in {meta['generation_seconds']:.0f} s); "
        f"{report['repeat']} runs after {report['warmup']} warm-ups; times in ms."
    )
    load = report["load_average"]
    print(
        f"Code: {report['code']['commit']} with {len(report['code']['uncommitted'])} uncommitted files; "
        f"load average {load['before'][0]:.1f} before, {load['after'][0]:.1f} after timing ({load['cpus']} CPUs)."
    )
    print(
        f"Goal: p95 < {GOAL_P95_MS:.0f} ms and app median <= {GOAL_RATIO:.0f}x raw median; "
        "'sql' = time inside the database driver during the request; "
        f"raw SQL scoped through the {report['raw_scope']}."
    )
    print()
    rows = []
    for r in report["cases"]:
        rows.append(
            [
                r["label"],
                r["who"],
                r["rows"],
                r["queries"],
                r["app"]["median_ms"],
                r["app"]["p95_ms"],
                r["app_sql_median_ms"],
                r["raw"]["median_ms"],
                r["raw"]["p95_ms"],
                f"{r['ratio_median']:.1f}x",
                f"{r['ratio_p95']:.1f}x",
                "yes" if r["same_result"] else "NO",
                "met" if r["goal_met"] else "MISSED",
            ]
        )
    print(
        table(
            [
                "case",
                "user",
                "rows",
                "q",
                "app med",
                "app p95",
                "sql med",
                "raw med",
                "raw p95",
                "x med",
                "x p95",
                "same",
                "goal",
            ],
            rows,
            left=2,
        )
    )
    print("\nWhere the time goes: the app's slowest queries (median ms) and the raw SQL's parts.")
    for r in report["cases"]:
        slow = sorted(r["app_queries"], key=lambda q: -q["ms"])[:3]
        parts = ", ".join(f"{k} {v:.1f}" for k, v in r["raw_parts_median_ms"].items())
        print(f"  {r['label']}  [raw: {parts}]")
        for q in slow:
            sql = " ".join(q["sql"].split())
            print(f"      {q['ms']:8.1f}  {sql[:150]}")
    print("\nQueries per request: the same request with different numbers of rows (city admin):")
    checks = report["query_count_constancy"]
    print(
        table(
            ["page", "request", "variant", "rows", "queries"],
            [[c["kind"], c["shape"], c["variant"], c["rows"], c["queries"]] for c in checks],
            left=3,
        )
    )
    groups: dict[tuple[str, str], list[dict]] = {}
    for check in checks:
        groups.setdefault((check["kind"], check["shape"]), []).append(check)
    for (kind, shape), members in groups.items():
        if len(members) < 2:
            continue
        counts = sorted({m["queries"] for m in members if m["rows"] != 0})
        rows = [m["rows"] for m in members if m["rows"]]
        span = f" for {min(rows)} to {max(rows)} rows" if rows else ""
        verdict = "constant" if len(counts) == 1 else "NOT constant"
        print(f"  {kind} {shape}: {verdict}{span} ({', '.join(map(str, counts))} queries)")
    print("  (Empty results are left out of the verdicts: a list makes one query fewer when its count is 0 — no")
    print("  page to fetch — and the stats one fewer for a month without problems — nothing to roll up.)")
