"""What a run reports: the code and server versions measured and the printed table beside the
goals."""

from __future__ import annotations

import os

from bench.harness import (
    table,
)
from bench.inspections.common import (
    GOAL_P95_MS,
    GOAL_RATIO,
)


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
