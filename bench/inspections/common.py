"""The bench's name, constants and its own database (``Target``: SQLite file or PostgreSQL
database, its meta row), and the small shapes the other modules share."""

from __future__ import annotations

import datetime
import json
import os
import sqlite3
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from bench.harness import (
    BENCH_VAR,
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


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass
class People:
    city_admin: object
    street_officer: object
    worker: object
    inspectors: list
