"""Binder jobs: made in the background, retried or failed when their worker stops, never shown done
without a complete file; only people who may see the unit's archive can ask for one."""

from __future__ import annotations

import datetime
import hashlib
import time
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gongjian.archives import jobs, periods
from gongjian.archives.choices import JobStatus
from gongjian.archives.models import BinderJob
from gongjian.archives.tests.factories import archive_ruleset, photo, published_template, record
from gongjian.core.errors import NotPermitted

pytestmark = pytest.mark.django_db

YEAR = periods.parse("2026")


@pytest.fixture
def filed(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场"), photo(2, "")])
    return small_city.community_a1


def stored_sha256(job: BinderJob) -> str:
    with job.file.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def running_job(unit, *, attempts: int, heartbeat_age: int) -> BinderJob:
    """A job a worker claimed and then stopped beating for ``heartbeat_age`` seconds."""
    beat = timezone.now() - datetime.timedelta(seconds=heartbeat_age)
    return BinderJob.objects.create(
        unit=unit,
        period_kind=YEAR.kind,
        period_start=YEAR.start,
        status=JobStatus.RUNNING,
        attempts=attempts,
        progress=40,
        stage="Laying out pages",
        started_at=beat,
        heartbeat_at=beat,
    )


def test_the_inline_runner_makes_a_done_job_whose_file_matches_its_sha256(
    people, filed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="pdf")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress == 100 and job.attempts == 1
    assert job.filename.endswith("-甲一社区-2026.pdf")
    assert job.file and job.size == job.file.size
    assert stored_sha256(job) == job.sha256
    assert job.finished_at is not None and not job.message


def test_a_zip_job_stores_a_readable_zip(people, filed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.request_binder(user=people.street_officer, unit=filed, period=YEAR, format="zip")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    with job.file.open("rb") as handle:
        assert "index.xlsx" in zipfile.ZipFile(handle).namelist()


def test_asking_twice_for_the_same_binder_while_it_is_queued_makes_one_job(people, filed):
    first = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="pdf")
    again = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="pdf")
    assert again.pk == first.pk and BinderJob.objects.count() == 1


def test_a_job_whose_build_raises_is_failed_with_a_message_and_no_file(
    people, filed, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setitem(jobs.BUILDERS, "pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="pdf")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == str(jobs.FAILED_MESSAGE) and "disk full" not in job.message
    assert not job.file and not job.sha256 and job.size == 0


@pytest.mark.parametrize(("attempts", "expected"), [(1, JobStatus.QUEUED), (2, JobStatus.FAILED)])
def test_a_running_job_with_an_old_heartbeat_is_requeued_while_attempts_are_left_else_failed(
    filed, settings, attempts, expected
):
    settings.BINDER_MAX_ATTEMPTS = 2
    job = running_job(filed, attempts=attempts, heartbeat_age=settings.BINDER_STALE_SECONDS + 5)
    retried, failed = jobs.reap_stale()
    job.refresh_from_db()
    assert job.status == expected and job.status != JobStatus.DONE
    assert (retried, failed) == ((1, 0) if expected == JobStatus.QUEUED else (0, 1))
    assert not job.file and job.message
    if expected == JobStatus.FAILED:
        assert job.message == str(jobs.STOPPED_MESSAGE)


def test_a_running_job_that_still_beats_is_left_alone(filed, settings):
    job = running_job(filed, attempts=1, heartbeat_age=settings.BINDER_STALE_SECONDS - 30)
    assert jobs.reap_stale() == (0, 0)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.progress == 40


def test_a_worker_killed_mid_build_shows_as_retried_then_failed_never_done(people, filed, settings):
    """GIVEN a queued job a worker claimed, reported 40 % and then died (its heartbeat stops),
    WHEN the job is shown again (refresh), THEN it is queued for a retry; killed again, it fails."""
    settings.BINDER_RUNNER = "worker"
    settings.BINDER_MAX_ATTEMPTS = 2
    job = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="pdf")
    old = timezone.now() - datetime.timedelta(seconds=settings.BINDER_STALE_SECONDS + 1)
    for expected in (JobStatus.QUEUED, JobStatus.FAILED):
        assert jobs.claim(job.pk)
        BinderJob.objects.filter(pk=job.pk).update(progress=40, heartbeat_at=old)
        job = jobs.refresh(job)
        assert job.status == expected and not job.file and job.message
    assert job.attempts == 2 and job.message == str(jobs.STOPPED_MESSAGE)


def test_a_retried_job_is_made_by_the_worker_with_a_complete_file(people, filed, settings):
    settings.BINDER_RUNNER = "worker"
    job = running_job(filed, attempts=1, heartbeat_age=settings.BINDER_STALE_SECONDS + 5)
    made = jobs.run_worker(once=True)
    job.refresh_from_db()
    assert made == 1 and job.status == JobStatus.DONE and job.attempts == 2
    assert stored_sha256(job) == job.sha256


def test_a_worker_presumed_dead_cannot_overwrite_the_attempt_that_took_over(filed, settings):
    job = running_job(filed, attempts=1, heartbeat_age=settings.BINDER_STALE_SECONDS + 5)
    jobs.reap_stale()
    assert jobs.claim(job.pk)  # a second worker takes it: attempt 2
    assert jobs._mine(job.pk, 1).update(status=JobStatus.DONE) == 0
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.attempts == 2


def test_only_one_of_two_claims_wins(people, filed, settings):
    settings.BINDER_RUNNER = "worker"
    job = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="pdf")
    assert [jobs.claim(job.pk), jobs.claim(job.pk)] == [True, False]


