"""Open311 GeoReport v2 at city scale: ``GET /open311/v2/requests.json`` (the default 90-day window,
1000 results) and ``POST requests.json`` with a 2 MB photo, through the whole Django stack, beside
baselines measured in the same run: the same 1000 rows read with one hand-written SQL query, and the
photo intake alone (``process_photo``), which every POST with a photo must pay.

    .venv/bin/python -m bench open311 --db sqlite|postgres [--problems N] [--compounds N]
                                      [--repeat N] [--warmup N] [--reuse] [--no-history]

The data is the inspections benchmark's (bench/inspections.py: same database, same generator, same
``--reuse`` rule), so a database generated for one serves the other."""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import time

from bench import inspections as city
from bench.harness import (
    BENCH_VAR,
    Timing,
    configure_django,
    ensure_static_manifest,
    load_dotenv,
    machine,
    repeat,
    table,
)

NAME = "open311"
HELP = "Open311 GET requests.json (default window, 1000 results) and POST with a 2 MB photo, beside baselines."

GOAL_P95_MS = 300.0
UNLIMITED = "1000000/min"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--problems", type=int, default=1_000_000, help="problems to generate (default 1,000,000)")
    parser.add_argument("--compounds", type=int, default=3000, help="compounds in the city (default 3,000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per case (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before timing (default 3)")
    parser.add_argument("--reuse", action="store_true", help="keep the generated data when it is of the same size")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-history", dest="history", action="store_false", help="no audit history (faster)")
    parser.add_argument("--photo-mb", type=float, default=2.0, help="size of the POSTed photo (default 2 MB)")


def run(args: argparse.Namespace) -> int:
    load_dotenv()
    target = city.Target.for_db(args.db)
    wanted = {"problems": args.problems, "compounds": args.compounds, "seed": args.seed, "history": args.history}
    meta = target.read_meta() if args.reuse else None
    reuse = bool(meta and meta.get("complete") and all(meta.get(k) == v for k, v in wanted.items()))
    print(f"Database: {target.describe()}")
    if not reuse:
        target.reset()
    # The limits are for the internet, not for a benchmark hammering one key from one address.
    from cryptography.fernet import Fernet

    configure_django(
        target.url,
        ID_NUMBER_KEY=os.environ.get("ID_NUMBER_KEY") or Fernet.generate_key().decode(),
        OPEN311_READ_RATE=UNLIMITED,
        OPEN311_KEY_RATE=UNLIMITED,
        RESIDENT_PHONE_RATE=UNLIMITED,
        RESIDENT_REPORT_RATE=UNLIMITED,
    )
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    ensure_static_manifest()
    if reuse:
        print(f"Reusing the data generated {meta['generated_at']} ({meta['problems']:,} problems).")
    else:
        meta = city.generate(**wanted)
        city.write_meta(meta)
    report = measure(repeat_n=args.repeat, warmup=args.warmup, photo_mb=args.photo_mb)
    report["dataset"] = {k: meta.get(k) for k in ("problems", "compounds", "seed", "history", "generated_at")}
    report["machine"] = machine()
    path = BENCH_VAR / f"open311-{args.db}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nJSON: {path.relative_to(BENCH_VAR.parent.parent)}")
    return 0


