"""Backups that restore: a city with problems, photos, evidence records and a binder is backed up
(`manage.py backup`), restored by a separate process into a fresh empty database and a fresh empty
storage (`manage.py restore`, as on a new machine), and comes back whole: the same rows per model,
byte-identical files, and an archive whose hash chain verifies. A restore refuses — before writing
anything — a damaged or altered backup, one from a newer version, or a target that is not empty."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from gongjian.archives import jobs, periods
from gongjian.archives.choices import EvidenceKind, JobStatus
from gongjian.archives.models import BinderJob, EvidenceFile
from gongjian.archives.services import FileIn
from gongjian.archives.tests.factories import archive_ruleset, photo, published_template, record
from gongjian.archives.tests.test_services import docx_bytes
from gongjian.core import backup as backups
from gongjian.core.storage import PrivateS3Storage, stored_names
from gongjian.inspections.models import Category, ProblemPhoto
from gongjian.inspections.taxonomy import load_default_categories
from gongjian.inspections.tests.factories import jpeg_bytes, reported
from gongjian.participation.activity_types import load_default_activity_types
from gongjian.participation.models import ActivityType

BASE_DIR = Path(settings.BASE_DIR)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="in-process: SQLite's online backup API")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore: PostgreSQL only")

COUNT_PER_MODEL = (
    "import json, django; django.setup(); from django.apps import apps; "
    "print(json.dumps({m._meta.label: m._base_manager.count() for m in apps.get_models(include_auto_created=True) "
    "if m._meta.managed and not m._meta.proxy}))"
)


def rows_per_model() -> dict[str, int]:
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    }


def contents(storage) -> dict[str, bytes]:
    out = {}
    for name in stored_names(storage):
        with storage.open(name, "rb") as handle:
            out[name] = handle.read()
    return out


# --- where the restore goes: a fresh database and a fresh storage ---------------------------------------------------


def fresh_database(tmp_path: Path):
    """(DATABASE_URL of a new, empty database of the vendor under test, a function that drops it)."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    s = connection.settings_dict
    name = f"{s['NAME']}_restore"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    credentials = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}", drop


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``manage.py`` in a separate process with the real settings, as an operator runs it."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "STORAGE_", "DJANGO_", "DATABASE_"))}
    base = {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "restore-test-only",
        "ID_NUMBER_KEY": os.environ["ID_NUMBER_KEY"],
        "TASK_BACKEND": "immediate",
        "STORAGE_BACKEND": "local",
        "LANGUAGE_CODE": "en",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], env={**base, **env}, cwd=BASE_DIR, capture_output=True, text=True
    )


# --- the round trip ---------------------------------------------------------------------------------------------------


def build_city(people, small_city) -> BinderJob:
    """Problems with photos, evidence records with photos and a Word document, and a binder of them."""
    load_default_categories(Category)
    load_default_activity_types(ActivityType)
    reported(people.street_officer, small_city.compound_a1)
    reported(people.street_officer, small_city.compound_a1, photos=[jpeg_bytes(colour=(10, 200, 30)), jpeg_bytes()])
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场"), photo(2, "签到")])
    record(
        people.community_worker,
        small_city.community_a1,
        ruleset,
        code="3.2",
        kind=EvidenceKind.DOCUMENT,
        title="年度计划",
        files=[FileIn(name="年度计划.docx", data=docx_bytes())],
    )
    job = jobs.request_binder(
        user=people.community_worker, unit=small_city.community_a1, period=periods.parse("2026"), format="pdf"
    )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    return job


