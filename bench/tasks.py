"""Enqueue → done overhead of an empty background job on the database queue with a real worker
process (``manage.py db_worker``), beside baselines measured in the same run.

    .venv/bin/python -m bench tasks [--db sqlite|postgres] [-n 30] [--intervals 1,0.2]

Cases, each ``-n`` times after ``--warmup`` untimed runs:

* ``insert+select``: one job row written and read back (the floor of any database queue);
* ``immediate``: an empty job (``core.jobs.tasks.job_noop``) on the immediate backend: the job
  framework's own work (claim, progress record, done) with no queue in between;
* ``db queue, empty task``: django-tasks' own overhead: a plain empty task enqueued on the database
  backend until its result is SUCCESSFUL, worked by a real ``db_worker`` process;
* ``db queue, empty job``: ``job_request`` of the empty job until the progress record says done —
  what a page polling a job sees.

The two queue cases run once per worker poll interval in ``--intervals`` (``db_worker --interval``:
how long an idle worker sleeps between looks at the queue). Goal: the empty job's median ≤ 1 s.
Data lives in var/bench/tasks.sqlite3 or ``gongjian_bench_tasks`` on the server of
TEST_DATABASE_URL; the measuring process polls the database every 5 ms, and waits a random moment (up to 1.5 poll
intervals, not timed) before each queued case so jobs arrive at unrelated points of the worker's
sleep, as requests do."""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time

from bench.harness import BENCH_VAR, REPO, Timing, configure_django, load_dotenv, machine, repeat, table

NAME = "tasks"
HELP = "Enqueue → done overhead of an empty job on the database queue with a real worker, beside baselines."

DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432/test"
PG_DBNAME = "gongjian_bench_tasks"
SQLITE_PATH = BENCH_VAR / "tasks.sqlite3"
GOAL_MS = 1000
POLL_SECONDS = 0.005


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("-n", type=int, default=30, help="timed runs per case (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    parser.add_argument(
        "--intervals", default="1,0.2", help="db_worker --interval values to measure (default: 1,0.2; 1 is its default)"
    )


def _database_url(kind: str) -> str:
    if kind == "sqlite":
        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    import psycopg

    server = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_SERVER)
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DBNAME]).fetchone():
            conn.execute(f"CREATE DATABASE {PG_DBNAME}")
    return server.rsplit("/", 1)[0] + f"/{PG_DBNAME}"


def _wait(check, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the worker did not finish the task in time")
        time.sleep(POLL_SECONDS)


def _arrivals(fn, *, times: int, warmup: int, spread: float) -> list[float]:
    """Time ``fn`` after an untimed random pause of up to ``spread`` seconds, so each job arrives
    at an unrelated moment of the worker's sleep (back to back, it would always find the worker
    just awake after the previous job, and look faster than any real request would)."""
    samples = []
    for i in range(warmup + times):
        time.sleep(random.uniform(0, spread))
        start = time.perf_counter()
        fn()
        if i >= warmup:
            samples.append(time.perf_counter() - start)
    return samples


def _start_worker(interval: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", str(interval)],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run(args) -> int:
    load_dotenv()
    configure_django(_database_url(args.db), TASK_BACKEND="database")
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings
    from django_tasks_db.models import DBTaskResult

    from gongjian.core.jobs.models import Job, JobStatus
    from gongjian.core.jobs.services import job_request
    from gongjian.core.jobs.tasks import job_noop, ping

    call_command("migrate", verbosity=0)
    Job.objects.filter(kind="bench").delete()
    DBTaskResult.objects.filter(task_path__startswith="gongjian.core.jobs.tasks.").delete()
    print(f"tasks benchmark on {connection.vendor} ({machine()['cpus']} CPUs), n={args.n}", flush=True)

    def insert_select():
        job = Job.objects.create(kind="bench", task_path="-", status=JobStatus.DONE)
        return Job.objects.filter(pk=job.pk).values_list("status", flat=True).get()

    def immediate_job():
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
            job, _ = job_request(task=job_noop, kind="bench", user=None)
        assert Job.objects.get(pk=job.pk).status == JobStatus.DONE

    def queued_task():
        result = ping.enqueue()
        _wait(lambda: DBTaskResult.objects.filter(pk=result.id, status="SUCCESSFUL").exists())

    def queued_job():
        job, _ = job_request(task=job_noop, kind="bench", user=None)
        _wait(lambda: Job.objects.filter(pk=job.pk, status=JobStatus.DONE).exists())

    rows = []
    for label, fn in (("insert+select (baseline)", insert_select), ("immediate, empty job (baseline)", immediate_job)):
        samples, _ = repeat(fn, times=args.n, warmup=args.warmup)
        rows.append((label, "-", Timing.of(samples)))
    for interval in [float(x) for x in args.intervals.split(",") if x.strip()]:
        worker = _start_worker(interval)
        try:
            for label, fn in (("db queue, empty task", queued_task), ("db queue, empty job", queued_job)):
                samples = _arrivals(fn, times=args.n, warmup=args.warmup, spread=interval * 1.5)
                rows.append((label, interval, Timing.of(samples)))
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    print(
        table(
            ["case", "worker --interval s", "median ms", "p95 ms", "min ms", "max ms"],
            [(label, iv, t.median_ms, t.p95_ms, t.min_ms, t.max_ms) for label, iv, t in rows],
            left=2,
        )
    )
    best = min(t.median_ms for label, _iv, t in rows if label == "db queue, empty job")
    print(f"goal: empty job enqueue → done median ≤ {GOAL_MS} ms; best measured {best:.0f} ms")
    Job.objects.filter(kind="bench").delete()
    return 0