def _photo(megabytes: float) -> bytes:
    """A JPEG of about ``megabytes`` (noise compresses badly, as a phone photo of a street does)."""
    from PIL import Image

    side = 400
    while True:
        image = Image.frombytes("RGB", (side, side * 3 // 4), random.Random(side).randbytes(side * side * 3 // 4 * 3))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=92)
        if buffer.tell() >= megabytes * 1024 * 1024:
            return buffer.getvalue()
        side = int(side * 1.04)


def measure(*, repeat_n: int, warmup: int, photo_mb: float) -> dict:
    from django.conf import settings
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from gongjian.inspections.photos import process_photo
    from gongjian.residents import services
    from gongjian.residents.models import Open311Application, ResidentCategory, ResidentReport

    client = Client()
    cache.clear()
    public = list(ResidentCategory.objects.filter(is_public=True, is_active=True).values_list("category_id", flat=True))

    # 1. GET requests.json, default window.
    def get():
        response = client.get("/open311/v2/requests.json")
        if response.status_code != 200:
            raise RuntimeError(f"GET answered {response.status_code}: {response.content[:300]!r}")
        return response

    get_samples, response = repeat(get, times=repeat_n, warmup=warmup)
    returned = len(json.loads(response.content))

    marks = ", ".join(["%s"] * len(public))
    end = timezone.now()
    start = end - __import__("datetime").timedelta(days=90)
    raw_sql = (
        "SELECT p.id, p.number, p.status, p.category_id, p.description, u.name, p.found_at, p.updated_at, "
        "p.deadline, p.address, p.latitude, p.longitude FROM inspections_problem p "
        "JOIN organizations_unit u ON u.id = p.unit_id "
        f"WHERE p.status IN ('open', 'submitted', 'closed') AND p.category_id IN ({marks}) "
        "AND p.found_at >= %s AND p.found_at <= %s ORDER BY p.found_at DESC, p.id DESC LIMIT 1000"
    )

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [*public, start, end])
            return cursor.fetchall()

    raw_samples, rows = repeat(raw, times=repeat_n, warmup=warmup)

    # 2. POST requests.json with a photo (multipart "media"), beside the photo intake alone.
    Open311Application.objects.filter(name="bench").delete()
    _app, key = services.application_create(user=None, name="bench")
    photo = _photo(photo_mb)
    code = ResidentCategory.objects.filter(is_public=True).order_by("sort_order").first().code
    before = ResidentReport.objects.count()

    def post(with_photo: bool):
        def call():
            data = {
                "api_key": key,
                "service_code": code,
                "lat": "29.300000",
                "long": "120.100000",
                "description": "bench",
            }
            if with_photo:
                data["media"] = SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg")
            response = client.post("/open311/v2/requests.json", data)
            if response.status_code != 200:
                raise RuntimeError(f"POST answered {response.status_code}: {response.content[:300]!r}")
            return response

        return call

    post_photo_samples, _ = repeat(post(True), times=repeat_n, warmup=warmup)
    post_plain_samples, _ = repeat(post(False), times=repeat_n, warmup=warmup)
    intake_samples, _ = repeat(
        lambda: process_photo(photo, max_bytes=settings.PHOTO_MAX_BYTES, max_pixels=settings.PHOTO_MAX_PIXELS),
        times=repeat_n,
        warmup=warmup,
    )
    # The bench's own reports and their files go again, so a reused database stays as generated.
    made = ResidentReport.objects.order_by("-id")[: ResidentReport.objects.count() - before]
    for report in ResidentReport.objects.filter(pk__in=[r.pk for r in made]):
        for p in report.photos.all():
            p.file.delete(save=False)
            p.thumbnail.delete(save=False)
        report.delete()

    cases = {
        "get_requests": Timing.of(get_samples),
        "get_requests_raw_sql": Timing.of(raw_samples),
        "post_with_photo": Timing.of(post_photo_samples),
        "post_without_photo": Timing.of(post_plain_samples),
        "photo_intake_alone": Timing.of(intake_samples),
    }
    print()
    print(
        table(
            ["case", "n", "median ms", "p95 ms", "max ms"],
            [
                (
                    f"GET requests.json (default window, {returned} results)",
                    *_t(cases["get_requests"]),
                ),
                (f"  baseline: the same rows, one SQL query ({len(rows)} rows)", *_t(cases["get_requests_raw_sql"])),
                (f"POST requests.json with a {len(photo) / 1048576:.1f} MB photo", *_t(cases["post_with_photo"])),
                ("  baseline: POST without a photo", *_t(cases["post_without_photo"])),
                ("  baseline: the photo intake alone (process_photo)", *_t(cases["photo_intake_alone"])),
            ],
        )
    )
    for key_name in ("get_requests", "post_with_photo"):
        t = cases[key_name]
        verdict = "met" if t.p95_ms <= GOAL_P95_MS else "NOT met"
        print(f"goal p95 ≤ {GOAL_P95_MS:.0f} ms for {key_name}: {verdict} ({t.p95_ms:.1f} ms)")
    return {
        "vendor": connection.vendor,
        "returned": returned,
        "photo_bytes": len(photo),
        "cases": {k: v.as_dict() for k, v in cases.items()},
        "goal_p95_ms": GOAL_P95_MS,
        "pid": os.getpid(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _t(t: Timing) -> tuple:
    return (t.n, t.median_ms, t.p95_ms, t.max_ms)
