"""Volunteer import at scale: a generated .xlsx of N rows (default 100,000) imported through the
real code path (check every row, look up duplicates, encrypt ID numbers, insert), beside
openpyxl's own read-only iteration of the same file.

    .venv/bin/python -m bench participation [--rows N] [--repeat N] [--db sqlite|postgres]

Goal: the import runs at least a third as fast as openpyxl merely reading the rows, with memory
bounded (the peak traced memory is printed for the whole import). The data lives in its own
database (var/bench/participation.sqlite3, or ``gongjian_bench_participation`` on the server of
TEST_DATABASE_URL), never the developer's.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time

from bench.harness import BENCH_VAR, configure_django, load_dotenv, machine, table

NAME = "participation"
HELP = "Volunteer import from .xlsx (100,000 rows) beside openpyxl's read-only iteration."

DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432/test"
PG_DBNAME = "gongjian_bench_participation"
SQLITE_PATH = BENCH_VAR / "participation.sqlite3"
GOAL_RATIO = 1 / 3
HEADER = ["姓名", "手机号", "身份证号", "党员类型", "工作单位", "特长", "服务时间"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明华建国丽娟伟强秀英志勇海燕玉兰晓东红梅"
# A fixed Fernet key for the bench database only.
BENCH_KEY = "YmVuY2gtb25seS1pZC1udW1iZXIta2V5LTAwMDAwMDA="


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the sheet (default 100,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each case (default 3)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--no-memory", dest="memory", action="store_false", help="skip the traced-memory run")


def _database_url(kind: str) -> str:
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            path = SQLITE_PATH.with_name(SQLITE_PATH.name + suffix)
            if path.exists():
                path.unlink()
        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    import psycopg

    server = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_SERVER)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DBNAME}")
        conn.execute(f"CREATE DATABASE {PG_DBNAME}")
    return server.rsplit("/", 1)[0] + f"/{PG_DBNAME}"


def _id_number(seq: int) -> str:
    from gongjian.participation.privacy import id_check_digit

    first17 = f"339902{1950 + seq % 50:04d}{seq % 12 + 1:02d}{seq % 28 + 1:02d}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


def _sheet(rows: int):
    """The generated roster (names and numbers are made up), reused when already written."""
    path = BENCH_VAR / f"volunteers-{rows}.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("志愿者")
    sheet.append(HEADER)
    party = ["", "居民党员", "在职党员", ""]
    for i in range(rows):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)] + GIVEN[(i // 3) % len(GIVEN)]
        # Unique birth date + sequence per row, so no two rows share an ID number.
        sheet.append(
            [
                name,
                f"170{i:08d}",
                _id_number_unique(i) if i % 2 == 0 else "",
                party[i % 4],
                "青川市第一中学" if i % 5 == 0 else "",
                "摄影" if i % 7 == 0 else "",
                "周末",
            ]
        )
    workbook.save(path)
    return path


def _id_number_unique(i: int) -> str:
    from datetime import date, timedelta

    from gongjian.participation.privacy import id_check_digit

    day = date(1950, 1, 1) + timedelta(days=i // 900)
    first17 = f"339902{day:%Y%m%d}{i % 900 + 100:03d}"
    return first17 + id_check_digit(first17)


def _openpyxl_read(content: bytes) -> int:
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    count = 0
    for _row in workbook.worksheets[0].iter_rows(values_only=True):
        count += 1
    workbook.close()
    return count - 1


def run(args) -> int:
    load_dotenv()
    configure_django(_database_url(args.db), ID_NUMBER_KEY=BENCH_KEY)
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from gongjian.accounts.choices import Role
    from gongjian.accounts.services import membership_grant, user_create
    from gongjian.organizations.models import Unit
    from gongjian.participation import importers, services
    from gongjian.participation.models import Volunteer

    city = Unit.objects.create(code="339900", name="青川市", level="city")
    street = Unit.objects.create(code="339902001", name="城关街道", level="street", parent=city)
    community = Unit.objects.create(code="339902001001", name="和平社区", level="community", parent=street)
    worker = user_create(actor=None, username="bench_worker", password="bench-only-password-1", name="社区工作者")
    membership_grant(actor=None, user=worker, role=Role.COMMUNITY_WORKER, unit=community)

    path = _sheet(args.rows)
    content = path.read_bytes()
    print(f"Sheet: {path} ({len(content) / 1e6:.1f} MB, {args.rows:,} rows); database: {args.db}", flush=True)

    def timed(fn, reset=None):
        samples, result = [], None
        for _ in range(args.repeat):
            if reset:
                reset()
            gc.collect()
            start = time.perf_counter()
            result = fn()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples), min(samples), result

    def check_only():
        report = importers.ImportReport()
        for _chunk in importers.volunteer_rows(
            filename="v.xlsx", content=content, community_id=community.pk, report=report
        ):
            pass
        return report

    def full_import():
        report = importers.ImportReport()
        with transaction.atomic():
            saved = services.volunteers_bulk_save(
                chunks=importers.volunteer_rows(
                    filename="v.xlsx", content=content, community_id=community.pk, report=report
                ),
                community_id=community.pk,
            )
        return report, saved

    def empty():
        Volunteer.objects.all()._raw_delete(Volunteer.objects.db)

    read_med, read_min, read_rows = timed(lambda: _openpyxl_read(content))
    check_med, check_min, report = timed(check_only)
    import_med, import_min, (import_report, saved) = timed(full_import, reset=empty)
    assert read_rows == args.rows and report.valid == args.rows and saved == args.rows, (read_rows, report, saved)
    assert Volunteer.objects.count() == args.rows

    rows = [
        ("openpyxl read-only iteration", read_med, read_min, args.rows / read_med, 1.0),
        ("import: check every row (preview)", check_med, check_min, args.rows / check_med, read_med / check_med),
        ("import: check + encrypt + insert", import_med, import_min, args.rows / import_med, read_med / import_med),
    ]
    print()
    print(
        table(
            ["case", "median s", "min s", "rows/s", "× openpyxl"],
            [(name, med, mn, rate, f"{ratio:.2f}") for name, med, mn, rate, ratio in rows],
        )
    )
    ratio = read_med / import_med
    verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
    print(f"\nGoal: import ≥ {GOAL_RATIO:.2f} × openpyxl's rate → {verdict} ({ratio:.2f})")

    if args.memory:
        import tracemalloc

        empty()
        tracemalloc.start()
        full_import()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        tracemalloc.start()
        _openpyxl_read(content)
        _current, read_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"Peak traced memory: import {peak / 1e6:.1f} MB, openpyxl read {read_peak / 1e6:.1f} MB "
            f"(file {len(content) / 1e6:.1f} MB; rows are checked and inserted {importers.CHUNK:,} at a time)"
        )
    print(f"Machine: {machine()}")
    return 0
