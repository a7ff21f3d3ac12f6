"""The Redis queue (django-tasks-rq) works: a real task enqueued through Django's task API is run by
a real ``manage.py rqworker`` process and its result read back. Needs Redis on 127.0.0.1:6379 (it
uses database 2, or ``TEST_RQ_REDIS_URL``, and empties only its own queue there); skipped with the
reason when Redis is not answering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# `make test` runs the SQLite and PostgreSQL suites side by side: each gives its own database here.
REDIS_URL = os.environ.get("TEST_RQ_REDIS_URL", "redis://127.0.0.1:6379/2")
QUEUE = "default"  # the queue tasks go to; in that Redis database, ours alone
RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [QUEUE]}}


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not redis_answers(), reason="Redis is not answering on 127.0.0.1:6379")


def test_a_task_runs_through_redis_with_a_real_rq_worker(settings, tmp_path):
    import django_rq

    from gongjian.core.jobs.tasks import ping

    settings.RQ_QUEUES = {QUEUE: {"URL": REDIS_URL}}
    settings.TASKS = RQ_TASKS
    django_rq.get_queue(QUEUE).empty()

    result = ping.enqueue("共建")
    assert result.status == "READY"

    (tmp_path / "gj_rq_worker.py").write_text(
        "from config.settings_test import *  # noqa\n"
        "INSTALLED_APPS = [*INSTALLED_APPS, 'django_rq', 'django_tasks_rq']\n"
        f"RQ_QUEUES = {{{QUEUE!r}: {{'URL': {REDIS_URL!r}}}}}\n"
        f"TASKS = {RQ_TASKS!r}\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gj_rq_worker",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
    }
    worker = subprocess.run(
        [sys.executable, "manage.py", "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", QUEUE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr

    result.refresh()
    assert result.status == "SUCCESSFUL" and result.return_value == "共建"
    assert len(result.worker_ids) == 1
