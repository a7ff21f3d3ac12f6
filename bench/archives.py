"""The binder of one community-year with 400 photos of 3–5 MB each, as phones take them, beside
Pillow alone decoding and resizing the same photos.

    .venv/bin/python -m bench archives [--photos 400] [--small 100] [--db sqlite|postgres]

Each case runs in its own subprocess, so its peak memory (the kernel's maximum resident set size
of that process, read with ``os.wait4``) is its own: (a) Pillow alone: decode each photo (JPEG
draft mode) and resize it to 1000 px, one at a time, as the binder does; (b) ``build_pdf``;
(c) ``build_zip``; and ``build_pdf`` again for a community with a quarter of the photos, to show
that memory does not grow with the number of photos. Goal: the PDF in under 60 s and 600 MB.

The photos are generated once (4000×3000 JPEGs of smooth colour plus sensor-like noise, 3–5 MB
each) and kept in var/bench/archive-photos; the data lives in its own database
(var/bench/archives.sqlite3, or ``gongjian_bench_archives`` on the server of TEST_DATABASE_URL)
and var/bench/media, and is reused when it already holds the same photos. Records are filed
through the archive's service; their photos are attached as the originals (the upload intake would
reduce them to 2560 px, so this is the worst case, a binder of photos straight off the phone)."""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.harness import BENCH_VAR, configure_django, load_dotenv, machine, table

NAME = "archives"
HELP = "Binder (PDF and ZIP) of a community-year with 400 phone photos, beside Pillow alone."

DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432/test"
PG_DBNAME = "gongjian_bench_archives"
SQLITE_PATH = BENCH_VAR / "archives.sqlite3"
PHOTO_DIR = BENCH_VAR / "archive-photos"
OUT_DIR = BENCH_VAR / "archive-binders"
PHOTO_SIZE = (4000, 3000)
PHOTOS_PER_RECORD = 4
GOAL_SECONDS, GOAL_MB = 60, 600
CITY_CODE = "B39900"
# A whole past year (records cannot be dated in the future).
YEAR = 2025


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--photos", type=int, default=400, help="photos in the community-year (default 400)")
    parser.add_argument("--small", type=int, default=100, help="photos of the second community (default 100)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--fresh", action="store_true", help="generate the database again even if it fits")
    # Internal: one measured case, run by the parent in a subprocess.
    parser.add_argument("--task", choices=["pillow", "pdf", "zip"], help=argparse.SUPPRESS)
    parser.add_argument("--unit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)


# --- photos ---------------------------------------------------------------------------------------


def _make_photo(index: int) -> str:
    """One 4000×3000 JPEG: smooth random colour fields plus per-pixel noise, like a phone's sensor;
    noise and quality vary so the files are 3–5 MB."""
    import io

    import numpy as np
    from PIL import Image

    path = PHOTO_DIR / f"photo-{index:04d}.jpg"
    if path.exists():
        return str(path)
    rng = np.random.default_rng(index)
    width, height = PHOTO_SIZE
    base = Image.fromarray(rng.integers(0, 256, (height // 50, width // 50, 3), dtype=np.uint8))
    pixels = np.asarray(base.resize(PHOTO_SIZE, Image.Resampling.BICUBIC), dtype=np.int16)
    sigma = 5.0 + (index % 5) * 0.8
    pixels += rng.normal(0, sigma, (height, width, 1)).astype(np.int16)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=92)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)
    return str(path)


def _photos(count: int) -> list[Path]:
    PHOTO_DIR.mkdir(parents=True, exist_ok=True)
    missing = [i for i in range(count) if not (PHOTO_DIR / f"photo-{i:04d}.jpg").exists()]
    if missing:
        print(f"Generating {len(missing)} photos of {PHOTO_SIZE[0]}×{PHOTO_SIZE[1]} in {PHOTO_DIR} …", flush=True)
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            list(pool.map(_make_photo, missing, chunksize=4))
        print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    return [PHOTO_DIR / f"photo-{i:04d}.jpg" for i in range(count)]


# --- data -----------------------------------------------------------------------------------------


def _database_url(kind: str, *, fresh: bool) -> str:
    if kind == "sqlite":
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                SQLITE_PATH.with_name(SQLITE_PATH.name + suffix).unlink(missing_ok=True)
        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    import psycopg

    server = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_SERVER)
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DBNAME]).fetchone()
        if fresh and exists:
            conn.execute(f"DROP DATABASE {PG_DBNAME}")
        if fresh or not exists:
            conn.execute(f"CREATE DATABASE {PG_DBNAME}")
    return server.rsplit("/", 1)[0] + f"/{PG_DBNAME}"


