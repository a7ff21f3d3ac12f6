"""`make demo`'s last step (scripts/demo-serve.sh): the web server and one task worker start
together and both stop on Ctrl-C. Real processes on a throw-away SQLite database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid: int) -> dict[int, str]:
    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(line.split(None, 1)[0]): line.split(None, 1)[1] for line in out.splitlines() if line.strip()}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for_health(url: str, deadline: float) -> dict:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.skipif(sys.platform != "linux", reason="uses ps and process groups")
def test_the_demo_serves_with_a_worker_and_ctrl_c_stops_both(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")},
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PORT": str(free_port()),
        "PY": sys.executable,
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    script = subprocess.Popen(
        ["bash", "scripts/demo-serve.sh"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    try:
        health = wait_for_health(f"http://127.0.0.1:{env['PORT']}/healthz", time.monotonic() + 60)
        running = children_of(script.pid)

        assert health["status"] == "ok" and health["tasks"]["backend"] == "database"
        assert any("db_worker --no-reload" in c for c in running.values()), running
        assert any("runserver" in c for c in running.values()), running

        os.killpg(script.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        script.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in running) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in running)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/healthz", timeout=2)
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait()
