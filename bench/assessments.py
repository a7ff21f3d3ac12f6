"""Computing a month's assessment on the inspections benchmark's city (300 communities, 3,000
compounds, 1,000,000 problems over three years, ~30,000 in a month), beside one SQL GROUP BY over
the same month's problems, with the time and the peak memory of the computation.

Needs the data of ``python -m bench inspections --db <db>`` (it reuses that database)."""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import statistics
import time
import tracemalloc

from bench.harness import BENCH_VAR, configure_django, load_dotenv

NAME = "assessments"
HELP = "compute a month for 3,300 units on 1,000,000 problems; time and peak memory beside a SQL GROUP BY"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--month", default="2026-10", help="YYYY-MM (default 2026-10)")
    parser.add_argument("--repeat", type=int, default=3, help="computations to time (default 3)")


def run(args: argparse.Namespace) -> int:
    from bench.inspections import Target

    load_dotenv()
    target = Target.for_db(args.db)
    meta = target.read_meta()
    if not (meta and meta.get("complete")):
        print(f"No benchmark city in {target.describe()}: run `python -m bench inspections --db {args.db}` first.")
        return 2
    configure_django(target.url)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    month = datetime.datetime.strptime(args.month, "%Y-%m").date()
    report = measure(month=month, repeat=args.repeat)
    report["database"] = target.describe()
    report["dataset"] = {k: meta.get(k) for k in ("problems", "compounds", "generated_at")}
    _print(report)
    path = BENCH_VAR / f"assessments-{args.db}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nJSON: {path.relative_to(BENCH_VAR.parent.parent)}")
    return 0


def _admin_and_city():
    from gongjian.accounts.choices import Role
    from gongjian.accounts.models import Membership

    membership = Membership.objects.filter(role=Role.CITY_ADMIN, is_active=True).select_related("user", "unit").first()
    return membership.user, membership.unit


def measure(*, month: datetime.date, repeat: int) -> dict:
    from django.db import connection

    from gongjian.assessments import services
    from gongjian.assessments.models import Assessment, Deduction, RuleSet, ScoreSheet
    from gongjian.assessments.rulespec import parse_ruleset
    from gongjian.demo.assessments import demo_rules
    from gongjian.inspections.models import Category
    from gongjian.inspections.selectors import month_bounds

    admin, city = _admin_and_city()
    if not RuleSet.objects.filter(city=city).exists():
        known = set(Category.objects.values_list("code", flat=True))
        services.ruleset_create(
            user=admin, city=city, spec=parse_ruleset(demo_rules(datetime.date(2023, 1, 1)), known_categories=known)
        )
    Assessment.objects.filter(city=city, month=month).delete()
    assessment = services.assessment_create(user=admin, city=city, month=month)
    start, end = month_bounds(month)

    # The baseline: one GROUP BY over the month's problems (what any report of the month costs).
    group_by = (
        "SELECT unit_id, category_id, COUNT(*) FROM inspections_problem "
        "WHERE found_at >= %s AND found_at < %s AND status <> 'void' GROUP BY unit_id, category_id"
    )
    baseline = []
    with connection.cursor() as cursor:
        for _ in range(max(repeat, 3)):
            began = time.perf_counter()
            cursor.execute(group_by, [start, end])
            groups = len(cursor.fetchall())
            baseline.append(time.perf_counter() - began)
        cursor.execute(
            "SELECT COUNT(*) FROM inspections_problem WHERE found_at >= %s AND found_at < %s AND status <> 'void'",
            [start, end],
        )
        in_month = cursor.fetchone()[0]

    timings = []
    progress_calls = []
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(repeat):
        began = time.perf_counter()
        first = services.assessment_compute(
            user=admin, assessment=assessment, progress=lambda done, total: progress_calls.append(done)
        )
        timings.append(time.perf_counter() - began)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Memory in a separate run: tracemalloc slows Python down, so it stays out of the timings.
    tracemalloc.start()
    services.assessment_compute(user=admin, assessment=assessment)
    peaks = [tracemalloc.get_traced_memory()[1]]
    tracemalloc.stop()
    compute = statistics.median(timings)
    group = statistics.median(baseline)
    assessment.refresh_from_db()
    copy_runs = _copy_baseline(assessment, repeat=max(repeat, 3)) if connection.vendor == "postgresql" else []
    copy = statistics.median(copy_runs) if copy_runs else None
    freshness = _freshness(admin, assessment)
    return {
        "month": f"{month:%Y-%m}",
        "problems_in_month": in_month,
        "groups": groups,
        "sheets": ScoreSheet.objects.filter(assessment=assessment).count(),
        "deduction_lines": Deduction.objects.filter(item_score__sheet__assessment=assessment).count(),
        "streets": first.streets,
        "compute_seconds": timings,
        "compute_median_s": compute,
        "group_by_seconds": baseline,
        "group_by_median_s": group,
        "ratio": compute / group if group else None,
        "copy_baseline_seconds": copy_runs,
        "copy_baseline_median_s": copy,
        "ratio_to_copy_baseline": compute / copy if copy else None,
        **freshness,
        "python_peak_mb": max(peaks) / 1e6,
        "process_max_rss_growth_mb": (rss_after - rss_before) / 1024,
        "goal": "<= 4 s and <= 8x the COPY baseline; staleness adds <= 5 ms to a problem write; memory bounded",
    }


