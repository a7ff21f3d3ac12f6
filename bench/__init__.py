"""Benchmarks: ``python -m bench <name> [options]``. They print figures; nothing here asserts timings.

Each benchmark is a module of this package exposing ``NAME``, ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``; list it in ``BENCHMARKS`` below to make it a subcommand.
"""

BENCHMARKS = [
    "bench.inspections",
    "bench.assessments",
    "bench.participation",
    "bench.archives",
    "bench.tasks",
    "bench.load",
    "bench.open311",
    "bench.requestcost",
]