@pytest.mark.django_db(transaction=True)
# The database part is the same whatever holds the files: "local" runs on both engines, "s3" (the
# storage part) in one engine's run of make test (conftest.py: engine_independent).
@pytest.mark.parametrize("where", ["local", pytest.param("s3", marks=[pytest.mark.s3, pytest.mark.engine_independent])])
def test_a_city_backed_up_and_restored_on_a_fresh_database_and_storage_comes_back_whole(
    request, people, small_city, tmp_path, settings, where
):
    """GIVEN a city with problems, photos, evidence records and a binder, its files on local disk (or in a bucket)
    WHEN `manage.py backup` writes it out and `manage.py restore`, in another process, loads it into a new empty
    database and a new empty storage
    THEN every model has the same rows, every file is byte-identical, `verify_archive` passes on the restored city,
    the restored database takes new rows, and a second restore into the same (no longer empty) place is refused."""
    if where == "s3":
        s3 = request.getfixturevalue("s3_storage")
        target_bucket = s3.server.new_bucket()
        request.addfinalizer(lambda: s3.server.drop_bucket(target_bucket))
        storage_env = s3.server.environment(target_bucket)
        target_storage = PrivateS3Storage(**s3.server.storage_options(target_bucket)["OPTIONS"])
    else:
        settings.MEDIA_ROOT = str(tmp_path / "media")
        storage_env = {"STORAGE_BACKEND": "local", "MEDIA_ROOT": str(tmp_path / "restored-media")}
        target_storage = FileSystemStorage(location=tmp_path / "restored-media")
    binder = build_city(people, small_city)
    rows_before = rows_per_model()
    evidence_files = EvidenceFile.objects.count()
    files_before = contents(default_storage)
    assert binder.file.name in files_before
    assert {p.file.name for p in ProblemPhoto.objects.all()} <= set(files_before)
    assert {f.file.name for f in EvidenceFile.objects.all()} <= set(files_before)

    folder = tmp_path / "backup"
    call_command("backup", output=str(folder), stdout=open(os.devnull, "w"))  # noqa: SIM115
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["vendor"] == connection.vendor
    assert {f["name"] for f in manifest["files"]} == set(files_before)
    assert all(hashlib.sha256(files_before[f["name"]]).hexdigest() == f["sha256"] for f in manifest["files"])
    assert manifest["migrations"]["archives"] and manifest["app_version"]
    assert manifest["tables"]["inspections_problem"] == 2

    database_url, drop = fresh_database(tmp_path)
    request.addfinalizer(drop)
    target = {"DATABASE_URL": database_url, "VAR_DIR": str(tmp_path / "var"), **storage_env}
    restored = manage(target, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr
    assert "every table's rows match the backup" in restored.stdout

    counted = manage(target, "shell", "-c", COUNT_PER_MODEL)
    assert counted.returncode == 0, counted.stderr
    assert json.loads(counted.stdout.strip().splitlines()[-1]) == rows_before
    assert contents(target_storage) == files_before

    verified = manage(target, "verify_archive")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"files re-read: {evidence_files}" in verified.stdout and evidence_files == 3

    added = manage(target, "shell", "-c", "from gongjian.testing.factories import UnitFactory; UnitFactory()")
    assert added.returncode == 0, added.stderr  # the sequences came back too: new rows get new ids

    again = manage(target, "restore", str(folder))
    assert again.returncode != 0
    assert "tables" in again.stderr

    other_database, drop_other = (
        (f"sqlite:///{tmp_path / 'other.sqlite3'}", lambda: None)
        if connection.vendor == "sqlite"
        else fresh_database(tmp_path)
    )
    request.addfinalizer(drop_other)
    into_full_storage = manage({**target, "DATABASE_URL": other_database}, "restore", str(folder))
    assert into_full_storage.returncode != 0
    assert "is not empty" in into_full_storage.stderr


# --- refusals, before anything is written -----------------------------------------------------------------------------


def hand_made_backup(folder: Path, files: dict[str, bytes], **manifest) -> Path:
    """A backup folder whose manifest vouches for ``files`` and a stand-in database file."""
    folder.mkdir()
    database = b"a stand-in for the database"
    name = backups.DATABASE_FILES[connection.vendor]
    (folder / name).write_bytes(database)
    for stored, data in files.items():
        path = folder / "files" / stored
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    body = {
        "format": backups.FORMAT,
        "app_version": "test",
        "database": {
            "vendor": connection.vendor,
            "file": name,
            "sha256": hashlib.sha256(database).hexdigest(),
            "size": len(database),
            "tool": "pg_dump (PostgreSQL) 15.0",
        },
        "migrations": {"core": ["0001_initial"]},
        "tables": {},
        "files": [{"name": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for n, d in files.items()],
    }
    body.update(manifest)
    (folder / "manifest.json").write_text(json.dumps(body), encoding="utf-8")
    return folder


def restore_refused(folder: Path) -> str:
    with pytest.raises(CommandError) as refusal, translation.override("en"):
        call_command("restore", str(folder), stdout=open(os.devnull, "w"))  # noqa: SIM115
    return str(refusal.value)


@pytest.fixture
def empty_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.mark.django_db
def test_a_damaged_file_is_found_before_anything_is_written(tmp_path, empty_media, people):
    folder = hand_made_backup(tmp_path / "b", {"problems/a.jpg": b"photo", "archives/b.pdf": b"binder"})
    (folder / "files" / "archives" / "b.pdf").write_bytes(b"bind3r")
    rows = rows_per_model()
    message = restore_refused(folder)
    assert "archives/b.pdf" in message and "SHA-256" in message
    assert not empty_media.exists() and rows_per_model() == rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda f: (f / "files" / "problems" / "extra.jpg").write_bytes(b"x"), "not in its manifest"),
        (lambda f: (f / "files" / "problems" / "a.jpg").unlink(), "missing"),
        (lambda f: (f / "manifest.json").unlink(), "manifest.json"),
        (lambda f: next(f.glob("database.*")).write_bytes(b"?"), "SHA-256"),
    ],
    ids=["extra-file", "missing-file", "no-manifest", "damaged-database"],
)
def test_an_altered_backup_is_refused(tmp_path, empty_media, change, words):
    folder = hand_made_backup(tmp_path / "b", {"problems/a.jpg": b"photo"})
    change(folder)
    assert words in restore_refused(folder)
    assert not empty_media.exists()


