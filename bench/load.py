"""Load on a real server: gunicorn on PostgreSQL with the demo city, driven over loopback by a
small load generator (threads, one HTTP/1.1 connection per request, as through a proxy).

    .venv/bin/python -m bench load [--reuse] [--workers 4] [--threads 1] [--clients 8]
                                   [--seconds 15] [--rate 50] [--open-seconds 20]

Phases, all bounded in time and in requests, all against 127.0.0.1 only:

1. each endpoint alone, closed loop (``--clients`` users without think time) for
   ``--endpoint-seconds``: throughput and latency of that endpoint, beside the server's cheapest
   Django response (an anonymous GET / answered with a redirect to the login page) measured the
   same way in the same run;
2. the mix, closed loop, saturated, for ``--seconds``;
3. the mix, open loop: requests arrive at ``--rate`` per second (Poisson arrivals) for
   ``--open-seconds`` whatever the server does; a request's latency counts from its planned
   arrival, so a server falling behind shows in the percentiles (no coordinated omission).

The data lives in its own database (``gj_bench_load`` on the server of TEST_DATABASE_URL), built
once with ``manage.py demo`` and kept with ``--reuse``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import http.client
import io
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path

from bench.harness import BENCH_VAR, REPO, configure_django, load_dotenv, machine, percentile, table

NAME = "load"
HELP = "gunicorn on PostgreSQL with the demo city under a closed- and an open-loop mix of requests."

DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432/test"
# The database the benchmark builds and measures (another name keeps another build, e.g. an older commit's).
PG_DBNAME = os.environ.get("BENCH_LOAD_DBNAME", "gj_bench_load")
# The bench's own Fernet key for the demo volunteers' ID numbers (not a secret: bench data only).
BENCH_ID_NUMBER_KEY = "SHkTaORC4T-CdA9sLO9F2O2JEUEWv7I5jeS1J4Zc5Eg="
HOST = "127.0.0.1"
# Any 32 letters/digits is a valid CSRF secret: the same value as cookie and form field passes
# Django's check without fetching a form first (what a browser does with the token of a page).
CSRF = "benchloadcsrfsecret0123456789abc"
PASSWORD = "gongjian-demo"  # gongjian/demo/city.py: DEMO_PASSWORD
USER = "city"  # the city office admin: sees everything, may report
REQUEST_TIMEOUT = 30.0
MAX_REQUESTS = 50_000  # per phase, whatever the options say

GOAL_MIX_RPS = 100.0
GOAL_OPEN_P99_MS = 300.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reuse", action="store_true", help="keep gj_bench_load when it already holds the demo city")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (default 1: sync workers)")
    parser.add_argument("--port", type=int, default=8103, help="loopback port of the server (default 8103)")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop users without think time (default 8)")
    parser.add_argument("--endpoint-seconds", type=float, default=4.0, help="closed loop per endpoint (default 4)")
    parser.add_argument("--seconds", type=float, default=15.0, help="closed-loop mix duration (default 15)")
    parser.add_argument("--rate", type=float, default=50.0, help="open-loop arrivals per second (default 50)")
    parser.add_argument("--open-seconds", type=float, default=20.0, help="open-loop duration (default 20)")
    parser.add_argument("--skip-endpoints", action="store_true", help="skip phase 1 (each endpoint alone)")
    parser.add_argument("--log-level", default="INFO", help="the server's LOG_LEVEL (default INFO, as in production)")
    parser.add_argument(
        "--redis-url",
        default="",
        help="REDIS_URL for the server (cache and sessions in Redis, as on several nodes), e.g. "
        "redis://127.0.0.1:6379/1; default: none (per-process cache, sessions in the database)",
    )
    parser.add_argument("--seed", type=int, default=2026)


# --- the database ---------------------------------------------------------------------------------


def _database_url(reuse: bool) -> tuple[str, bool]:
    """The bench database's URL and whether it must be (re)built."""
    import psycopg

    server = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_SERVER)
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DBNAME]).fetchone()
        if exists and not reuse:
            conn.execute(f"DROP DATABASE {PG_DBNAME} WITH (FORCE)")
            exists = None
        if not exists:
            conn.execute(f"CREATE DATABASE {PG_DBNAME}")
    url = urllib.parse.urlsplit(server)._replace(path=f"/{PG_DBNAME}").geturl()
    return url, not exists


