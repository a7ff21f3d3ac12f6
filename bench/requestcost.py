"""What one request of the load mix costs the app server: CPU milliseconds, SQL queries and time in
the garbage collector per request, measured in-process (Django's test client, production settings,
DEBUG off) on the load benchmark's database, so no HTTP client or server shares the figures.

    .venv/bin/python -m bench requestcost                       # every endpoint of the mix, 40 each
    .venv/bin/python -m bench requestcost --only "list page" --profile 30   # the 30 costliest functions

Needs gj_bench_load (``python -m bench load`` builds it once). CPU time is the process's own
(``time.process_time``): the database's work runs in PostgreSQL's processes and is not in it.
On a machine shared with others the figures wander by ±20 %; compare runs made together.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import time

from bench.harness import BENCH_VAR, configure_django, load_dotenv, table

NAME = "requestcost"
HELP = "CPU ms, SQL queries and garbage-collector ms per request of the load mix, in-process."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=int, default=40, help="requests per endpoint (default 40)")
    parser.add_argument("--only", default="", help="only the endpoints whose name contains this")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key for --profile (default cumulative)")
    parser.add_argument("--sql", action="store_true", help="print each endpoint's queries")
    parser.add_argument(
        "--gc",
        choices=["server", "default"],
        default="server",
        help="server: the collector tuned as config/gunicorn.conf.py does (default); default: CPython's",
    )


class _GcClock:
    """Time spent in the garbage collector, through gc.callbacks."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections[info["generation"]] += 1

    def reset(self) -> None:
        self.seconds, self.collections = 0.0, [0, 0, 0]


def run(args) -> int:
    load_dotenv()
    from bench import load

    url, fresh = load._database_url(reuse=True)
    configure_django(
        url,
        ID_NUMBER_KEY=load.BENCH_ID_NUMBER_KEY,
        MEDIA_ROOT=str(BENCH_VAR / "load-media"),
        STATIC_ROOT=str(BENCH_VAR / "load-static"),
        TASK_BACKEND="database",
        SECURE_COOKIES="0",
        LOG_LEVEL="INFO",
    )
    from django.contrib.auth import get_user_model

    if fresh or not get_user_model().objects.filter(username=load.USER).exists():
        raise SystemExit("gj_bench_load holds no demo city: run `python -m bench load` once first.")
    if not (BENCH_VAR / "load-static" / "staticfiles.json").exists():
        raise SystemExit("No collected static files: run `python -m bench load` once first.")
    import logging

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    logging.disable(logging.INFO)  # the server writes one line per request; not what is measured here
    if args.gc == "server":
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
    clock = _GcClock()
    gc.callbacks.append(clock)

    endpoints = load._endpoints(load._targets())
    # One client each (a test client loads the middleware once; whitenoise's scans the static files).
    signed_in, visitor = Client(), Client()
    if signed_in.post("/accounts/login/", {"username": load.USER, "password": load.PASSWORD}).status_code != 302:
        raise SystemExit(f"Signing in as {load.USER} failed.")

    def send(name: str, request) -> int:
        headers = {k.lower(): v for k, v in (request.headers or {}).items()}
        content_type = headers.pop("content-type", None)
        headers.pop("referer", None)  # the test client skips the CSRF check the header is for
        if not request.session:
            visitor.cookies.clear()  # a new visitor each time, as the bench's requests without a session
        if request.path.startswith("/accounts/login/"):
            return visitor.post(request.path, {"username": load.USER, "password": load.PASSWORD}).status_code
        client = signed_in if request.session else visitor
        if request.method == "GET":
            return client.get(request.path, headers=headers).status_code
        answer = client.generic("POST", request.path, request.body, content_type=content_type, headers=headers)
        return answer.status_code

    rows = []
    for name, (weight, make) in endpoints.items():
        if args.only and args.only not in name:
            continue
        request = make()
        status = send(name, request)  # warms templates and caches; checks the answer
        if status != request.expect:
            raise SystemExit(f"{name}: HTTP {status}, expected {request.expect}")
        with CaptureQueriesContext(connection) as queries:
            send(name, make())
        captured = [query["sql"] for query in queries.captured_queries]  # before the next request resets them
        profile = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waiting on PostgreSQL
        clock.reset()
        cpu = time.process_time()
        if profile:
            profile.enable()
        for _ in range(args.n):
            send(name, make())
        if profile:
            profile.disable()
        cpu_ms = (time.process_time() - cpu) / args.n * 1000
        rows.append(
            [name, weight, f"{cpu_ms:.1f}", len(captured), f"{clock.seconds / args.n * 1000:.1f}", clock.collections]
        )
        if args.sql:
            for sql in captured:
                print(f"    {name}: {sql[:200]}")
        if profile:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.profile)
            print(f"--- {name} ---\n{out.getvalue()}")
    print(f"{args.n} requests per endpoint, in-process, garbage collector: {args.gc}")
    print(table(["endpoint", "weight", "CPU ms", "queries", "GC ms", "collections (gen 0/1/2)"], rows))
    mixed = [(r[1], float(r[2])) for r in rows if r[1]]
    if mixed and not args.only:
        weighted = sum(w * ms for w, ms in mixed) / sum(w for w, _ in mixed)
        print(f"Mix (weighted): {weighted:.1f} ms of app CPU per request → at most {2000 / weighted:.0f} req/s")
        print("on 2 cores before PostgreSQL, gunicorn and the load generator take their share.")
    return 0