def _print(report: dict) -> None:
    print(
        f"\nassessment of {report['month']} on {report['database']}: {report['problems_in_month']:,} problems in the "
        f"month ({report['dataset']['problems']:,} on file), {report['sheets']:,} score sheets, "
        f"{report['deduction_lines']:,} deduction lines, {report['streets']} streets"
    )
    runs = ", ".join(f"{s:.2f}" for s in report["compute_seconds"])
    print(f"  compute (median of {len(report['compute_seconds'])}): {report['compute_median_s']:.2f} s   [{runs}]")
    print(f"  one SQL GROUP BY (unit, category) over the month: {report['group_by_median_s'] * 1000:.0f} ms")
    print(f"  ratio compute / GROUP BY: {report['ratio']:.1f}x")
    if report.get("copy_baseline_median_s"):
        runs = ", ".join(f"{s:.2f}" for s in report["copy_baseline_seconds"])
        print(
            f"  baseline — the same reads, then the same output rows written with COPY, committed "
            f"(median): {report['copy_baseline_median_s']:.2f} s   [{runs}]"
        )
        print(
            f"  ratio compute / COPY baseline: {report['ratio_to_copy_baseline']:.1f}x    goal: compute <= 4 s and "
            f"<= 8x the baseline"
        )
    print(
        f"  a problem write (report with one photo, median of {report['problem_writes']}): "
        f"{report['problem_write_median_ms']:.1f} ms; staleness adds nothing to it (no write on that path); "
        f"the month's freshness check after those writes: {report['freshness_check_median_ms']:.1f} ms "
        f"({report['freshness_changes']} changes found)"
    )
    print(
        f"  peak Python allocations during a computation (tracemalloc): {report['python_peak_mb']:.1f} MB; "
        f"process max RSS grew by {report['process_max_rss_growth_mb']:.0f} MB"
    )


def _copy_baseline(assessment, *, repeat: int) -> list[float]:
    """The floor for a computation: the same reads (the city's tree, manual scores, the month's
    cases and late events in the same queries), then the rows the computation wrote — sheets, item
    scores, lines — deleted and written back with COPY (psycopg 3 ``cursor.copy``) in one
    transaction, committed (so its foreign-key checks count too). The data ends as it was."""
    from django.db import transaction

    from gongjian.assessments import engine
    from gongjian.assessments.models import Deduction, ItemScore, ManualEntry, ScoreSheet
    from gongjian.inspections.selectors import month_bounds

    sheet_fields = [*engine.SHEET_FIELDS, "rank_city", "rank_street"]
    sheets = list(ScoreSheet.objects.filter(assessment=assessment).values_list(*sheet_fields))
    items = list(ItemScore.objects.filter(sheet__assessment=assessment).values_list(*engine.ITEM_FIELDS))
    lines = list(
        Deduction.objects.filter(item_score__sheet__assessment=assessment).values_list(*engine.DEDUCTION_FIELDS)
    )
    start, end = month_bounds(assessment.month)
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        with transaction.atomic():
            engine.Tree(assessment.city_id)
            list(ManualEntry.objects.filter(assessment=assessment).values_list("id", "unit_id", "item_id", "score"))
            as_of = assessment.counted_until or end
            engine._MonthFacts(
                city_id=assessment.city_id,
                start=start,
                end=end,
                as_of=as_of,
                carried=engine.carried_events(assessment, as_of=as_of),
            )
            engine._clear(assessment)
            engine._copy(ScoreSheet, sheet_fields, sheets)
            engine._copy(ItemScore, engine.ITEM_FIELDS, items)
            engine._copy(Deduction, engine.DEDUCTION_FIELDS, lines)
        runs.append(time.perf_counter() - began)
    return runs


def _freshness(admin, assessment) -> dict:
    """What staleness detection costs: a problem write (timed; detection writes nothing on that
    path) and the month's freshness check after such writes. The writes are rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from gongjian.assessments.freshness import changes_since_computed
    from gongjian.inspections import services as inspections
    from gongjian.inspections.models import CaseNumberCounter, Category, Problem
    from gongjian.inspections.tests.factories import jpeg_bytes
    from gongjian.organizations.models import Unit

    compound = Unit.objects.filter(level="compound", id__in=Problem.objects.values("unit_id")[:1]).first()
    category = (
        Category.objects.filter(is_active=True, code="06036").first() or Category.objects.filter(is_active=True).first()
    )
    found = datetime.datetime.combine(assessment.month.replace(day=15), datetime.time(10), tzinfo=datetime.UTC)
    writes, checks, changes = [], [], 0
    with transaction.atomic():
        # The generated problems did not go through the case-number counter: start it past them.
        CaseNumberCounter.objects.update_or_create(
            prefix=f"{category.code}{found.astimezone(timezone.get_current_timezone()):%Y%m%d}",
            defaults={"last": 90_000},
        )
        for _ in range(10):
            began = time.perf_counter()
            inspections.problem_report(
                user=admin,
                category=category,
                unit=compound,
                description="bench",
                address="bench",
                point_type="compound",
                photos=[jpeg_bytes()],
                found_at=found,
            )
            writes.append(time.perf_counter() - began)
        for _ in range(10):
            began = time.perf_counter()
            changes = changes_since_computed(assessment).total
            checks.append(time.perf_counter() - began)
        transaction.set_rollback(True)
    return {
        "problem_writes": len(writes),
        "problem_write_median_ms": statistics.median(writes) * 1000,
        "freshness_check_median_ms": statistics.median(checks) * 1000,
        "freshness_changes": changes,
    }