def _rules() -> dict:
    items = [
        {"code": "1.1", "name": "共建例会记录", "points": "6", "method": "evidence", "level": "community"},
        {"code": "1.2", "name": "志愿服务活动记录", "points": "2", "method": "evidence", "level": "community"},
        {"code": "1.3", "name": "问题整改记录", "points": "2", "method": "evidence", "level": "community"},
    ]
    return {
        "name": "基准考评细则",
        "version": 1,
        "effective_from": "2025-01",
        "total_points": "10",
        "overdue_deduction": "0.5",
        "rework_deduction": "0.5",
        "relapse_deduction": "1",
        "levels": ["community", "compound"],
        "flag_level": "compound",
        "red_flag_threshold": "0.9",
        "list_size": 5,
        "policy": [],
        "items": [{"code": "1", "name": "台帐资料", "points": "10", "children": items}],
    }


def _ensure_data(photos: list[Path], small: int) -> dict[str, int]:
    """The city, two communities, the template and the records; reused when already there."""
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from gongjian.archives.models import EvidenceFile
    from gongjian.organizations.models import Unit

    call_command("migrate", verbosity=0)
    big = Unit.objects.filter(code=f"{CITY_CODE}01001").first()
    little = Unit.objects.filter(code=f"{CITY_CODE}01002").first()
    if big and little:
        have = (
            EvidenceFile.objects.filter(evidence__unit=big).count(),
            EvidenceFile.objects.filter(evidence__unit=little).count(),
        )
        if have == (len(photos), small) and all(
            default_storage.exists(name)
            for name in EvidenceFile.objects.filter(evidence__unit=big).values_list("file", flat=True)[:5]
        ):
            print("Reusing the bench archive already generated.", flush=True)
            return {"big": big.pk, "small": little.pk}
        raise SystemExit("The bench archive holds other data; run again with --fresh.")

    from gongjian.accounts.choices import Role
    from gongjian.accounts.services import membership_grant, user_create
    from gongjian.archives import periods, services
    from gongjian.archives.choices import EvidenceKind, FileKind, Interval
    from gongjian.archives.services import RequirementIn, SectionIn
    from gongjian.assessments import services as assessment_services
    from gongjian.assessments.models import RuleItem
    from gongjian.assessments.rulespec import parse_ruleset
    from gongjian.inspections.models import Category

    print("Filing the records …", flush=True)
    start = time.perf_counter()
    city = Unit.objects.create(code=CITY_CODE, name="青川市", level="city")
    district = Unit.objects.create(code=f"{CITY_CODE}0", name="城关区", level="district", parent=city)
    street = Unit.objects.create(code=f"{CITY_CODE}01", name="城关街道", level="street", parent=district)
    big = Unit.objects.create(code=f"{CITY_CODE}01001", name="和平社区", level="community", parent=street)
    little = Unit.objects.create(code=f"{CITY_CODE}01002", name="安宁社区", level="community", parent=street)
    admin = user_create(actor=None, username="bench_archive_city", password="bench-only-password-1", name="市文明办")
    membership_grant(actor=None, user=admin, role=Role.CITY_ADMIN, unit=city)
    officer = user_create(actor=None, username="bench_archive_street", password="bench-only-password-1", name="王明")
    membership_grant(actor=None, user=officer, role=Role.STREET_OFFICER, unit=street)

    known = set(Category.objects.values_list("code", flat=True))
    ruleset = assessment_services.ruleset_create(
        user=admin, city=city, spec=parse_ruleset(_rules(), known_categories=known)
    )
    items = {i.code: i for i in RuleItem.objects.filter(ruleset=ruleset)}
    template = services.template_create(
        user=admin,
        ruleset=ruleset,
        name=f"{YEAR}年台帐资料样本",
        sections=[
            SectionIn(
                title="一、共建例会",
                rule_item=items["1.1"],
                guidance="每月例会记录，附两张以上带说明的照片",
                requirements=(
                    RequirementIn(
                        description="每月至少一次会议记录，至少两张带说明的照片",
                        kinds=(EvidenceKind.MEETING,),
                        interval=Interval.MONTHLY,
                        min_photos=2,
                    ),
                ),
            ),
            SectionIn(title="二、志愿服务活动", rule_item=items["1.2"]),
            SectionIn(title="三、问题整改", rule_item=items["1.3"]),
        ],
    )
    services.template_publish(user=admin, template=template)

    codes = ["1.1", "1.1", "1.2", "1.3"]
    kinds = [EvidenceKind.MEETING, EvidenceKind.MEETING, EvidenceKind.ACTIVITY, EvidenceKind.RECTIFICATION]
    # Originals stored once under media; both communities' rows point at the same files.
    stored: list[tuple[str, str, int]] = []
    for path in photos:
        data = path.read_bytes()
        name = f"archives/bench/{path.name}"
        if not default_storage.exists(name):
            name = default_storage.save(name, _File(path))
        stored.append((name, hashlib.sha256(data).hexdigest(), len(data)))

    for unit, count in ((big, len(photos)), (little, small)):
        records = max(1, count // PHOTOS_PER_RECORD)
        for r in range(records):
            day = datetime.date(YEAR, 1 + r * 12 // records, 3 + (r * 7) % 25)
            evidence = services.evidence_create(
                user=officer,
                unit=unit,
                period=periods.of(periods.MONTH, day),
                kind=kinds[r % 4],
                title=f"{day.month}月{['共建例会', '联席会议', '志愿服务活动', '楼道堆物整治'][r % 4]}（第{r + 1}次）",
                date=day,
                rule_items=[items[codes[r % 4]]],
                text="会议研究了垃圾分类、楼道堆物整治和志愿服务安排，明确了责任人和完成时限。" * 3,
                author="王明",
            )
            for p in range(PHOTOS_PER_RECORD):
                index = r * PHOTOS_PER_RECORD + p
                if index >= count:
                    break
                name, sha256, size = stored[index]
                EvidenceFile.objects.create(
                    evidence=evidence,
                    position=p,
                    file=name,
                    name=f"IMG_{index:04d}.jpg",
                    kind=FileKind.IMAGE,
                    content_type="image/jpeg",
                    size=size,
                    sha256=sha256,
                    caption="" if index % 10 == 9 else f"{evidence.title} 现场照片{p + 1}",
                    width=PHOTO_SIZE[0],
                    height=PHOTO_SIZE[1],
                )
    print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    return {"big": big.pk, "small": little.pk}


def _File(path: Path):
    from django.core.files import File

    return File(path.open("rb"), name=path.name)


# --- the measured cases (each in its own process) -------------------------------------------------


def _task(args) -> int:
    """Run one case and print its figures as JSON on the last line."""
    start = time.perf_counter()
    result: dict = {}
    if args.task == "pillow":
        import tempfile

        from PIL import Image

        # The binder's figures (gongjian/archives/binder.py), without importing Django.
        PHOTO_MAX_SIDE, PHOTO_QUALITY = 1000, 80
        with tempfile.TemporaryDirectory() as tmp:
            for i, path in enumerate(_photos(args.count)):
                with Image.open(path) as image:
                    image.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
                    image.load()
                    picture = image.convert("RGB") if image.mode != "RGB" else image
                    picture.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
                    picture.save(Path(tmp) / f"{i}.jpg", "JPEG", quality=PHOTO_QUALITY)
    else:
        load_dotenv()
        configure_django(_database_url(args.db, fresh=False))
        from gongjian.archives import binder, periods
        from gongjian.organizations.models import Unit

        unit = Unit.objects.get(pk=args.unit)
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        out = OUT_DIR / f"binder-{unit.pk}.{args.task}"
        build = binder.build_pdf if args.task == "pdf" else binder.build_zip
        build(unit, periods.parse(str(YEAR)), out)
        result["size_mb"] = out.stat().st_size / 1e6
        if args.task == "pdf":
            from gongjian.archives.management.commands.binder import pdf_pages

            result["pages"] = pdf_pages(out)
        result["file"] = str(out)
    result["seconds"] = time.perf_counter() - start
    result["hwm_mb"] = _own_peak_mb()
    print(json.dumps(result))
    return 0


def _own_peak_mb() -> float | None:
    """This process's peak resident set since it started (Linux VmHWM). Unlike ``ru_maxrss``, which
    Linux carries over from the parent at fork and exec (the bench parent holds Django and the
    data it generated, ~90 MB), it starts afresh with the new program."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def _measure(args, task: str, *, unit: int | None = None, count: int | None = None) -> dict:
    command = [sys.executable, "-m", "bench", NAME, "--db", args.db, "--task", task]
    if unit is not None:
        command += ["--unit", str(unit)]
    if count is not None:
        command += ["--count", str(count)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=str(BENCH_VAR.parent.parent))
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"case {task} failed (exit {process.returncode}):\n{output}")
    figures = json.loads(output.strip().splitlines()[-1])
    # The kernel's figure for this child (KiB on Linux); its own VmHWM where available (see above).
    figures["peak_mb"] = figures.get("hwm_mb") or usage.ru_maxrss / 1024
    return figures


def run(args) -> int:
    if args.task:
        return _task(args)
    load_dotenv()
    photos = _photos(max(args.photos, args.small))
    sizes = [p.stat().st_size / 1e6 for p in photos[: args.photos]]
    configure_django(_database_url(args.db, fresh=args.fresh))
    units = _ensure_data(photos[: args.photos], args.small)
    # The measured processes open the database themselves.
    from django.db import connections

    connections.close_all()
    print(
        f"Photos: {args.photos} of {PHOTO_SIZE[0]}×{PHOTO_SIZE[1]}, {min(sizes):.1f}–{max(sizes):.1f} MB "
        f"(total {sum(sizes) / 1e3:.2f} GB); database: {args.db}",
        flush=True,
    )
    cases = [
        (f"Pillow alone: decode + resize {args.photos} photos", _measure(args, "pillow", count=args.photos)),
        (f"build_pdf ({args.photos} photos)", _measure(args, "pdf", unit=units["big"])),
        (f"build_zip ({args.photos} photos)", _measure(args, "zip", unit=units["big"])),
        (f"build_pdf ({args.small} photos)", _measure(args, "pdf", unit=units["small"])),
    ]
    print()
    print(
        table(
            ["case", "wall s", "peak RSS MB", "pages", "file MB"],
            [(name, f["seconds"], f["peak_mb"], f.get("pages"), f.get("size_mb")) for name, f in cases],
        )
    )
    pdf = cases[1][1]
    met = pdf["seconds"] < GOAL_SECONDS and pdf["peak_mb"] < GOAL_MB
    print(
        f"\nGoal: PDF of {args.photos} photos in < {GOAL_SECONDS} s and < {GOAL_MB} MB peak → "
        f"{'met' if met else 'NOT met'} ({pdf['seconds']:.1f} s, {pdf['peak_mb']:.0f} MB)"
    )
    small_pdf = cases[3][1]
    print(
        f"Memory against photo count: build_pdf peak {small_pdf['peak_mb']:.0f} MB for {args.small} photos, "
        f"{pdf['peak_mb']:.0f} MB for {args.photos} photos "
        f"(+{pdf['peak_mb'] - small_pdf['peak_mb']:.0f} MB for {args.photos - args.small} more)"
    )
    print(f"Binders written to {OUT_DIR}")
    print(f"Machine: {machine()}")
    if shutil.which("pdfinfo") is None:
        print("(pdfinfo not installed: page counts unknown)")
    return 0
