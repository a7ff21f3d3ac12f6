"""GET /healthz: what a load balancer probes (gongjian/core/health.py)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_it_reports_database_and_storage_ok_without_a_session_or_user_query(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["storage"]) == ("ok", "ok", "ok")
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "django_session" not in sql and "accounts_user" not in sql


def test_it_answers_a_balancer_probing_with_an_unknown_host_over_plain_http(client):
    with override_settings(ALLOWED_HOSTS=["gongjian.example"], SECURE_SSL_REDIRECT=True):
        probe = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
        page = client.get("/accounts/login/", HTTP_HOST="10.0.0.5:8000")

    assert probe.status_code == 200
    assert page.status_code == 400  # every other path still refuses an unknown host


def test_it_leaves_no_probe_file_behind(client):
    client.get("/healthz")

    directories, files = default_storage.listdir("healthz") if default_storage.exists("healthz") else ([], [])
    assert files == []


def test_it_refuses_a_post(client):
    assert client.post("/healthz").status_code == 405


@override_settings(TASKS=DB_QUEUE)
def test_it_reports_queue_depth_the_oldest_waiting_job_and_the_last_worker(client):
    now = timezone.now()
    common = {"args_kwargs": {"args": [], "kwargs": {}}, "task_path": "x.y", "backend_name": "default"}
    old = DBTaskResult.objects.create(run_after=now - datetime.timedelta(minutes=5), **common)
    DBTaskResult.objects.filter(pk=old.pk).update(enqueued_at=now - datetime.timedelta(minutes=5))
    DBTaskResult.objects.create(run_after=now, **common)
    DBTaskResult.objects.create(
        run_after=now,
        status="SUCCESSFUL",
        worker_ids=["node-a-1", "node-b-2"],
        started_at=now - datetime.timedelta(seconds=30),
        **common,
    )

    tasks = client.get("/healthz").json()["tasks"]

    assert tasks["backend"] == "database"
    assert tasks["waiting"] == 2
    assert 290 <= tasks["oldest_waiting_seconds"] <= 400
    assert tasks["last_worker"] == "node-b-2"
    assert 25 <= tasks["last_worker_seen_seconds_ago"] <= 120


@override_settings(TASKS=DB_QUEUE)
def test_an_empty_queue_and_no_worker_yet_are_reported_as_such_and_do_not_fail_the_probe(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    tasks = response.json()["tasks"]
    assert (tasks["waiting"], tasks["oldest_waiting_seconds"], tasks["last_worker"]) == (0, None, None)


def test_it_is_503_when_storage_cannot_be_written(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(default_storage, "save", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["storage"] == "fail"
    assert response.json()["status"] == "fail"


def test_it_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert (body["database"], body["tasks"]) == ("fail", None)
