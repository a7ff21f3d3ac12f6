"""Binder jobs on Django's task API: made by a task, done only with their complete file, retried or
failed when their worker dies or the build raises; asked twice, one job; only people who may see
the unit's archive can ask for one. (Killing a real worker process: test_worker_kill.py.)"""

from __future__ import annotations

import datetime
import hashlib
import threading
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from gongjian.archives import binder, jobs, periods
from gongjian.archives.choices import JobStatus
from gongjian.archives.models import BinderJob
from gongjian.archives.tests.factories import archive_ruleset, binder_job, photo, published_template, record
from gongjian.core.audit import history_for
from gongjian.core.errors import NotPermitted
from gongjian.core.jobs import text
from gongjian.core.jobs.models import Job
from gongjian.core.jobs.recovery import jobs_recover

pytestmark = pytest.mark.django_db

YEAR = periods.parse("2026")
DEAD_PID = 2**22 + 12345  # above the default pid_max: no such process


@pytest.fixture
def filed(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场"), photo(2, "")])
    return small_city.community_a1


def stored_sha256(job) -> str:
    with job.file.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def requested(people, unit, fmt="pdf", capture=None) -> BinderJob:
    if capture is None:
        return jobs.request_binder(user=people.community_worker, unit=unit, period=YEAR, format=fmt)
    with capture(execute=True):
        made = jobs.request_binder(user=people.community_worker, unit=unit, period=YEAR, format=fmt)
    return jobs.refresh(made)


def dead_worker_job(unit, *, attempts: int) -> BinderJob:
    """A binder a worker on this machine was building when its process died."""
    return binder_job(
        unit,
        status=JobStatus.RUNNING,
        attempts=attempts,
        percent=40,
        stage="Laying out pages",
        worker_pid=DEAD_PID,
        beat_at=timezone.now(),
        started_at=timezone.now(),
    )


def test_a_binder_is_made_by_its_task_and_its_file_matches_its_sha256(
    people, filed, django_capture_on_commit_callbacks
):
    job = requested(people, filed, capture=django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE and job.progress == 100 and job.attempts == 1
    assert job.filename.endswith("-甲一社区-2026.pdf") and job.job.content_type == "application/pdf"
    assert job.file and job.size == job.file.size
    assert stored_sha256(job) == job.sha256
    assert job.finished_at is not None and not job.message
    assert job.job.task_result_id and job.job.requested_by == people.community_worker


def test_a_zip_binder_stores_a_readable_zip(people, filed, django_capture_on_commit_callbacks):
    job = requested(people, filed, "zip", capture=django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE
    with job.file.open("rb") as handle:
        assert "index.xlsx" in zipfile.ZipFile(handle).namelist()


def test_asking_twice_for_the_same_binder_while_it_is_queued_makes_one_job(people, filed):
    first = requested(people, filed)
    again = requested(people, filed)
    assert again.pk == first.pk and BinderJob.objects.count() == 1 and Job.objects.count() == 1


def test_another_format_or_a_finished_job_makes_a_new_job(people, filed, django_capture_on_commit_callbacks):
    done = requested(people, filed, capture=django_capture_on_commit_callbacks)
    assert done.status == JobStatus.DONE
    again = requested(people, filed)
    zipped = requested(people, filed, "zip")
    assert len({done.pk, again.pk, zipped.pk}) == 3


def test_the_database_refuses_a_second_active_job_with_the_same_key(people, filed):
    from django.db import IntegrityError, transaction

    first = requested(people, filed)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind="x", task_path="x", dedupe_key=first.job.dedupe_key)


def test_a_binder_whose_build_raises_is_tried_again_then_failed_with_a_message_and_no_file(
    people, filed, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("disk full")

    monkeypatch.setattr(binder, "build_pdf", broken)
    job = requested(people, filed, capture=django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED and len(calls) == 2 == job.attempts
    assert job.message == text.FAILED_MESSAGE and "disk full" not in job.message
    assert not job.file and not job.sha256 and job.size == 0


def test_a_build_that_fails_once_is_done_on_the_second_attempt(
    people, filed, monkeypatch, django_capture_on_commit_callbacks
):
    real = binder.build_pdf
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("connection reset")
        return real(*args, **kwargs)

    monkeypatch.setattr(binder, "build_pdf", flaky)
    job = requested(people, filed, capture=django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE and job.attempts == 2 and stored_sha256(job) == job.sha256


def test_a_binder_whose_worker_died_is_made_again_while_attempts_are_left(filed, django_capture_on_commit_callbacks):
    job = dead_worker_job(filed, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover() == (1, 0)
    job = jobs.refresh(job)
    assert job.status == JobStatus.DONE and job.attempts == 2 and stored_sha256(job) == job.sha256
    event = history_for(job.job).filter(action="job.recover").get()
    gone = "database session has ended" if connection.vendor == "postgresql" else f"worker process {DEAD_PID}"
    assert event.to_state == JobStatus.QUEUED and gone in event.note


def test_a_binder_whose_worker_died_at_its_last_attempt_fails_with_a_clear_message(filed):
    job = dead_worker_job(filed, attempts=2)
    assert jobs_recover() == (0, 1)
    job = jobs.refresh(job)
    assert job.status == JobStatus.FAILED and job.message == text.STOPPED_MESSAGE
    assert not job.file and job.progress < 100


def test_a_running_binder_whose_worker_lives_is_left_alone(filed):
    job = binder_job(filed, status=JobStatus.RUNNING, attempts=1, beat_at=timezone.now())
    assert jobs_recover() == (0, 0)
    assert jobs.refresh(job).status == JobStatus.RUNNING


def test_a_running_binder_silent_longer_than_the_stale_limit_is_taken_as_lost(filed, settings):
    settings.JOB_STALE_SECONDS = 60
    long_ago = timezone.now() - datetime.timedelta(seconds=61)
    job = binder_job(filed, status=JobStatus.RUNNING, attempts=2, beat_at=long_ago)
    assert jobs_recover() == (0, 1)
    assert jobs.refresh(job).status == JobStatus.FAILED


def test_a_queued_binder_never_handed_to_the_queue_is_sent_again_then_failed(filed, django_capture_on_commit_callbacks):
    job = binder_job(filed, status=JobStatus.QUEUED, attempts=1, max_attempts=1)
    Job.objects.filter(pk=job.job_id).update(updated_at=timezone.now() - datetime.timedelta(minutes=5))
    assert jobs_recover() == (0, 1)
    assert jobs.refresh(job).job.message == text.LOST_MESSAGE
    # Sending it again counts as an attempt, so a job nothing ever starts ends too.
    second = binder_job(filed, period="2025", status=JobStatus.QUEUED, max_attempts=3)
    Job.objects.filter(pk=second.job_id).update(updated_at=timezone.now() - datetime.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover() == (1, 0)
    assert jobs.refresh(second).status == JobStatus.DONE


def test_asking_for_a_binder_whose_job_is_lost_does_not_hand_back_the_dead_job(people, filed):
    dead = dead_worker_job(filed, attempts=2)
    Job.objects.filter(pk=dead.job_id).update(dedupe_key=jobs.dedupe_key(filed, YEAR, "pdf"))
    fresh = requested(people, filed)
    assert fresh.pk != dead.pk and jobs.refresh(dead).status == JobStatus.FAILED


def test_an_attempt_that_was_taken_over_keeps_nothing(filed):
    from gongjian.core.jobs.services import job_finish

    job = binder_job(filed, status=JobStatus.RUNNING, attempts=2)
    assert not job_finish(job.job, attempt=1, filename="x.pdf", content_type="application/pdf", content=b"%PDF-1.7")
    job = jobs.refresh(job)
    assert job.status == JobStatus.RUNNING and not job.file and not job.sha256


def test_the_outsider_cannot_request_a_binder(people, filed):
    with pytest.raises(NotPermitted):
        jobs.request_binder(user=people.outsider, unit=filed, period=YEAR, format="pdf")
    assert not BinderJob.objects.exists() and not Job.objects.exists()


def test_a_community_worker_cannot_request_another_communitys_binder(people, small_city):
    with pytest.raises(NotPermitted):
        jobs.request_binder(user=people.community_worker, unit=small_city.community_b1, period=YEAR, format="pdf")


def test_an_unknown_format_is_refused(people, filed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="docx")
    assert not Job.objects.exists()


def test_a_jobs_stage_is_stored_in_english_whatever_the_sites_language(
    people, filed, settings, django_capture_on_commit_callbacks
):
    from gongjian.core.jobs import services

    seen = []
    real = services.job_progress
    settings.LANGUAGE_CODE = "zh-hans"

    def spy(job_id, **kwargs):
        seen.append(kwargs["stage"])
        return real(job_id, **kwargs)

    import gongjian.core.jobs.runner as runner

    runner.services.job_progress = spy
    try:
        requested(people, filed, capture=django_capture_on_commit_callbacks)
    finally:
        runner.services.job_progress = real
    stored = [text.english(stage) for stage in seen]
    assert "Reading the records" in stored and all(s.isascii() for s in stored)


# --- two requests at the same moment (PostgreSQL) ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_the_same_moment_get_the_same_job(people, filed):
    """GIVEN two connections asking for the same binder at once WHEN both insert THEN the partial
    unique constraint makes one of them wait and hand back the other's job."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so there is no race to win")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def ask():
        try:
            barrier.wait(timeout=10)
            made = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="pdf")
            results.append(made.pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(results) == 2 and results[0] == results[1]
    assert BinderJob.objects.count() == 1 and Job.objects.count() == 1


# --- the binder command ---------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "magic"), [("pdf", b"%PDF"), ("zip", b"PK\x03\x04")])
def test_the_binder_command_writes_the_file(filed, tmp_path, capsys, fmt, magic):
    out = tmp_path / f"binder.{fmt}"
    call_command("binder", unit=str(filed.pk), period="2026", format=fmt, output=str(out))
    assert out.read_bytes().startswith(magic)
    printed = capsys.readouterr().out
    assert "MB" in printed and " s" in printed
    if fmt == "pdf":
        assert "pages" in printed


def test_the_binder_command_refuses_a_bad_period_clearly(filed, tmp_path, english):
    with pytest.raises(CommandError, match=r"Not a period: '2026-13'"):
        call_command("binder", unit=str(filed.pk), period="2026-13", output=str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_the_binder_command_refuses_an_unknown_unit(db, tmp_path, english):
    with pytest.raises(CommandError, match="No unit"):
        call_command("binder", unit="999999", period="2026", output=str(tmp_path / "x.pdf"))


# --- collection and verification as jobs ----------------------------------------------------------


def test_the_city_office_verifies_the_archive_in_the_background(people, filed, django_capture_on_commit_callbacks):
    from django.test import Client

    client = Client()
    client.force_login(people.city_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/archives/upkeep/verify/")
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    job = Job.objects.get(kind="archives.verify")
    assert job.status == JobStatus.DONE and job.result["ok"] is True and job.result["records"] >= 1
    state = client.get(f"{response['Location']}status/").json()
    assert state["summary"] and state["summary"] != job.result["summary"]  # shown in Chinese
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/archives/upkeep/collect/").status_code == 302
    assert Job.objects.get(kind="archives.collect").status == JobStatus.DONE
    worker = Client()
    worker.force_login(people.community_worker)
    assert worker.post("/archives/upkeep/verify/").status_code == 403
    assert worker.get(f"{response['Location']}status/").status_code == 404
    assert client.post("/archives/upkeep/nothing/").status_code == 404


def test_the_commands_can_queue_collection_and_verification(filed, capsys):
    call_command("verify_archive", "--background")
    call_command("collect_evidence", "--background")
    assert capsys.readouterr().out.count("queued as job") == 2
    assert set(Job.objects.values_list("kind", flat=True)) == {"archives.verify", "archives.collect"}
