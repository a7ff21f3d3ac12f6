"""Several nodes, proven on one machine (issue 11, point 5; `make multinode`, called by `make test`).

Starts, all on loopback: a local S3 server (moto), two app nodes (gunicorn) on PostgreSQL sharing
that bucket and — when it answers — Redis for cache and sessions, and two task workers
(`manage.py db_worker`). Then, as a browser would (session cookie, CSRF token):

1. a community worker asks node A for a binder; whichever worker claims it builds it; node B serves
   the download, byte-identical to node A's and to the SHA-256 the job recorded;
2. a second binder: the worker building it is killed (SIGKILL) mid-build; node B's status page
   notices the dead worker (its PostgreSQL advisory lock is gone) and the other worker builds it
   again — or the job fails with its message; it is never "done" with a broken file;
3. five wrong passwords for one account, three through node A and two through node B, lock the
   account on node A: the count is shared.

Prints what it did and why it skipped anything; exits non-zero when a check fails. Uses its own
database (gj_multinode, dropped at the end) and Redis database 9 (MULTINODE_DB_NAME and
MULTINODE_REDIS_DB change them).
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
# Overridable so that two checkouts can run `make test` on one machine without sharing them.
DB_NAME = os.environ.get("MULTINODE_DB_NAME", "gj_multinode")
REDIS_DB = int(os.environ.get("MULTINODE_REDIS_DB", "9"))
PASSWORD = "gongjian-demo"  # the demo accounts' password (gongjian/demo/city.py)


class CheckFailed(Exception):
    pass


def say(text: str) -> None:
    print(f"multinode: {text}", flush=True)


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


class Processes:
    """Every process this check starts; all are stopped at the end, whatever happened."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.started[name] = process
        return process

    def stop_all(self) -> None:
        for process in self.started.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 20
        for process in self.started.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def wait_until(what: str, probe, timeout: float, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}")


def http_ok(url: str) -> bool:
    import requests

    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