def _prepare(reuse: bool) -> tuple[dict, dict]:
    """Migrate, load the demo city when needed, collect static files; the env the server needs and
    the ids the requests use."""
    url, fresh = _database_url(reuse)
    env = {
        "ID_NUMBER_KEY": BENCH_ID_NUMBER_KEY,
        "ALLOWED_HOSTS": HOST,
        "MEDIA_ROOT": str(BENCH_VAR / "load-media"),
        "STATIC_ROOT": str(BENCH_VAR / "load-static"),
        "TASK_BACKEND": "database",
        "SECURE_COOKIES": "0",
    }
    configure_django(url, **env)
    from django.core.management import call_command

    from gongjian.accounts.models import User

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    built = False
    if fresh or not User.objects.filter(username=USER).exists():
        print(f"Loading the demo city into {PG_DBNAME} (once; --reuse keeps it) ...", flush=True)
        call_command("demo", stdout=io.StringIO())
        built = True
    # Hashed and compressed static files (whitenoise's manifest storage) take minutes on a busy
    # machine: collected again only without --reuse or when missing.
    if built or not reuse or not (BENCH_VAR / "load-static" / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    print(f"Database {PG_DBNAME} ready ({'built' if built else 'reused'}, {time.perf_counter() - started:.0f} s)")
    targets = _targets()
    from django.db import connections

    connections.close_all()
    return {**{k: os.environ[k] for k in ("DATABASE_URL", "SECRET_KEY", "VAR_DIR")}, **env}, targets


def _targets() -> dict:
    from gongjian.accounts.access import Perm, actor_for
    from gongjian.accounts.models import User
    from gongjian.assessments.models import Assessment, ScoreSheet
    from gongjian.inspections import selectors
    from gongjian.inspections.models import Problem, ProblemPhoto
    from gongjian.organizations.models import Unit

    user = User.objects.get(username=USER)
    actor = actor_for(user)
    with_photo = ProblemPhoto.objects.values_list("problem_id", flat=True).order_by("problem_id").first()
    problem_id = with_photo or Problem.objects.order_by("id").values_list("id", flat=True)[Problem.objects.count() // 2]
    assessment = Assessment.objects.filter(status="published").order_by("-month").first()
    sheet = ScoreSheet.objects.filter(assessment=assessment).order_by("unit__code").first()
    category = selectors.categories_active().first()
    unit = Unit.objects.filter(level="compound").order_by("code").first()
    assert actor.has_perm(Perm.PROBLEM_REPORT)
    return {
        "problem_id": problem_id,
        "month": f"{assessment.month:%Y-%m}",
        "sheet_unit_id": sheet.unit_id,
        "category": category.code,
        "report_unit_id": unit.pk,
        "problems": Problem.objects.count(),
        "units": Unit.objects.count(),
    }


# --- the server -----------------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict, args) -> None:
        self.log_path = BENCH_VAR / "load-gunicorn.log"
        self.env = {
            **os.environ,
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "LOG_LEVEL": args.log_level,
            "GUNICORN_BIND": f"{HOST}:{args.port}",
            "WEB_CONCURRENCY": str(args.workers),
            "GUNICORN_THREADS": str(args.threads),
            "GUNICORN_MAX_REQUESTS": "0",
            "REDIS_URL": args.redis_url,
        }
        self.port = args.port
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        with _port_free(self.port):
            pass
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:  # any answer from Django (the login page) means the server is up
                status, _ = _raw_get(self.port, "/accounts/login/")
                if status == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise SystemExit(f"gunicorn did not start; see {self.log_path}")
            time.sleep(0.3)

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class _port_free:
    def __init__(self, port: int) -> None:
        self.port = port

    def __enter__(self):
        import socket

        with socket.socket() as s:
            if s.connect_ex((HOST, self.port)) == 0:
                raise SystemExit(f"Port {self.port} is already in use; choose another with --port.")

    def __exit__(self, *exc):
        return False


def _raw_get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- where the CPU goes ----------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds, read from /proc (Linux), of the server's worker processes ("app"), of
    PostgreSQL's backends serving the bench database ("postgres"), of this process — the load
    generator — ("generator") and of the whole machine ("machine", from /proc/stat: anything else
    running shows as the difference). Divided by the requests of a phase: what one request costs
    each, measured under the phase's own load. Elsewhere than Linux it reads nothing (None)."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.available = Path("/proc/stat").exists()

    def _processes(self) -> list[tuple[int, int, str, float]]:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            found.append((int(entry.name), int(fields[1]), command, (int(fields[11]) + int(fields[12])) / self.ticks))
        return found

    def read(self) -> dict[str, float] | None:
        if not self.available:
            return None
        app = postgres = 0.0
        for _pid, parent, command, seconds in self._processes():
            if parent == self.server_pid:
                app += seconds
            elif command.startswith("postgres:") and f" {PG_DBNAME} " in command:
                postgres += seconds
        jiffies = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq = jiffies[:7]  # steal, a VM's lost time, left out
        return {
            "app": app,
            "postgres": postgres,
            "generator": time.process_time(),
            "machine": (user + nice + system + irq + softirq) / self.ticks,
        }

    @staticmethod
    def per_request(before: dict | None, after: dict | None, requests: int) -> dict[str, float] | None:
        if before is None or after is None or not requests:
            return None
        return {key: (after[key] - before[key]) * 1000 / requests for key in before}


def _cpu_columns(cost: dict | None) -> list:
    if cost is None:
        return ["-"] * 4
    return [f"{cost['app']:.1f}", f"{cost['postgres']:.1f}", f"{cost['generator']:.1f}", f"{cost['machine']:.1f}"]


CPU_HEADERS = ["app CPU ms", "PG CPU ms", "generator CPU ms", "machine CPU ms"]


# --- the load generator ---------------------------------------------------------------------------


@dataclasses.dataclass
class Request:
    method: str
    path: str
    expect: int
    body: bytes | None = None
    headers: dict = dataclasses.field(default_factory=dict)
    session: bool = True  # send the signed-in user's session cookie


class Client:
    """One HTTP/1.1 connection per request (sync gunicorn workers close after each response);
    cookies kept by hand: the session of one signed-in user and a fixed CSRF secret."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sessionid = ""

    def send(self, request: Request) -> tuple[int, float]:
        cookies = f"csrftoken={CSRF}"
        if request.session and self.sessionid:
            cookies += f"; sessionid={self.sessionid}"
        headers = {"Cookie": cookies, "Host": HOST, "X-Request-ID": uuid.uuid4().hex, **request.headers}
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(request.method, request.path, body=request.body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            set_cookie = response.headers.get_all("Set-Cookie") or []
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        if request.path == "/accounts/login/" and request.session:
            for header in set_cookie:
                cookie = SimpleCookie(header)
                if "sessionid" in cookie:
                    self.sessionid = cookie["sessionid"].value
        return status, elapsed

    def sign_in(self) -> None:
        status, _ = self.send(_login_request(session=True))
        if status != 302 or not self.sessionid:
            raise SystemExit(f"Signing in as {USER} failed (HTTP {status}); see {BENCH_VAR / 'load-gunicorn.log'}")


def _login_request(*, session: bool = False) -> Request:
    body = urllib.parse.urlencode({"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": CSRF}).encode()
    return Request(
        "POST",
        "/accounts/login/",
        302,
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{HOST}/accounts/login/"},
        session=session,
    )


def _small_jpeg() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600), (120, 140, 160))
    draw = ImageDraw.Draw(image)
    for i in range(0, 800, 40):
        draw.rectangle([i, (i * 7) % 500, i + 30, (i * 7) % 500 + 80], fill=(i % 255, 90, 200 - i % 200))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _unique_jpeg(photo: bytes) -> bytes:
    """The same picture with a JPEG comment of its own: another file to the server (its SHA-256
    differs), so each report is a new problem rather than a resend the server answers with the
    problem it already has (the same photo, unit and category within minutes is a duplicate)."""
    marker = uuid.uuid4().hex.encode()
    return photo[:2] + b"\xff\xfe" + (len(marker) + 2).to_bytes(2, "big") + marker + photo[2:]


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = f"----bench{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


BASELINE = "cheapest: GET / anonymous (302)"


def _endpoints(targets: dict) -> dict[str, tuple[int, Callable[[], Request]]]:
    """name → (weight in the mix, a function making the request). Weight 0: not in the mix."""
    json_accept = {"Accept": "application/json"}
    photo = _small_jpeg()

    def report() -> Request:
        body, content_type = _multipart(
            {
                "category": targets["category"],
                "unit": str(targets["report_unit_id"]),
                "point_type": "compound",
                "severity": "normal",
                "address": "压测路 1 号",
                "description": "压测：楼道堆放杂物",
                "latitude": "",
                "longitude": "",
                "inspection": "",
                "csrfmiddlewaretoken": CSRF,
            },
            {"photos": ("photo.jpg", _unique_jpeg(photo), "image/jpeg")},
        )
        return Request(
            "POST",
            "/problems/report/",
            302,
            body,
            {"Content-Type": content_type, "Referer": f"http://{HOST}/problems/report/"},
        )

    month, sheet_unit = targets["month"], targets["sheet_unit_id"]
    return {
        BASELINE: (0, lambda: Request("GET", "/", 302, session=False)),
        "list page": (3, lambda: Request("GET", "/problems/", 200)),
        "API list": (3, lambda: Request("GET", "/api/v1/problems/", 200, headers=json_accept)),
        "stats": (2, lambda: Request("GET", f"/api/v1/problems/stats/?month={month}", 200, headers=json_accept)),
        "problem page": (3, lambda: Request("GET", f"/problems/{targets['problem_id']}/", 200)),
        "score sheet": (2, lambda: Request("GET", f"/assessments/{month}/units/{sheet_unit}/", 200)),
        "report with photo": (1, report),
        "login": (1, _login_request),
    }


@dataclasses.dataclass
class Sample:
    endpoint: str
    seconds: float
    ok: bool
    status: int | str


def _send(client: Client, name: str, make: Callable[[], Request]) -> Sample:
    request = make()
    try:
        status, elapsed = client.send(request)
    except (OSError, http.client.HTTPException) as error:
        return Sample(name, REQUEST_TIMEOUT, False, error.__class__.__name__)
    return Sample(name, elapsed, status == request.expect, status)


def closed_loop(
    clients: list[Client], choose: Callable[[random.Random], tuple[str, Callable]], seconds: float, seed: int
):
    """Each client sends its next request as soon as the last one is answered."""
    samples: list[Sample] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    budget = [MAX_REQUESTS]

    def user(index: int) -> None:
        rng = random.Random(seed + index)
        mine = []
        while time.perf_counter() < deadline:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            mine.append(_send(clients[index], *choose(rng)))
        with lock:
            samples.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - started


def open_loop(clients: list[Client], choose, rate: float, seconds: float, seed: int):
    """Requests arrive at ``rate`` per second (exponential gaps) whatever the server does; the
    latency of each counts from its planned arrival time."""
    rng = random.Random(seed)
    arrivals, t = [], 0.0
    while True:
        t += rng.expovariate(rate)
        if t >= seconds or len(arrivals) >= MAX_REQUESTS:
            break
        arrivals.append((t, *choose(rng)))
    samples: list[Sample] = []
    lock = threading.Lock()
    late = [0.0]

    def fire(index: int, planned: float, name: str, make) -> None:
        request_started = time.perf_counter()
        if request_started - planned > REQUEST_TIMEOUT:
            # The server is so far behind that this user would have given up: an error, not sent
            # (which also bounds the phase when the server cannot keep up).
            with lock:
                samples.append(Sample(name, request_started - planned, False, "gave up in the backlog"))
            return
        sample = _send(clients[index % len(clients)], name, make)
        sample.seconds += request_started - planned  # waiting for a free sender counts too
        with lock:
            samples.append(sample)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for index, (offset, name, make) in enumerate(arrivals):
            planned = start + offset
            delay = planned - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            else:
                late[0] = max(late[0], -delay)
            pool.submit(fire, index, planned, name, make)
    return samples, time.perf_counter() - start, late[0]


# --- figures --------------------------------------------------------------------------------------


def _stats(samples: list[Sample], wall: float) -> dict:
    ms = [s.seconds * 1000 for s in samples if s.ok]
    errors = [s for s in samples if not s.ok]
    if not ms:
        return {"n": len(samples), "rps": 0.0, "errors": len(errors), "error_kinds": _kinds(errors)}
    return {
        "n": len(samples),
        "rps": len(samples) / wall,
        "p50_ms": statistics.median(ms),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms),
        "errors": len(errors),
        "error_kinds": _kinds(errors),
    }


def _kinds(errors: list[Sample]) -> dict:
    kinds: dict[str, int] = {}
    for error in errors:
        key = f"{error.endpoint}: {error.status}"
        kinds[key] = kinds.get(key, 0) + 1
    return kinds


def _rows(by_endpoint: dict[str, dict], baseline: dict | None) -> list[list]:
    rows = []
    for name, s in by_endpoint.items():
        ratio = (
            s.get("p50_ms") / baseline["p50_ms"] if baseline and s.get("p50_ms") and baseline.get("p50_ms") else None
        )
        rps_ratio = baseline["rps"] / s["rps"] if baseline and s.get("rps") else None
        rows.append(
            [
                name,
                s["n"],
                s["rps"],
                s.get("p50_ms"),
                s.get("p95_ms"),
                s.get("p99_ms"),
                s.get("max_ms"),
                s["errors"],
                f"{ratio:.1f}×" if ratio else "-",
                f"{rps_ratio:.1f}×" if rps_ratio else "-",
            ]
        )
    return rows


HEADERS = ["endpoint", "n", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "p50 vs cheapest", "cost"]


def _split(samples: list[Sample], wall: float) -> dict[str, dict]:
    names = sorted({s.endpoint for s in samples})
    return {name: _stats([s for s in samples if s.endpoint == name], wall) for name in names}


def _query_counts(endpoints) -> dict[str, int]:
    """SQL queries per request of each endpoint, through Django's test client in this process (the
    same code and database as the server; the count, not the time, is what matters here)."""
    from django.db import connection
    from django.test import Client as DjangoClient

    counts = {}
    client = DjangoClient(HTTP_HOST=HOST)
    client.cookies["csrftoken"] = CSRF
    from gongjian.accounts.models import User

    client.force_login(User.objects.get(username=USER))
    for name, (_weight, make) in endpoints.items():
        request = make()
        if name == "login":
            other = DjangoClient(HTTP_HOST=HOST)
            other.cookies["csrftoken"] = CSRF
            target = other
        elif not request.session:
            target = DjangoClient(HTTP_HOST=HOST)
        else:
            target = client
        kwargs = {"HTTP_ACCEPT": request.headers["Accept"]} if "Accept" in request.headers else {}
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            if request.method == "GET":
                response = target.get(request.path, **kwargs)
            else:
                response = target.generic(
                    "POST", request.path, request.body, content_type=request.headers["Content-Type"]
                )
        counts[name] = len(queries) if response.status_code == request.expect else -response.status_code
    return counts


def run(args) -> int:
    load_dotenv()
    env, targets = _prepare(args.reuse)
    endpoints = _endpoints(targets)
    queries = _query_counts(endpoints)
    from django.db import connections

    connections.close_all()
    mix = [(name, make) for name, (weight, make) in endpoints.items() for _ in range(weight)]

    def choose_mix(rng: random.Random):
        return rng.choice(mix)

    report: dict = {
        "machine": machine(),
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "server": {
            "workers": args.workers,
            "threads": args.threads,
            "log_level": args.log_level,
            "redis": bool(args.redis_url),
        },
        "clients": args.clients,
        "data": targets,
        "queries": queries,
        "mix_weights": {name: weight for name, (weight, _) in endpoints.items() if weight},
    }
    print(
        f"\ngunicorn {args.workers} worker(s) × {args.threads} thread(s) on PostgreSQL ({PG_DBNAME}: "
        f"{targets['units']} units, {targets['problems']} problems); "
        f"{'cache and sessions in Redis' if args.redis_url else 'no Redis'}; {args.clients} closed-loop clients; "
        f"{os.cpu_count()} CPUs, load generator on the same machine"
    )
    with Server(env, args) as server:
        clients = [Client(args.port) for _ in range(max(args.clients, 8))]
        for client in clients:
            client.sign_in()
        # Warm every worker process and its caches (templates, URL resolvers, connections).
        every = [(name, make) for name, (_weight, make) in endpoints.items()]
        closed_loop(clients[: args.clients], lambda rng: rng.choice(every), 3.0, args.seed)

        meter = CpuMeter(server.process.pid)
        if not args.skip_endpoints:
            alone = {}
            for name, (_weight, make) in endpoints.items():
                before = meter.read()
                samples, wall = closed_loop(
                    clients[: args.clients], lambda rng, n=name, m=make: (n, m), args.endpoint_seconds, args.seed
                )
                alone[name] = _stats(samples, wall)
                alone[name]["cpu_ms"] = CpuMeter.per_request(before, meter.read(), len(samples))
            report["endpoints_alone"] = alone
            print(f"\n1. Each endpoint alone, closed loop, {args.clients} clients, {args.endpoint_seconds:.0f} s each")
            print("   (p50 vs cheapest: its median ÷ the cheapest response's; cost: cheapest req/s ÷ its req/s)\n")
            print(table(HEADERS, _rows(alone, alone[BASELINE])))
            print("\n   CPU per request, by process, under that load (machine: every process, this run's and others')")
            print()
            print(table(["endpoint", *CPU_HEADERS], [[n, *_cpu_columns(s["cpu_ms"])] for n, s in alone.items()]))
            for name, q in queries.items():
                alone[name]["queries"] = q
            print("\n   SQL queries per request: " + ", ".join(f"{n} {q}" for n, q in queries.items()))

        before = meter.read()
        samples, wall = closed_loop(clients[: args.clients], choose_mix, args.seconds, args.seed)
        saturated = {"mix": _stats(samples, wall), **_split(samples, wall)}
        saturated["mix"]["cpu_ms"] = mix_cpu = CpuMeter.per_request(before, meter.read(), len(samples))
        report["mix_closed"] = saturated
        print(
            f"\n2. The mix, closed loop, {args.clients} clients, {args.seconds:.0f} s"
            f" (weights {report['mix_weights']})\n"
        )
        print(table(HEADERS[:8], [r[:8] for r in _rows(saturated, None)]))
        if mix_cpu:
            ours = mix_cpu["app"] + mix_cpu["postgres"] + mix_cpu["generator"]
            ceiling = (os.cpu_count() or 1) * 1000 / ours
            report["mix_closed"]["ceiling_rps"] = ceiling
            print(
                f"\n   CPU per mixed request: app {mix_cpu['app']:.1f} ms, PostgreSQL {mix_cpu['postgres']:.1f} ms,"
                f" load generator {mix_cpu['generator']:.1f} ms; the machine's busy time {mix_cpu['machine']:.1f} ms"
                f" (the rest: other processes and the kernel).\n   At these costs {os.cpu_count()} CPUs used"
                f" by nothing else would serve at most {ceiling:.0f} mixed requests/s."
            )

        samples, wall, late = open_loop(clients, choose_mix, args.rate, args.open_seconds, args.seed)
        opened = {"mix": _stats(samples, args.open_seconds), **_split(samples, args.open_seconds)}
        report["mix_open"] = {
            **opened,
            "rate": args.rate,
            "seconds": args.open_seconds,
            "generator_late_ms": late * 1000,
        }
        print(
            f"\n3. The mix, open loop at {args.rate:.0f} requests/s for {args.open_seconds:.0f} s"
            " (latency from planned arrival)\n"
        )
        print(table(HEADERS[:8], [r[:8] for r in _rows(opened, None)]))
        if late > 0.05:
            print(f"   WARNING: the load generator fell {late * 1000:.0f} ms behind its schedule at worst")

    mix_rps = saturated["mix"]["rps"]
    open_mix = opened["mix"]
    goals = {
        "mix saturated ≥ 100 req/s": mix_rps >= GOAL_MIX_RPS,
        "open loop p99 ≤ 300 ms": open_mix.get("p99_ms", 1e9) <= GOAL_OPEN_P99_MS,
        "open loop 0 errors": open_mix["errors"] == 0,
    }
    report["goals"] = goals
    print("\nGoals: " + "; ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in goals.items()))
    for phase in ("mix_closed", "mix_open"):
        kinds = report[phase]["mix"]["error_kinds"]
        if kinds:
            print(f"Errors in {phase}: {kinds}")
    out = BENCH_VAR / f"load-{args.workers}x{args.threads}{'-redis' if args.redis_url else ''}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(f"Figures written to {out}; the server's log is {BENCH_VAR / 'load-gunicorn.log'}")
    return 0
