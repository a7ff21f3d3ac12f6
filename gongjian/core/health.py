"""``GET /healthz`` for a load balancer: is this node able to serve?

It answers from a middleware placed before Django's host check, the HTTPS redirect, sessions and
users, so a balancer probing ``http://10.0.0.5:8000/healthz`` (its own Host header, plain HTTP, no
cookie) gets the answer rather than a 400 for an unknown host or a redirect; it costs no session
or user query. The body says nothing secret (no versions, paths or hosts).

* ``database``: ``SELECT 1`` on the default database;
* ``storage``: a tiny probe file written and deleted through ``default_storage`` (local disk or
  object storage alike);
* ``tasks`` (database queue only): jobs waiting to run, the age in seconds of the oldest of them,
  and the last worker seen (the worker id and start time of the most recently started job).

HTTP 200 when the database and storage work, 503 otherwise (the balancer takes the node out).
A long queue or an absent worker does not fail the probe — the web node can still serve — but is
reported for monitoring.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Count, Min
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils import timezone

HEALTH_PATH = "/healthz"
PROBE_DIR = "healthz"

logger = logging.getLogger("gongjian.health")


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != HEALTH_PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return healthz()


def healthz() -> JsonResponse:
    report = {"database": _check_database(), "storage": _check_storage()}
    report["tasks"] = _task_queue() if report["database"] == "ok" else None
    healthy = report["database"] == "ok" and report["storage"] == "ok"
    report["status"] = "ok" if healthy else "fail"
    response = JsonResponse(report, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not ok"; the log says which
        logger.exception("Health check: the database does not answer")
        return "fail"
    return "ok"


def _check_storage() -> str:
    name = f"{PROBE_DIR}/probe-{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        default_storage.delete(saved)
    except Exception:
        logger.exception("Health check: the file storage cannot be written")
        return "fail"
    return "ok"


def _task_queue() -> dict:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend != "django_tasks_db.DatabaseBackend":
        return {"backend": backend.rsplit(".", 1)[-1]}
    from django_tasks_db.models import DBTaskResult

    try:
        waiting = DBTaskResult.objects.ready().aggregate(count=Count("id"), oldest=Min("enqueued_at"))
        last = (
            DBTaskResult.objects.filter(started_at__isnull=False)
            .order_by("-started_at")
            .values("worker_ids", "started_at")
            .first()
        )
    except Exception:
        logger.exception("Health check: the task queue cannot be read")
        return {"backend": "database", "error": "unreadable"}
    now = timezone.now()
    oldest = waiting["oldest"]
    return {
        "backend": "database",
        "waiting": waiting["count"],
        "oldest_waiting_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
        "last_worker": (last["worker_ids"] or [None])[-1] if last else None,
        "last_worker_seen": last["started_at"].isoformat() if last else None,
        "last_worker_seen_seconds_ago": round((now - last["started_at"]).total_seconds(), 1) if last else None,
    }