def test_the_outsider_cannot_request_a_binder(people, filed):
    with pytest.raises(NotPermitted):
        jobs.request_binder(user=people.outsider, unit=filed, period=YEAR, format="pdf")
    assert not BinderJob.objects.exists()


def test_a_community_worker_cannot_request_another_communitys_binder(people, small_city):
    with pytest.raises(NotPermitted):
        jobs.request_binder(user=people.community_worker, unit=small_city.community_b1, period=YEAR, format="pdf")


def test_an_unknown_format_is_refused(people, filed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="docx")


def test_binder_worker_once_makes_what_is_queued(people, filed, settings, capsys):
    settings.BINDER_RUNNER = "worker"
    job = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="zip")
    call_command("binder_worker", "--once")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and "binders made: 1" in capsys.readouterr().out


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


@pytest.mark.django_db(transaction=True)
def test_the_thread_runner_makes_the_binder_after_the_request_commits(people, filed, settings):
    settings.BINDER_RUNNER = "thread"
    job = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="zip")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = jobs.refresh(job)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            break
        time.sleep(0.2)
    # Let the builder thread finish (it closes its connection) before the tables are emptied.
    jobs.EXECUTOR.submit(lambda: None).result(timeout=60)
    assert job.status == JobStatus.DONE and stored_sha256(job) == job.sha256


# --- queued jobs nobody claimed, the audit trail, the thread runner -------------------------------


def queued_job(unit, *, attempts: int, age: int) -> BinderJob:
    """A job queued ``age`` seconds ago that nothing has claimed since."""
    job = BinderJob.objects.create(
        unit=unit, period_kind=YEAR.kind, period_start=YEAR.start, status=JobStatus.QUEUED, attempts=attempts
    )
    old = timezone.now() - datetime.timedelta(seconds=age)
    BinderJob.objects.filter(pk=job.pk).update(created_at=old, updated_at=old)
    return job


