"""Background jobs (gongjian.core.jobs): a task body reports progress and returns a file or a
summary; errors are retried up to the job's limit, refusals are not; the job's page, state and file
are for its requester (and, when the job names a permission, those holding it at its unit) —
anyone else gets a 404."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django_tasks import task

from gongjian.core.exporters import ExportResult
from gongjian.core.jobs import text
from gongjian.core.jobs.models import Job, JobStatus
from gongjian.core.jobs.runner import JobRefused, run_job
from gongjian.core.jobs.services import job_request

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


def _file(job, progress):
    progress(50, "Writing the file")
    return ExportResult(filename="名单.xlsx", content_type="application/octet-stream", content=b"rows" * 100)


def _summary(job, progress):
    return {"summary": text.fill(text.STORING)}


def _flaky(job, progress):
    CALLS.append("flaky")
    if len(CALLS) == 1:
        raise OSError("network blip")
    return None


def _broken(job, progress):
    CALLS.append("broken")
    raise RuntimeError("bug")


def _refused(job, progress):
    CALLS.append("refused")
    raise JobRefused(text.LOST_MESSAGE)


BODIES = {"file": _file, "summary": _summary, "flaky": _flaky, "broken": _broken, "refused": _refused}


@task(takes_context=True)
def body_task(context, job_id: int) -> dict:
    return run_job(context, job_id, BODIES[Job.objects.get(pk=job_id).params["body"]])


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()


def ran(user, body: str, capture, **fields) -> Job:
    with capture(execute=True):
        job, created = job_request(task=body_task, kind="test", user=user, params={"body": body}, **fields)
    assert created
    job.refresh_from_db()
    return job


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_body_that_returns_a_file_makes_a_done_job_with_its_size_and_sha256(
    people, django_capture_on_commit_callbacks
):
    job = ran(people.city_admin, "file", django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE and job.percent == 100 and job.attempts == 1
    with job.file.open("rb") as handle:
        content = handle.read()
    assert content == b"rows" * 100 and job.size == 400 and job.sha256 == hashlib.sha256(content).hexdigest()
    assert job.filename == "名单.xlsx" and job.task_result_id


def test_a_failing_body_is_retried_until_the_limit_then_failed_with_a_message(
    people, django_capture_on_commit_callbacks
):
    job = ran(people.city_admin, "broken", django_capture_on_commit_callbacks, max_attempts=3)
    assert CALLS == ["broken"] * 3 and job.attempts == 3
    assert job.status == JobStatus.FAILED and job.message == text.FAILED_MESSAGE and not job.file


def test_a_body_that_fails_once_is_done_on_its_retry(people, django_capture_on_commit_callbacks):
    job = ran(people.city_admin, "flaky", django_capture_on_commit_callbacks)
    assert CALLS == ["flaky", "flaky"] and job.status == JobStatus.DONE and job.attempts == 2


def test_a_refusal_fails_at_once_with_its_own_message(people, django_capture_on_commit_callbacks):
    job = ran(people.city_admin, "refused", django_capture_on_commit_callbacks)
    assert CALLS == ["refused"] and job.status == JobStatus.FAILED and job.message == text.LOST_MESSAGE


def test_a_job_the_backend_cannot_take_fails_with_a_message(people, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    def refuse(*args, **kwargs):
        raise ConnectionError("Redis is down")

    import django_tasks.backends.dummy as dummy

    original = dummy.DummyBackend.enqueue
    dummy.DummyBackend.enqueue = refuse
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job, _ = job_request(task=body_task, kind="test", user=people.city_admin, params={"body": "file"})
    finally:
        dummy.DummyBackend.enqueue = original
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message == text.QUEUE_FAILED_MESSAGE


def test_the_requester_follows_the_job_and_downloads_its_file(people, django_capture_on_commit_callbacks):
    job = ran(people.city_admin, "file", django_capture_on_commit_callbacks)
    client = signed_in(people.city_admin)
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and f'data-status-url="/jobs/{job.pk}/status/"'.encode() in page.content
    state = client.get(f"/jobs/{job.pk}/status/").json()
    assert (
        state["status"] == "done" and state["progress"] == 100 and state["download_url"] == f"/jobs/{job.pk}/download/"
    )
    download = client.get(state["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"rows" * 100
    assert download["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("url", ["/jobs/{pk}/", "/jobs/{pk}/status/", "/jobs/{pk}/download/"])
def test_anyone_but_the_requester_gets_not_found(people, url, django_capture_on_commit_callbacks):
    job = ran(people.city_admin, "file", django_capture_on_commit_callbacks)
    for stranger in (people.outsider, people.community_worker, people.city_leader):
        assert signed_in(stranger).get(url.format(pk=job.pk)).status_code == 404
    assert Client().get(url.format(pk=job.pk)).status_code == 302  # to the sign-in page
    assert signed_in(people.city_admin).get(url.format(pk=999999)).status_code == 404


def test_a_job_naming_a_permission_is_seen_by_holders_at_its_unit_only(
    people, small_city, django_capture_on_commit_callbacks
):
    job = ran(
        people.community_worker,
        "file",
        django_capture_on_commit_callbacks,
        unit=small_city.community_a1,
        perm="archive.view",
    )
    assert signed_in(people.street_officer).get(f"/jobs/{job.pk}/status/").status_code == 200
    from gongjian.accounts.choices import Role
    from gongjian.testing.factories import user_with_role

    other = user_with_role(Role.COMMUNITY_WORKER, unit=small_city.community_b1)
    assert signed_in(other).get(f"/jobs/{job.pk}/status/").status_code == 404
    assert signed_in(people.outsider).get(f"/jobs/{job.pk}/status/").status_code == 404


def test_a_summary_is_shown_in_the_readers_language(people, django_capture_on_commit_callbacks):
    from django.utils import translation

    job = ran(people.city_admin, "summary", django_capture_on_commit_callbacks)
    state = signed_in(people.city_admin).get(f"/jobs/{job.pk}/status/").json()
    with translation.override("zh-hans"):
        assert state["summary"] == translation.gettext(text.STORING) != text.STORING


def test_the_recover_jobs_command_reports_what_it_did(db, capsys):
    from django.core.management import call_command

    call_command("recover_jobs")
    assert "jobs retried: 0  jobs failed: 0" in capsys.readouterr().out


def test_the_city_office_sees_jobs_read_only_in_the_admin(people, django_capture_on_commit_callbacks):
    job = ran(people.city_admin, "file", django_capture_on_commit_callbacks)
    admin = signed_in(people.city_admin)
    listing = admin.get("/admin/core/job/")
    assert listing.status_code == 200 and f"/admin/core/job/{job.pk}/change/".encode() in listing.content
    assert admin.get("/admin/core/job/add/").status_code == 403
    assert signed_in(people.outsider).get("/admin/core/job/").status_code == 302