def manage(args: list[str], env: dict, timeout: float = 900) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise CheckFailed(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


class Browser:
    """A requests session that signs in and posts forms the way a browser does (CSRF cookie + field).
    Cookies are not bound to a port, so the same session is sent to both nodes."""

    def __init__(self):
        import requests

        self.session = requests.Session()

    def csrf_from(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not match:
            raise CheckFailed("no CSRF token in the page")
        return match.group(1)

    def login(self, base: str, username: str, password: str):
        page = self.session.get(f"{base}/accounts/login/", timeout=30)
        token = self.csrf_from(page.text)
        return self.session.post(
            f"{base}/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
            headers={"Referer": f"{base}/accounts/login/"},
            allow_redirects=False,
            timeout=60,
        )

    def post_form(self, base: str, page_path: str, action_path: str, data: dict):
        page = self.session.get(f"{base}{page_path}", timeout=60)
        if page.status_code != 200:
            raise CheckFailed(f"GET {page_path} on {base}: {page.status_code}")
        data = {"csrfmiddlewaretoken": self.csrf_from(page.text), **data}
        return self.session.post(
            f"{base}{action_path}",
            data=data,
            headers={"Referer": f"{base}{page_path}"},
            allow_redirects=False,
            timeout=60,
        )


def job_row(db_url: str, job_id: int) -> dict:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT status, attempts, worker_pid, sha256, size FROM core_job WHERE id = %s", [job_id]
        ).fetchone()
    return dict(zip(("status", "attempts", "worker_pid", "sha256", "size"), row, strict=True))


def binder_job_id(db_url: str, binder_id: int) -> int:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        return conn.execute("SELECT job_id FROM archives_binderjob WHERE id = %s", [binder_id]).fetchone()[0]


def request_binder(browser: Browser, node: str, unit_id: int, period: str) -> int:
    response = browser.post_form(
        node, f"/archives/{unit_id}/", f"/archives/{unit_id}/binders/", {"format": "pdf", "period": period}
    )
    location = response.headers.get("Location", "")
    match = re.search(r"/archives/binders/(\d+)/", location)
    if response.status_code != 302 or not match:
        raise CheckFailed(f"binder request on {node}: {response.status_code} → {location!r}")
    return int(match.group(1))


def status(browser: Browser, node: str, binder_id: int) -> dict:
    response = browser.session.get(f"{node}/archives/binders/{binder_id}/status/", timeout=60)
    if response.status_code != 200:
        raise CheckFailed(f"binder status on {node}: {response.status_code}")
    return response.json()


def download(browser: Browser, node: str, binder_id: int) -> bytes:
    response = browser.session.get(f"{node}/archives/binders/{binder_id}/download/", timeout=120)
    if response.status_code != 200:
        raise CheckFailed(f"binder download on {node}: {response.status_code}")
    return response.content


def check_pdf(content: bytes, job: dict, where: str) -> None:
    if not content.startswith(b"%PDF-") or b"%%EOF" not in content[-1024:]:
        raise CheckFailed(f"{where}: the downloaded file is not a whole PDF")
    if hashlib.sha256(content).hexdigest() != job["sha256"] or len(content) != job["size"]:
        raise CheckFailed(f"{where}: the download differs from the SHA-256/size the job recorded")


def main() -> int:
    import psycopg

    base_url = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    try:
        with psycopg.connect(with_database(base_url, "postgres"), autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    except psycopg.Error as error:
        say(f"SKIPPED: PostgreSQL at {base_url} is not reachable ({error.__class__.__name__}); several nodes need it.")
        return 0
    db_url = with_database(base_url, DB_NAME)

    logs = Path(tempfile.mkdtemp(prefix="gongjian-multinode-"))
    processes = Processes(logs)
    try:
        # --- shared services: S3 (moto), Redis when it answers ---------------------------------
        s3_port = free_port()
        processes.start("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)], dict(os.environ))
        s3_url = f"http://127.0.0.1:{s3_port}"
        try:
            wait_until("the local S3 server", lambda: http_ok(s3_url), 30)
        except CheckFailed:
            say(f"SKIPPED: the local S3 server (moto) did not start:\n{processes.tail('s3')}")
            return 0
        import boto3

        boto3.client(
            "s3", endpoint_url=s3_url, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
        ).create_bucket(Bucket="gongjian")

        redis_url = ""
        try:
            import redis

            redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}", socket_connect_timeout=2).flushdb()
            redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
        except Exception as error:  # any reason Redis cannot be used means: run without it
            say(
                f"Redis not reachable ({error.__class__.__name__}): each node keeps its cache in memory; "
                "sessions and the lockout count are still shared through the database."
            )

        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
        } | {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": db_url,
            "DEBUG": "0",
            "SECRET_KEY": "multinode-check-only-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "ID_NUMBER_KEY": "Z29uZ2ppYW4tdGVzdHMtb25seS1pZC1rZXktMDAwMDA=",
            "SECURE_COOKIES": "0",
            "STATIC_ROOT": str(logs / "static"),
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": "gongjian",
            "S3_ENDPOINT_URL": s3_url,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "multinode",
            "S3_SECRET_ACCESS_KEY": "multinode",
            "S3_ADDRESSING_STYLE": "path",
            "TASK_BACKEND": "database",
            "REDIS_URL": redis_url,
            "LOGIN_FAILURE_LIMIT": "5",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "2",
        }

        # --- one database, then two nodes and two workers on it -----------------------------------
        started = time.monotonic()
        manage(["migrate", "--noinput", "-v0"], env)
        manage(["collectstatic", "--noinput", "-v0"], env)
        manage(["demo"], env)
        say(f"database {DB_NAME} migrated and the demo city loaded in {time.monotonic() - started:.0f} s")
        unit_id = int(
            manage(
                [
                    "shell",
                    "-c",
                    "from gongjian.accounts.models import Membership as M;"
                    "print(M.objects.filter(user__username='community1').values_list('unit_id', flat=True).first())",
                ],
                env,
            ).split()[-1]  # the last word: Django's shell may print a banner first
        )

        nodes = {}
        for name in ("A", "B"):
            port = free_port()
            processes.start(
                f"node-{name}",
                [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
                env,
            )
            nodes[name] = f"http://127.0.0.1:{port}"
        for name, node in nodes.items():
            wait_until(f"node {name}", lambda node=node: http_ok(f"{node}/healthz"), 60)
        workers = {
            name: processes.start(
                f"worker-{name}", [PY, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"], env
            )
            for name in ("1", "2")
        }
        say(f"node A {nodes['A']}, node B {nodes['B']}, workers pid {[w.pid for w in workers.values()]}, S3 {s3_url}")

        # --- 1. a binder asked on A, built by either worker, downloaded on B ----------------------
        browser = Browser()
        if browser.login(nodes["A"], "community1", PASSWORD).status_code != 302:
            raise CheckFailed("community1 could not sign in on node A")
        year = time.strftime("%Y")
        first = request_binder(browser, nodes["A"], unit_id, year)
        state = wait_until(
            "the first binder",
            lambda: (s := status(browser, nodes["B"], first))["status"] in ("done", "failed") and s,
            300,
            0.5,
        )
        if state["status"] != "done":
            raise CheckFailed(f"the first binder failed: {state['message']}")
        job = job_row(db_url, binder_job_id(db_url, first))
        builder = next((n for n, w in workers.items() if w.pid == job["worker_pid"]), "?")
        from_b, from_a = download(browser, nodes["B"], first), download(browser, nodes["A"], first)
        if from_a != from_b:
            raise CheckFailed("node A and node B serve different bytes for the same binder")
        check_pdf(from_b, job, "first binder")
        say(
            f"1. binder asked on A, built by worker {builder}, downloaded on B: {len(from_b):,} bytes, "
            "identical on A and B and to the job's SHA-256 — ok"
        )

        # --- 2. the worker building the second binder is killed -----------------------------------
        second = request_binder(browser, nodes["A"], unit_id, year)
        second_job = binder_job_id(db_url, second)
        pids = {w.pid: n for n, w in workers.items()}
        running = wait_until(
            "the second binder to be claimed",
            lambda: (r := job_row(db_url, second_job))["status"] in ("running", "done", "failed") and r,
            120,
            0.05,
        )
        if running["status"] != "running" or running["worker_pid"] not in pids:
            raise CheckFailed(f"could not catch the second binder while it was being built: {running}")
        victim = pids[running["worker_pid"]]
        os.kill(running["worker_pid"], signal.SIGKILL)
        workers[victim].wait()
        say(f"2. worker {victim} (pid {running['worker_pid']}) killed while building the second binder")
        state = wait_until(
            "the second binder to end",
            lambda: (s := status(browser, nodes["B"], second))["status"] in ("done", "failed") and s,
            300,
            0.5,
        )
        after = job_row(db_url, second_job)
        if state["status"] == "done":
            survivor = pids.get(after["worker_pid"], "?")
            check_pdf(download(browser, nodes["B"], second), after, "second binder")
            say(
                f"   node B saw the worker gone; worker {survivor} built it again (attempt {after['attempts']}); "
                "the download is a whole PDF matching its SHA-256 — ok"
            )
        else:
            if after["size"] or after["sha256"]:
                raise CheckFailed("the failed second binder kept a file")
            say(f"   the job failed cleanly with no file: {state['message']} — ok")

        # --- 3. one lockout counted across both nodes ---------------------------------------------
        intruder = Browser()
        for node in (nodes["A"], nodes["A"], nodes["A"], nodes["B"], nodes["B"]):
            intruder.login(node, "street1", "wrong-password")
        locked = intruder.login(nodes["A"], "street1", PASSWORD)
        if locked.status_code != 429:
            raise CheckFailed(f"five failures across A and B did not lock street1 on A (got {locked.status_code})")
        say("3. three wrong passwords on A and two on B lock the account on A (429) — ok")

        health = browser.session.get(f"{nodes['B']}/healthz", timeout=10).json()
        say(f"node B /healthz: {health}")
        print("multinode: 3 passed, 0 failed", flush=True)
        return 0
    except CheckFailed as failure:
        say(f"FAILED: {failure}")
        print("multinode: 0 passed, 1 failed", flush=True)
        for name in processes.started:
            print(f"--- last lines of {name} ---\n{processes.tail(name)}", flush=True)
        return 1
    finally:
        processes.stop_all()
        with psycopg.connect(with_database(base_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
