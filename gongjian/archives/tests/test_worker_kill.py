"""A real ``manage.py db_worker`` process killed (SIGKILL) in the middle of building a binder: the
job is never left done with a broken file; a second worker finishes it while attempts are left,
else it fails with a clear message. Runs on the test database itself (PostgreSQL) or, for SQLite's
in-memory test database, on a file copy made and read back with SQLite's online backup API."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from gongjian.archives import jobs, periods
from gongjian.archives.choices import JobStatus
from gongjian.archives.tests.factories import archive_ruleset, photo, published_template, record
from gongjian.core.jobs import text
from gongjian.core.jobs.models import Job

pytestmark = [pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
YEAR = periods.parse("2026")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def seed_categories() -> None:
    """The problem categories the migrations seed (an earlier transactional test flushed them)."""
    from gongjian.inspections.models import Category
    from gongjian.inspections.taxonomy import load_default_categories

    if not Category.objects.exists():
        load_default_categories(Category)


class Workers:
    """Worker processes on the test's database and media, with their own settings modules."""

    def __init__(self, tmp_path: Path):
        self.dir = tmp_path
        self.sqlite_file = tmp_path / "shared.sqlite3" if connection.vendor == "sqlite" else None
        self.processes: list[subprocess.Popen] = []
        self._settings("gj_worker", slow=False)
        self._settings("gj_worker_slow", slow=True)

    def _database(self) -> dict:
        if self.sqlite_file:
            return {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(self.sqlite_file),
                "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20},
                "CONN_MAX_AGE": 0,
            }
        own = connection.settings_dict
        return {key: own[key] for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")} | {"CONN_MAX_AGE": 0}

    def _settings(self, module: str, *, slow: bool) -> None:
        apps = ' + ["gongjian.testing.slow_binder.SlowBinderConfig"]' if slow else ""
        (self.dir / f"{module}.py").write_text(
            "from config.settings_test import *  # noqa\n"
            f"DATABASES = {{'default': {self._database()!r}}}\n"
            f"MEDIA_ROOT = {str(django_settings.MEDIA_ROOT)!r}\n"
            f"TASKS = {DATABASE_TASKS!r}\n"
            f"INSTALLED_APPS = list(INSTALLED_APPS){apps}\n"
        )

    def share(self) -> None:
        """Make what the test wrote visible to the workers."""
        if self.sqlite_file:
            target = sqlite3.connect(self.sqlite_file)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()

    def take_back(self) -> None:
        """Make what the workers wrote visible to the test."""
        if self.sqlite_file:
            source = sqlite3.connect(self.sqlite_file)
            source.backup(connection.connection)
            source.close()

    def job(self, pk: int) -> dict:
        columns = ("status", "percent", "attempts", "stage")
        if self.sqlite_file:
            with sqlite3.connect(self.sqlite_file) as db:
                row = db.execute(f"SELECT {', '.join(columns)} FROM core_job WHERE id = ?", [pk]).fetchone()
            return dict(zip(columns, row, strict=True))
        return Job.objects.values(*columns).get(pk=pk)

    def run(self, *args: str, slow: bool = False, wait: bool = True, timeout: float = 240):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "gj_worker_slow" if slow else "gj_worker",
            "PYTHONPATH": os.pathsep.join([str(self.dir), str(ROOT)]),
        }
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        if wait:
            out, _ = process.communicate(timeout=timeout)
            assert process.returncode == 0, out
            return out
        return process

    def worker(self, *, slow: bool = False, batch: bool = False, wait: bool = False):
        args = ["db_worker", "--no-reload", "--interval", "0.1", "--no-startup-delay"]
        return self.run(*args, *(["--batch"] if batch else []), slow=slow, wait=wait)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture
def workers(tmp_path, settings):
    settings.TASKS = DATABASE_TASKS
    team = Workers(tmp_path)
    yield team
    team.stop_all()


@pytest.fixture
def filed(people, small_city):
    seed_categories()
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    files = [photo(seed, f"照片{seed}") for seed in range(1, 5)]
    record(people.community_worker, small_city.community_a1, ruleset, files=files)
    return small_city.community_a1


def killed_mid_build(workers: Workers, people, unit, *, max_attempts: int) -> int:
    """Ask for a PDF binder, let the slow worker get into the build, SIGKILL it; the job's id."""
    made = jobs.request_binder(user=people.community_worker, unit=unit, period=YEAR, format="pdf")
    Job.objects.filter(pk=made.job_id).update(max_attempts=max_attempts)
    workers.share()
    slow = workers.worker(slow=True)
    deadline = time.monotonic() + 180
    while (row := workers.job(made.job_id))["percent"] < 5:
        assert slow.poll() is None, slow.stdout.read()
        assert time.monotonic() < deadline, f"the slow worker never got into the build: {row}"
        time.sleep(0.2)
    time.sleep(1.5)  # deep in the build: past the photos, held at "laying out pages"
    row = workers.job(made.job_id)
    assert row["status"] == JobStatus.RUNNING and row["attempts"] == 1, row
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait(timeout=30)
    assert workers.job(made.job_id)["status"] == JobStatus.RUNNING  # what the dead worker left behind
    return made.job_id


def test_a_worker_killed_mid_build_leaves_the_job_to_a_second_worker_that_finishes_it(workers, people, filed):
    job_id = killed_mid_build(workers, people, filed, max_attempts=2)
    assert "jobs retried: 1" in workers.run("recover_jobs")
    workers.worker(batch=True, wait=True)
    workers.take_back()

    job = Job.objects.get(pk=job_id)
    assert job.status == JobStatus.DONE and job.attempts == 2 and job.percent == 100
    with job.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF") and content.rstrip().endswith(b"%%EOF")
    assert hashlib.sha256(content).hexdigest() == job.sha256 and len(content) == job.size

    from django_tasks_db.models import DBTaskResult

    results = {row.status: row for row in DBTaskResult.objects.all()}
    assert set(results) == {"FAILED", "SUCCESSFUL"}
    assert results["FAILED"].exception_class_path.endswith("recovery.WorkerLost")
    assert str(results["SUCCESSFUL"].id) == job.task_result_id


def stored_files() -> set[Path]:
    return {p for p in (Path(django_settings.MEDIA_ROOT) / "jobs").rglob("*") if p.is_file()}


def test_a_worker_killed_at_the_last_attempt_fails_the_job_cleanly(workers, people, filed):
    before = stored_files()
    job_id = killed_mid_build(workers, people, filed, max_attempts=1)
    assert "jobs failed: 1" in workers.run("recover_jobs")
    workers.worker(batch=True, wait=True)  # nothing left to run
    workers.take_back()

    job = Job.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED and job.message == text.STOPPED_MESSAGE
    assert not job.file and not job.sha256 and job.size == 0 and job.percent < 100
    assert stored_files() == before  # nothing half-written was stored

    from django_tasks_db.models import DBTaskResult

    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED"]
