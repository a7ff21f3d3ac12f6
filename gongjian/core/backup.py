"""Backups that restore: the database, every stored file and a manifest that vouches for both.

A backup is a folder::

    manifest.json        format, time, app version, migrations applied, rows per table, and the
                         SHA-256 and size of every other part (written last: no manifest, no backup)
    database.dump        PostgreSQL: ``pg_dump --format=custom``
    database.sqlite3     SQLite: a copy made with the online backup API
    files/<name>         every file in the default storage (local disk or S3), under its own name

``backup`` reads the database in one consistent snapshot (PostgreSQL: the rows are counted and the
migrations read in the transaction whose exported snapshot ``pg_dump --snapshot`` dumps; SQLite:
they are read from the copy), then copies the files. ``restore`` checks everything it can before it
writes anything — every part's SHA-256 and size, the database vendor and tools, the migrations,
that the database has no tables and the storage no files — then loads the database
(``pg_restore``; the SQLite backup API), writes the files and compares the rows per table with the
manifest.

pg_dump and pg_restore must be of the server's major version (``PG_BIN_DIR`` points at them when
the ones on PATH are not)."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.core.storage import backend_label, stored_names

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1 << 20

Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class Part:
    name: str
    sha256: str
    size: int

    def as_dict(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "size": self.size}


@dataclass
class Summary:
    folder: Path
    vendor: str
    tables: int
    rows: int
    files: int
    bytes: int
    notes: list[str] = field(default_factory=list)


# --- small pieces -----------------------------------------------------------------------------------


def _quiet(_line: str) -> None:
    pass


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def safe_name(name: str) -> PurePosixPath:
    """A stored file's name as a relative path that stays inside the backup's ``files/``."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name or "\x00" in name:
        raise BackupError(_("Refused a file name that would leave the backup folder: %(name)r.") % {"name": name})
    return path