@pytest.mark.django_db
def test_a_file_name_leaving_the_backup_folder_is_refused(tmp_path, empty_media):
    folder = hand_made_backup(tmp_path / "b", {})
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"] = [{"name": "../../etc/passwd", "sha256": "0" * 64, "size": 1}]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert "leave the backup folder" in restore_refused(folder)


@pytest.mark.django_db
def test_a_backup_from_a_newer_version_is_refused(tmp_path, empty_media):
    folder = hand_made_backup(tmp_path / "b", {}, migrations={"core": ["0001_initial", "0999_from_the_future"]})
    message = restore_refused(folder)
    assert "core.0999_from_the_future" in message and "newer version" in message


@pytest.mark.django_db
def test_a_backup_of_the_other_database_vendor_is_refused(tmp_path, empty_media):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    folder = hand_made_backup(tmp_path / "b", {})
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["database"]["vendor"] = other
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert f"This is a {other} backup" in restore_refused(folder)


@pytest.mark.django_db
def test_a_database_that_is_not_empty_is_refused_and_left_alone(tmp_path, empty_media, people):
    folder = hand_made_backup(tmp_path / "b", {"problems/a.jpg": b"photo"})
    rows = rows_per_model()
    message = restore_refused(folder)
    assert "already has" in message and "empty database" in message
    assert rows_per_model() == rows and not empty_media.exists()


@pytest.mark.django_db
def test_a_backup_refuses_to_run_inside_a_transaction(tmp_path, empty_media):
    with pytest.raises(backups.BackupError, match="inside a transaction"), translation.override("en"):
        backups.backup(tmp_path / "b")


@pytest.mark.django_db
def test_a_backup_needs_a_new_folder(tmp_path, empty_media):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "manifest.json").write_text("{}")
    with pytest.raises(CommandError, match="not an empty folder"), translation.override("en"):
        call_command("backup", output=str(tmp_path / "used"))


# --- PostgreSQL tools of the server's version -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "server", "ok"),
    [
        ("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)", 15, True),
        ("pg_dump (PostgreSQL) 16.4", 15, False),
        ("pg_restore (PostgreSQL) 14.11", 15, False),
    ],
)
def test_the_postgresql_tools_must_be_of_the_servers_major_version(output, server, ok):
    tool = output.split()[0]
    if ok:
        assert backups.check_tool_version(tool, output, server) == server
    else:
        with pytest.raises(backups.BackupError, match=f"postgresql-client-{server}"):
            backups.check_tool_version(tool, output, server)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_of_another_version_is_named_with_the_fix(tmp_path, settings):
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.9'\n")
    fake.chmod(0o755)
    settings.PG_BIN_DIR = str(tools)
    with translation.override("en"):
        with pytest.raises(CommandError, match="pg_dump is version 13 but the PostgreSQL server is version"):
            call_command("backup", output=str(tmp_path / "b"))
        settings.PG_BIN_DIR = str(tmp_path / "nowhere")
        with pytest.raises(CommandError, match="pg_dump is not installed"):
            call_command("backup", output=str(tmp_path / "c"))


def test_stored_names_never_leave_the_backup_folder():
    for name in ("../x", "/etc/passwd", "a/../../b", "a\\b", ""):
        with pytest.raises(backups.BackupError):
            backups.safe_name(name)
    assert backups.safe_name("archives/files/2026/07/ab/照片.jpg").parts[-1] == "照片.jpg"


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_an_sqlite_backup_copies_the_database_and_every_stored_file(tmp_path, empty_media, people):
    default_storage.save("problems/x.jpg", ContentFile(b"x"))
    manifest, summary = backups.backup(tmp_path / "b")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["database.sqlite3", "files", "manifest.json"]
    assert manifest["tables"]["accounts_user"] == rows_per_model()["accounts.User"]
    assert [f["name"] for f in manifest["files"]] == ["problems/x.jpg"] and summary.files == 1
    assert (tmp_path / "b" / "files" / "problems" / "x.jpg").read_bytes() == b"x"
