"""Problems at city scale: the list (UI and API), the stats endpoint and the problem page, each
timed through the whole Django stack and beside hand-written SQL returning the same rows.

    .venv/bin/python -m bench inspections --db sqlite|postgres [--problems N] [--compounds N]
                                          [--repeat N] [--warmup N] [--reuse] [--no-history]

The data lives in its own database (var/bench/inspections.sqlite3, or ``gongjian_bench`` on the
server of TEST_DATABASE_URL), never the developer's. See bench/README.md for what each figure means.

The package along its seams: common (constants, the bench database), generate + problems (the
generated city), cases (the measured cases and their comparison), rawsql (the SQL baselines),
report (versions and the printed table). ``python -m bench assessments`` reuses ``Target``.
"""

from __future__ import annotations

import argparse
import json

from bench.harness import (
    BENCH_VAR,
    configure_django,
    ensure_static_manifest,
    load_dotenv,
)
from bench.inspections.cases import (
    measure,
)
from bench.inspections.common import (
    HELP,
    NAME,
    Target,
    write_meta,
)
from bench.inspections.generate import (
    generate,
)
from bench.inspections.problems import (
    _analyze,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--problems", type=int, default=1_000_000, help="problems to generate (default 1,000,000)")
    parser.add_argument("--compounds", type=int, default=3000, help="compounds in the city (default 3,000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per case (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before timing (default 3)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the generated data when it is complete and of the same size"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-history",
        dest="history",
        action="store_false",
        help="do not generate audit events and rectifications for the bulk problems (faster)",
    )
    parser.add_argument(
        "--raw-scope",
        choices=["auto", "subtree"],
        default="auto",
        help="how the raw SQL restricts to the user's places: auto = the problems' ancestor columns when the "
        "model has them, else the recursive subtree; subtree = always the recursive subtree",
    )
    parser.add_argument("--month", help="YYYY-MM for the stats cases (default: the last full month of the data)")


def run(args: argparse.Namespace) -> int:
    load_dotenv()
    target = Target.for_db(args.db)
    wanted = {"problems": args.problems, "compounds": args.compounds, "seed": args.seed, "history": args.history}
    meta = target.read_meta() if args.reuse else None
    reuse = bool(meta and meta.get("complete") and all(meta.get(k) == v for k, v in wanted.items()))
    if args.reuse and not reuse:
        found = {k: meta.get(k) for k in wanted} if meta else "nothing"
        print(f"--reuse: the bench database holds {found}, not {wanted}: generating again.")
    print(f"Database: {target.describe()}")
    if not reuse:
        target.reset()
    configure_django(target.url)

    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    if reuse and pending:
        # New migrations on old data (indexes, columns): fresh planner statistics, as after generation.
        print(f"Applied {len(pending)} new migration(s) to the reused data; running ANALYZE again.", flush=True)
        _analyze()
    static_note = ensure_static_manifest()
    if reuse:
        print(
            f"Reusing the data generated {meta['generated_at']} "
            f"({meta['problems']:,} problems, {meta['compounds']:,} compounds; "
            f"generation took {meta['generation_seconds']:.0f} s)."
        )
    else:
        meta = generate(**wanted)
        write_meta(meta)
    report = measure(meta, repeat=args.repeat, warmup=args.warmup, month=args.month, raw_scope=args.raw_scope)
    report["dataset"] = meta
    report["static_files_note"] = static_note
    path = BENCH_VAR / f"inspections-{args.db}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nJSON: {path.relative_to(BENCH_VAR.parent.parent)}")
    return 0


__all__ = ["HELP", "NAME", "Target", "add_arguments", "run"]
