"""Is the worker running a job still alive? django-tasks-db records which worker claimed a task
(``worker_ids``) but keeps no sign of life: a worker killed mid-task leaves its row RUNNING for
ever. So the runner leaves two marks that vanish with the worker (docs/decisions/0007-lost-jobs.md):

- on PostgreSQL, a session-level advisory lock on the job, held by the worker's database session
  while it runs the job; PostgreSQL drops it when the session ends (the process died or its
  machine went away), so ``pg_try_advisory_lock`` succeeding means the worker is gone;
- everywhere, the worker's host name and process id: on the same host a dead process is gone.

A worker that lives but hangs is caught by ``JOB_STALE_SECONDS`` without a sign of life instead
(recovery.py)."""

from __future__ import annotations

import os
import socket

from django.db import connection

HOST = socket.gethostname()[:255]
_NAMESPACE = 0x676A6A62  # "gjjb": keeps our advisory locks apart from anyone else's


def _key(job_id: int) -> int:
    return (_NAMESPACE << 24) ^ int(job_id)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def hold(job_id: int) -> bool:
    """Mark this process as the one running ``job_id``; False when another live session holds it."""
    if not _postgres():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(job_id)])
        return bool(cursor.fetchone()[0])


def release(job_id: int) -> None:
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(job_id)])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def gone(job) -> str:
    """Why the worker of a running job is known to be gone ("" when it may be alive)."""
    if job.worker_host == HOST and job.worker_pid == os.getpid():
        return ""  # this very process runs it (the immediate backend)
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(job.pk)])
            free = bool(cursor.fetchone()[0])
            if free:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(job.pk)])
        if free:
            return "its worker's database session has ended"
        return ""
    if job.worker_pid and job.worker_host == HOST and not pid_alive(job.worker_pid):
        return f"its worker process {job.worker_pid} on {job.worker_host} has ended"
    return ""
