"""Request ids (gongjian/core/request_id.py), JSON logs (logs.py) and request ids carried into
background jobs (task_context.py)."""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django_tasks import task

from gongjian.core.logs import JsonFormatter
from gongjian.core.models import TaskOrigin
from gongjian.core.request_id import RequestIdLogFilter, request_id_from, request_id_var

pytestmark = pytest.mark.django_db

job_logger = logging.getLogger("gongjian.tests.job")


@task()
def log_from_a_job(word: str) -> str:
    job_logger.info("the job says %s", word)
    return word


class Collect(logging.Handler):
    def __init__(self, formatter=None):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []
        self.addFilter(RequestIdLogFilter())
        if formatter:
            self.setFormatter(formatter)

    def emit(self, record):
        self.records.append(record)
        self.lines.append(self.format(record))


@contextmanager
def collected_logs(formatter=None):
    handler = Collect(formatter)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("3f2a9c1e-5b7d-4e2f-9a1b-2c3d4e5f6a7b", True),
        ("nginx.0123456789abcdef", True),
        ("", False),
        ("two words", False),
        ("line\nbreak", False),
        ('quote"d', False),
        ("x" * 129, False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_well_formed(incoming, kept):
    result = request_id_from(incoming)

    assert (result == incoming) is kept
    assert 1 <= len(result) <= 128


def test_each_response_carries_the_request_id_it_was_given(client):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-42-abc")

    assert response["X-Request-ID"] == "lb-42-abc"


def test_a_request_without_an_id_gets_a_new_one_each_time(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]

    assert len(first) == 32 and first != second


def test_a_forged_id_is_replaced_not_echoed(client):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="evil\r\nSet-Cookie: x=1")

    assert "evil" not in response["X-Request-ID"]


def test_every_log_line_of_a_request_carries_its_id_and_the_request_line_names_the_user(client, people):
    client.force_login(people.street_officer)
    with collected_logs() as logs:
        client.get("/problems/", HTTP_X_REQUEST_ID="req-lines-1")

    request_lines = [r for r in logs.records if r.name == "gongjian.request"]
    assert len(request_lines) == 1
    line = request_lines[0]
    assert (line.request_id, line.method, line.path, line.status) == ("req-lines-1", "GET", "/problems/", 200)
    assert line.user_id == people.street_officer.pk
    assert line.duration_ms >= 0
    assert all(r.request_id == "req-lines-1" for r in logs.records if r.name.startswith("gongjian"))


def test_outside_a_request_lines_carry_a_dash():
    with collected_logs() as logs:
        logging.getLogger("gongjian.tests").warning("no request here")

    assert logs.records[-1].request_id == "-"


def test_json_lines_are_one_object_each_with_the_request_id_and_the_extra_fields(client):
    with collected_logs(JsonFormatter()) as logs:
        client.get("/accounts/login/", HTTP_X_REQUEST_ID="json-1")
        try:
            raise ValueError("broken 世界")
        except ValueError:
            logging.getLogger("gongjian.tests").exception("failed once")

    entries = [json.loads(line) for line in logs.lines]
    request_line = next(e for e in entries if e["logger"] == "gongjian.request")
    assert request_line["request_id"] == "json-1"
    assert (request_line["method"], request_line["path"], request_line["status"]) == ("GET", "/accounts/login/", 200)
    assert request_line["level"] == "INFO" and request_line["time"].endswith("+00:00")
    failure = entries[-1]
    assert failure["message"] == "failed once"
    assert "ValueError: broken 世界" in failure["exc_info"]
    assert "task_id" not in failure


def test_json_logs_are_chosen_by_LOG_FORMAT(monkeypatch):
    import importlib

    import config.settings as settings_module

    monkeypatch.setenv("LOG_FORMAT", "json")
    try:
        reloaded = importlib.reload(settings_module)
        assert reloaded.LOGGING["handlers"]["console"]["formatter"] == "json"
        monkeypatch.setenv("LOG_FORMAT", "xml")
        with pytest.raises(Exception, match="LOG_FORMAT"):
            importlib.reload(settings_module)
    finally:
        monkeypatch.delenv("LOG_FORMAT")
        importlib.reload(settings_module)


# A transactional test: the worker checks its connection between jobs as a real one does, and on
# PostgreSQL would close the connection of a test wrapped in a transaction.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_a_job_on_the_database_queue_logs_with_the_id_of_the_request_that_enqueued_it():
    """GIVEN a job enqueued during request "req-job-7"
    WHEN a worker runs it later, outside any request
    THEN the job's log lines carry request id "req-job-7" and the job's id, and the context is
    cleared afterwards."""
    token = request_id_var.set("req-job-7")
    try:
        result = log_from_a_job.enqueue("hello")
    finally:
        request_id_var.reset(token)
    assert TaskOrigin.objects.get(task_id=result.id).request_id == "req-job-7"

    with collected_logs() as logs:
        call_command("db_worker", "--batch", "--no-reload", "--interval", "0.1", verbosity=0)

    job_line = next(r for r in logs.records if r.name == "gongjian.tests.job")
    assert job_line.getMessage() == "the job says hello"
    assert (job_line.request_id, job_line.task_id) == ("req-job-7", str(result.id))
    assert request_id_var.get() == ""
    assert log_from_a_job.get_result(result.id).status == "SUCCESSFUL"


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_a_job_enqueued_outside_a_request_stores_no_origin():
    result = log_from_a_job.enqueue("cron")

    assert not TaskOrigin.objects.filter(task_id=result.id).exists()


def test_with_the_immediate_backend_the_job_logs_inside_the_request_with_its_id():
    token = request_id_var.set("req-now-3")
    try:
        with collected_logs() as logs:
            log_from_a_job.enqueue("now")
    finally:
        request_id_var.reset(token)

    job_line = next(r for r in logs.records if r.name == "gongjian.tests.job")
    assert job_line.request_id == "req-now-3" and job_line.task_id
    assert TaskOrigin.objects.count() == 0