def test_a_queued_job_nobody_claimed_is_dispatched_again_while_attempts_are_left(
    filed, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.BINDER_MAX_ATTEMPTS = 2
    dispatched = []
    monkeypatch.setattr(jobs, "dispatch", dispatched.append)
    job = queued_job(filed, attempts=0, age=settings.BINDER_STALE_SECONDS + 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.reap_stale() == (1, 0)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.attempts == 1 and dispatched == [job.pk]
    assert jobs.reap_stale() == (0, 0)  # dispatched just now: not stale again at once


def test_a_queued_job_nobody_claimed_fails_with_a_clear_message_when_no_attempts_are_left(filed, settings):
    settings.BINDER_MAX_ATTEMPTS = 2
    job = queued_job(filed, attempts=2, age=settings.BINDER_STALE_SECONDS + 5)
    assert jobs.reap_stale() == (0, 1)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message == jobs.NEVER_STARTED_MESSAGE and job.finished_at


def test_a_queued_job_waiting_behind_a_build_that_still_beats_is_left_alone(filed, settings):
    waiting = queued_job(filed, attempts=0, age=settings.BINDER_STALE_SECONDS + 5)
    running_job(filed, attempts=1, heartbeat_age=1)
    assert jobs.reap_stale() == (0, 0)
    waiting.refresh_from_db()
    assert waiting.status == JobStatus.QUEUED and waiting.attempts == 0


def test_asking_for_a_binder_whose_queued_job_was_never_started_does_not_hand_back_the_dead_job(
    people, filed, settings
):
    settings.BINDER_RUNNER = "worker"
    settings.BINDER_MAX_ATTEMPTS = 1
    dead = queued_job(filed, attempts=1, age=settings.BINDER_STALE_SECONDS + 5)
    job = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="pdf")
    dead.refresh_from_db()
    assert job.pk != dead.pk and job.status == JobStatus.QUEUED and dead.status == JobStatus.FAILED


def test_every_job_the_reaper_changes_is_in_the_audit_trail(filed, settings):
    from gongjian.core.models import AuditEvent

    settings.BINDER_MAX_ATTEMPTS = 2
    retried = running_job(filed, attempts=1, heartbeat_age=settings.BINDER_STALE_SECONDS + 5)
    failed = running_job(filed, attempts=2, heartbeat_age=settings.BINDER_STALE_SECONDS + 5)
    never = queued_job(filed, attempts=2, age=settings.BINDER_STALE_SECONDS + 5)
    jobs.reap_stale()
    events = {
        int(e.target_id): (e.from_state, e.to_state, e.actor_id)
        for e in AuditEvent.objects.filter(action="archive.binder.reap")
    }
    assert events == {
        retried.pk: ("running", "queued", None),
        failed.pk: ("running", "failed", None),
        never.pk: ("queued", "failed", None),
    }


def test_the_thread_runner_queues_builds_behind_one_builder_thread(people, filed, settings, monkeypatch):
    settings.BINDER_RUNNER = "thread"
    submitted = []

    class Recorder:
        def submit(self, fn, *args):
            submitted.append(args)

    monkeypatch.setattr(jobs, "EXECUTOR", Recorder())
    started = []
    monkeypatch.setattr(jobs.threading.Thread, "start", lambda thread: started.append(thread.name))
    for job_id in (1, 2, 3):
        jobs.dispatch(job_id)
    assert submitted == [(1,), (2,), (3,)] and not started


def test_the_builder_thread_pool_has_one_worker():
    assert jobs.EXECUTOR._max_workers == 1


def test_a_jobs_stage_is_stored_in_english_whatever_the_sites_language(
    people, filed, settings, monkeypatch, django_capture_on_commit_callbacks
):
    assert settings.LANGUAGE_CODE == "zh-hans"
    seen = []
    original = jobs.BUILDERS["zip"]

    def build(unit, period, path, progress):
        def spy(percent, stage):
            progress(percent, stage)
            seen.append(BinderJob.objects.values_list("stage", flat=True).get())

        original(unit, period, path, progress=spy)

    monkeypatch.setitem(jobs.BUILDERS, "zip", build)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_SECONDS", 0)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.request_binder(user=people.community_worker, unit=filed, period=YEAR, format="zip")
    job.refresh_from_db()
    assert job.stage == "Done" and "Reading the records" in seen and "ZIP written" in seen
    assert "Adding files (1 of 2)" in seen