def app_version() -> str:
    """``git describe`` of the running code when it is a checkout, else the version in pyproject."""
    base = Path(settings.BASE_DIR)
    try:
        result = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"], cwd=base, capture_output=True, text=True, timeout=10
        )
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return tomllib.loads((base / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


# --- PostgreSQL tools -------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    folder = settings.PG_BIN_DIR
    found = str(Path(folder) / name) if folder else shutil.which(name)
    if not found or not Path(found).is_file():
        raise BackupError(
            _(
                "%(tool)s is not installed. Install the PostgreSQL client of the server's version "
                "(e.g. apt-get install postgresql-client-15) or set PG_BIN_DIR to its folder."
            )
            % {"tool": name}
        )
    return found


def tool_major(version_output: str) -> int:
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", version_output)
    if not match:
        raise BackupError(_("Cannot tell the version of %(output)r.") % {"output": version_output.strip()})
    return int(match.group(1))


def check_tool_version(tool: str, version_output: str, server_major: int) -> int:
    """The tool's major version, which must be the server's (a pg_dump older than the server
    refuses to dump it; one newer writes what an older server may not load)."""
    major = tool_major(version_output)
    if major != server_major:
        raise BackupError(
            _(
                "%(tool)s is version %(tool_major)s but the PostgreSQL server is version %(server_major)s: "
                "install postgresql-client-%(server_major)s and set PG_BIN_DIR=/usr/lib/postgresql/"
                "%(server_major)s/bin (or put it first on PATH)."
            )
            % {"tool": tool, "tool_major": major, "server_major": server_major}
        )
    return major


def _pg_checked_tool(name: str, connection) -> tuple[str, str]:
    path = pg_tool(name)
    output = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    connection.ensure_connection()
    check_tool_version(name, output, connection.pg_version // 10000)
    return path, output.strip()


def _pg_environment(connection) -> dict[str, str]:
    """Connection parameters for pg_dump/pg_restore as libpq variables (never on the command line,
    where other users could read the password)."""
    s = connection.settings_dict
    env = {**os.environ}
    for key in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSERVICE", "PGOPTIONS"):
        env.pop(key, None)
    values = {
        "PGHOST": s.get("HOST"),
        "PGPORT": s.get("PORT"),
        "PGUSER": s.get("USER"),
        "PGPASSWORD": s.get("PASSWORD"),
    }
    values["PGDATABASE"] = s.get("NAME")
    options = s.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        values[variable] = options.get(option)
    env.update({k: str(v) for k, v in values.items() if v not in (None, "")})
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            _("%(what)s failed: %(error)s") % {"what": what, "error": (result.stderr or result.stdout).strip()[-2000:]}
        )


# --- what is in a database --------------------------------------------------------------------------


def _count_rows(cursor, tables: Iterable[str], quote: Callable[[str], str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor, tables: Iterable[str]) -> dict[str, list[str]]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _sqlite_tables(cursor) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [row[0] for row in cursor.fetchall()]


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_rows(using: str = "default") -> dict[str, int]:
    """Rows per table of a live database (after a restore)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        return _count_rows(cursor, tables, connection.ops.quote_name)


# --- backup -----------------------------------------------------------------------------------------


def _dump_postgresql(connection, target: Path) -> tuple[dict, dict[str, int], dict[str, list[str]]]:
    pg_dump, version = _pg_checked_tool("pg_dump", connection)
    env = _pg_environment(connection)
    connection.set_autocommit(False)
    try:
        with connection.cursor() as cursor:
            # One snapshot for the dump, the row counts and the migrations: they describe the same data.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = connection.introspection.table_names(cursor)
            rows = _count_rows(cursor, tables, connection.ops.quote_name)
            migrations = _migrations(cursor, tables)
            _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
                env,
                "pg_dump",
            )
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
    finally:
        connection.rollback()
        connection.set_autocommit(True)
    return {"vendor": "postgresql", "server_version": server, "tool": version}, rows, migrations


def _dump_sqlite(connection, target: Path) -> tuple[dict, dict[str, int], dict[str, list[str]]]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        # One self-contained file (a copy of a WAL database would otherwise come with -wal/-shm files).
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
    copy = sqlite3.connect(f"file:{target}?mode=ro&immutable=1", uri=True)
    try:
        cursor = copy.cursor()
        tables = _sqlite_tables(cursor)
        rows = _count_rows(cursor, tables, _sqlite_quote)
        migrations = _migrations(cursor, tables)
        cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    finally:
        copy.close()
    return (
        {"vendor": "sqlite", "server_version": version, "tool": f"sqlite3 online backup API {version}"},
        rows,
        migrations,
    )


def backup(
    output: Path, *, using: str = "default", storage: Storage | None = None, say: Say = _quiet
) -> tuple[dict, Summary]:
    """Write a backup of the database ``using`` and of every file in ``storage`` to the new (or
    empty) folder ``output``; return the manifest and a summary."""
    storage = storage or default_storage
    connection = connections[using]
    output = Path(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise BackupError(_("%(folder)s is not an empty folder: give each backup a new folder.") % {"folder": output})
    vendor = connection.vendor
    if connection.in_atomic_block:
        # Its snapshot would include what the transaction has not committed (and SQLite's backup
        # would wait on the transaction's own lock).
        raise BackupError(_("A backup cannot run inside a transaction."))
    if vendor not in DATABASE_FILES:
        raise BackupError(_("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor})
    output.mkdir(parents=True, exist_ok=True)
    started = timezone.now()

    database_file = output / DATABASE_FILES[vendor]
    say(_("Database (%(vendor)s) → %(file)s") % {"vendor": vendor, "file": database_file.name})
    dumper = _dump_postgresql if vendor == "postgresql" else _dump_sqlite
    database, rows, migrations = dumper(connection, database_file)
    digest, size = sha256_file(database_file)
    database.update(file=database_file.name, sha256=digest, size=size)

    say(_("Files from %(storage)s") % {"storage": backend_label(storage)})
    files: list[Part] = []
    root = output / FILES
    for name in stored_names(storage):
        target = root.joinpath(*safe_name(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with storage.open(name, "rb") as source, target.open("wb") as sink:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                sink.write(chunk)
                size += len(chunk)
        files.append(Part(name, digest.hexdigest(), size))
    manifest = {
        "format": FORMAT,
        "created_at": started.astimezone(datetime.UTC).isoformat(),
        "finished_at": timezone.now().astimezone(datetime.UTC).isoformat(),
        "app_version": app_version(),
        "django_version": django.get_version(),
        "database": database,
        "migrations": migrations,
        "tables": rows,
        "storage": backend_label(storage),
        "files": [f.as_dict() for f in files],
    }
    # Last, and whole: a folder without a manifest is not a backup.
    partial = output / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(partial, output / MANIFEST)
    return manifest, Summary(
        folder=output,
        vendor=vendor,
        tables=len(rows),
        rows=sum(rows.values()),
        files=len(files),
        bytes=size_total(manifest),
    )


def size_total(manifest: dict) -> int:
    return manifest["database"]["size"] + sum(f["size"] for f in manifest["files"])


# --- restore ----------------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(
            _("%(folder)s has no %(manifest)s: it is not a backup (or the backup did not finish).")
            % {"folder": folder, "manifest": MANIFEST}
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(_("%(manifest)s cannot be read: %(error)s") % {"manifest": MANIFEST, "error": error})
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("This backup's format (%(format)s) is not one this version restores (%(expected)s).")
            % {"format": manifest.get("format") if isinstance(manifest, dict) else None, "expected": FORMAT}
        )
    return manifest


def verify_parts(folder: Path, manifest: dict) -> None:
    """Every part present with its SHA-256 and size, and nothing else under ``files/``."""
    folder = Path(folder)
    database = manifest["database"]
    if database.get("file") not in DATABASE_FILES.values():
        raise BackupError(_("The manifest names no database file."))
    parts = [(folder / database["file"], database)]
    listed = set()
    for entry in manifest["files"]:
        path = folder / FILES / Path(*safe_name(entry["name"]).parts)
        listed.add(path)
        parts.append((path, entry))
    for path, entry in parts:
        if not path.is_file():
            raise BackupError(_("%(part)s is missing from the backup.") % {"part": path.relative_to(folder)})
        digest, size = sha256_file(path)
        if (digest, size) != (entry["sha256"], entry["size"]):
            raise BackupError(
                _("%(part)s does not match its SHA-256 in the manifest: the backup is damaged.")
                % {"part": path.relative_to(folder)}
            )
    root = folder / FILES
    extra = sorted(p for p in root.rglob("*") if p.is_file() and p not in listed) if root.exists() else []
    if extra:
        raise BackupError(
            _("%(part)s is in the backup but not in its manifest: the backup was altered.")
            % {"part": extra[0].relative_to(folder)}
        )


def check_migrations(manifest: dict) -> list[tuple[str, str]]:
    """Refuse a backup with migrations this code does not have; return the ones it adds."""
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    known = known_migrations()
    unknown = sorted(applied - known)
    if unknown:
        raise BackupError(
            _(
                "The backup comes from a newer version (migration %(migration)s is unknown here): "
                "restore it with version %(version)s or later."
            )
            % {"migration": ".".join(unknown[0]), "version": manifest.get("app_version", "?")}
        )
    return sorted(known - applied)


def check_empty(connection, storage: Storage) -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise BackupError(
            _(
                "The database %(name)s already has %(count)s tables: restore into a new, empty database "
                "(create it, and do not run migrate first)."
            )
            % {"name": connection.settings_dict.get("NAME"), "count": len(tables)}
        )
    first = next(stored_names(storage), None)
    if first is not None:
        raise BackupError(
            _("The file storage %(storage)s is not empty (it holds %(name)s): restore into an empty storage.")
            % {"storage": backend_label(storage), "name": first}
        )


def _load_postgresql(connection, dump: Path, manifest: dict) -> None:
    pg_restore, _version = _pg_checked_tool("pg_restore", connection)
    dumped_with = tool_major(manifest["database"].get("tool", ""))
    if dumped_with > connection.pg_version // 10000:
        raise BackupError(
            _("The backup was dumped by PostgreSQL %(dumped)s tools; this server is %(server)s.")
            % {"dumped": dumped_with, "server": connection.pg_version // 10000}
        )
    connection.close()
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        _pg_environment(connection),
        "pg_restore",
    )


def _load_sqlite(connection, copy: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{copy}?mode=ro&immutable=1", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


def restore(folder: Path, *, using: str = "default", storage: Storage | None = None, say: Say = _quiet) -> Summary:
    """Restore the backup in ``folder`` into the empty database ``using`` and the empty ``storage``."""
    storage = storage or default_storage
    connection = connections[using]
    folder = Path(folder)
    manifest = read_manifest(folder)
    say(_("Checking every part's SHA-256…"))
    verify_parts(folder, manifest)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            _("This is a %(backup)s backup; the database here is %(here)s.")
            % {"backup": vendor, "here": connection.vendor}
        )
    missing_migrations = check_migrations(manifest)
    check_empty(connection, storage)

    say(_("Database (%(vendor)s) ← %(file)s") % {"vendor": vendor, "file": manifest["database"]["file"]})
    database_file = folder / manifest["database"]["file"]
    if vendor == "postgresql":
        _load_postgresql(connection, database_file, manifest)
    else:
        _load_sqlite(connection, database_file)

    say(_("Files → %(storage)s") % {"storage": backend_label(storage)})
    for entry in manifest["files"]:
        path = folder / FILES / Path(*safe_name(entry["name"]).parts)
        with path.open("rb") as handle:
            saved = storage.save(entry["name"], File(handle, name=posixpath.basename(entry["name"])))
        if saved != entry["name"]:
            raise BackupError(
                _("The storage stored %(name)s as %(saved)s: the files no longer match the database.")
                % {"name": entry["name"], "saved": saved}
            )

    rows = database_rows(using)
    expected = manifest["tables"]
    differing = sorted(t for t in set(rows) | set(expected) if rows.get(t) != expected.get(t))
    if differing:
        table = differing[0]
        raise BackupError(
            _("After the restore, table %(table)s has %(found)s rows; the backup has %(expected)s.")
            % {"table": table, "found": rows.get(table), "expected": expected.get(table)}
        )
    summary = Summary(
        folder=folder,
        vendor=vendor,
        tables=len(rows),
        rows=sum(rows.values()),
        files=len(manifest["files"]),
        bytes=size_total(manifest),
    )
    if missing_migrations:
        summary.notes.append(
            _("This version has %(count)s migrations the backup did not: run manage.py migrate now.")
            % {"count": len(missing_migrations)}
        )
    return summary
