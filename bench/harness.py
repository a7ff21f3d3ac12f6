"""Shared pieces of the benchmarks: a private Django environment, timing and plain-text tables.

Nothing here imports Django at module level: ``configure_django`` must run first, because the
settings read the database and the secret key from the environment when they are imported.
"""

from __future__ import annotations

import math
import os
import platform
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_VAR = REPO / "var" / "bench"


def load_dotenv() -> None:
    """The repository's ``.env`` (if any) fills in variables that are not set, as the settings do."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from config.env import load_dotenv as _load

    _load(REPO / ".env")


def configure_django(database_url: str, **extra: str) -> None:
    """Production-like settings (DEBUG off, a throw-away secret key) on the bench's own database.

    Every value is forced, so a developer's ``.env`` or shell can never point a benchmark at their
    own database; ``<NAME>_FILE`` variants are dropped for the same reason."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    values = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(BENCH_VAR),
        "STATIC_ROOT": str(BENCH_VAR / "static"),
        "MEDIA_ROOT": str(BENCH_VAR / "media"),
        "SECURE_SSL_REDIRECT": "0",
        "TIME_ZONE": "Asia/Shanghai",
        "LANGUAGE_CODE": "zh-hans",
        "LOG_LEVEL": "ERROR",
        **extra,
    }
    for name, value in values.items():
        os.environ.pop(f"{name}_FILE", None)
        os.environ[name] = value
    import django

    django.setup()


def ensure_static_manifest() -> str | None:
    """DEBUG off means the manifest static storage: pages need ``staticfiles.json`` to render.
    Collect once into var/bench/static (never the developer's STATIC_ROOT). When collectstatic
    fails, fall back for this process to the plain storage (as config/settings_test.py does) and
    return why, so the benchmark can say so; None when the production storage is in use."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    if (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        return None
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
        return None
    except Exception as exc:  # any failure: report it, measure anyway
        problem = (
            f"collectstatic failed under production settings ({exc.__class__.__name__}: {str(exc).splitlines()[0]})"
        )
    plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    override_settings(STORAGES=plain).enable()
    print(f"WARNING: {problem}; pages are rendered with StaticFilesStorage instead.", flush=True)
    return problem


# --- timing ----------------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least q% of the samples at or below it
    (for 30 samples, p95 is the 29th smallest)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Timing:
    n: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Timing:
        ms = [s * 1000 for s in seconds]
        return cls(
            n=len(ms),
            median_ms=statistics.median(ms),
            p95_ms=percentile(ms, 95),
            min_ms=min(ms),
            max_ms=max(ms),
        )

    def as_dict(self) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def repeat(fn: Callable[[], object], *, times: int, warmup: int) -> tuple[list[float], object]:
    """Run ``fn`` ``warmup`` times untimed, then ``times`` times timed; the seconds and last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return samples, result


class SqlClock:
    """An execute wrapper that adds up the time spent inside the database driver (cheap enough to
    leave on while timing: one perf_counter pair per query)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.queries += 1


# --- output ----------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, left: int = 1) -> str:
    """A fixed-width table; the first ``left`` columns are left-aligned, the rest right-aligned."""
    text_rows = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in text_rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), rule, *(line(r) for r in text_rows)])


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
