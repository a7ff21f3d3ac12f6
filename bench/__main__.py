"""``python -m bench <benchmark> [options]``; ``python -m bench`` alone lists the benchmarks."""

from __future__ import annotations

import argparse
import importlib
import sys

from bench import BENCHMARKS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Gongjian benchmarks (see bench/README.md).")
    commands = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK")
    modules = {}
    for dotted in BENCHMARKS:
        # Benchmark modules import Django only inside run(), after they have chosen their database.
        module = importlib.import_module(dotted)
        modules[module.NAME] = module
        sub = commands.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
    args = parser.parse_args(argv)
    if args.benchmark is None:
        parser.print_help()
        return 0
    return modules[args.benchmark].run(args)


if __name__ == "__main__":
    sys.exit(main())
