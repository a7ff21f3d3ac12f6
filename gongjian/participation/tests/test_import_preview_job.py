"""The import preview is a background job: the upload checks the header only, a job checks the
rows, and the page shows its progress, then the preview (the job's result) or why the file was
refused; nothing is imported before the user confirms."""

import io

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from gongjian.core.jobs.models import Job, JobStatus
from gongjian.core.jobs.services import job_enqueue
from gongjian.participation import importers, services
from gongjian.participation.choices import ImportStatus
from gongjian.participation.models import ImportBatch, Volunteer
from gongjian.participation.tasks import PREVIEW, import_preview_job
from gongjian.participation.tests.factories import HEADER, phone, xlsx

pytestmark = pytest.mark.django_db

URL = "/participation/volunteers/import/"


def signed_in(user, language="zh-hans") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def _sheet():
    return xlsx([HEADER, ["张一", phone(1), "", "", "", "", ""], ["李二", "123", "", "", "", "", ""]])


def _upload(client, community, content, name="v.xlsx"):
    return client.post(URL, {"community": community.pk, "file": SimpleUploadedFile(name, content)})


def _no_parsing(monkeypatch):
    """From here on, reading the rows of a sheet fails the test."""

    def refuse(**kwargs):
        raise AssertionError("the sheet was parsed inside the request")

    monkeypatch.setattr(services, "check_rows", refuse)
    monkeypatch.setattr(importers, "volunteer_rows", refuse)


def test_the_upload_keeps_the_sheet_and_a_job_checks_its_rows_then_the_page_shows_the_preview(
    small_city, people, django_capture_on_commit_callbacks, monkeypatch
):
    client = signed_in(people.community_worker)
    with django_capture_on_commit_callbacks(execute=False):
        response = _upload(client, small_city.community_a1, _sheet())
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    job = import_preview_job(batch)
    assert job.kind == PREVIEW and job.status == JobStatus.QUEUED
    waiting = client.get(f"{URL}{batch.pk}/").content.decode()
    assert 'id="import-check-job"' in waiting and 'id="import-counts"' not in waiting
    with django_capture_on_commit_callbacks(execute=True):
        job_enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.result["total"], job.result["valid"], job.result["error_count"]) == (2, 1, 1)
    _no_parsing(monkeypatch)
    page = client.get(f"{URL}{batch.pk}/").content.decode()
    assert 'id="valid-count">1<' in page and 'id="error-count">1<' in page
    assert "大陆手机号" in page, "the reason is in the uploader's language (Chinese)"
    assert not Volunteer.objects.exists()


def test_the_reasons_are_written_in_the_uploaders_language(small_city, people, django_capture_on_commit_callbacks):
    client = signed_in(people.community_worker, "en")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, small_city.community_a1, _sheet())
    result = import_preview_job(ImportBatch.objects.get()).result
    assert [e["row"] for e in result["errors"]] == [3]
    assert "mobile" in result["errors"][0]["reason"].lower()


def test_the_rows_with_errors_are_the_preview_jobs_sheet_and_the_download_reads_nothing(
    small_city, people, django_capture_on_commit_callbacks, monkeypatch
):
    client = signed_in(people.community_worker)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, small_city.community_a1, _sheet())
    batch = ImportBatch.objects.get()
    _no_parsing(monkeypatch)
    sheet = client.get(f"{URL}{batch.pk}/errors.xlsx")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(sheet.streaming_content))).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[2:]] == [3]  # below the title row and the header


def test_a_sheet_without_errors_has_no_errors_sheet(small_city, people, django_capture_on_commit_callbacks):
    client = signed_in(people.community_worker)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, small_city.community_a1, xlsx([HEADER, ["张一", phone(1), "", "", "", "", ""]]))
    batch = ImportBatch.objects.get()
    assert import_preview_job(batch).result["valid"] == 1
    assert client.get(f"{URL}{batch.pk}/errors.xlsx").status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (xlsx([["x", "y"]]), "v.xlsx", "The headers do not match the template"),
        (b"%PDF-1.4 not a sheet", "v.pdf", "Upload an Excel workbook (.xlsx) or a CSV file."),
        (b"only a title\n\n", "v.csv", "The file is empty."),
    ],
)
def test_a_file_refused_at_the_door_gets_its_reason_and_keeps_nothing(
    small_city, people, django_capture_on_commit_callbacks, content, name, message
):
    client = signed_in(people.community_worker, "en")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, small_city.community_a1, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists() and not Job.objects.exists()


def test_the_reason_a_file_is_refused_at_the_door_is_translated(small_city, people):
    response = _upload(signed_in(people.community_worker), small_city.community_a1, xlsx([["x", "y"]]))
    assert response.status_code == 400
    assert "表头" in response.content.decode()


def test_a_file_refused_while_its_rows_are_checked_is_dropped_and_the_page_says_why(
    small_city, people, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(importers, "MAX_ROWS", 1)
    client = signed_in(people.community_worker, "en")
    with django_capture_on_commit_callbacks(execute=False):
        _upload(client, small_city.community_a1, _sheet())
    batch = ImportBatch.objects.get()
    stored = batch.file.name
    assert default_storage.exists(stored)
    job = import_preview_job(batch)
    with django_capture_on_commit_callbacks(execute=True):
        job_enqueue(job.pk)
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "more than 1 rows; split it into smaller files" in job.message
    assert batch.status == ImportStatus.CANCELLED and not batch.file
    assert not default_storage.exists(stored)
    page = client.get(f"{URL}{batch.pk}/").content.decode()
    assert "split it into smaller files" in page and "Nothing was saved from this file." in page
    assert 'id="import-counts"' not in page and not Volunteer.objects.exists()


def test_a_sheet_kept_by_a_command_is_checked_when_the_user_asks(
    small_city, people, django_capture_on_commit_callbacks
):
    batch, _report = services.import_upload(
        user=people.community_worker, community=small_city.community_a1, filename="v.xlsx", content=_sheet()
    )
    client = signed_in(people.community_worker)
    assert 'id="import-check"' in client.get(f"{URL}{batch.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{URL}{batch.pk}/check/").status_code == 302
    assert import_preview_job(batch).result["valid"] == 1
    page = client.get(f"{URL}{batch.pk}/").content.decode()
    assert 'id="valid-count">1<' in page and 'id="import-check"' not in page


def test_the_outsider_and_another_streets_officer_see_neither_the_preview_nor_its_job(
    small_city, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(signed_in(people.community_worker), small_city.community_a1, _sheet())
    batch = ImportBatch.objects.get()
    job = import_preview_job(batch)
    for user in (people.outsider, people.street_officer):
        client = signed_in(user)
        assert client.get(f"/jobs/{job.pk}/status/").status_code == 404
        assert client.get(f"{URL}{batch.pk}/").status_code == 404
        assert client.get(f"{URL}{batch.pk}/errors.xlsx").status_code == 404
        assert client.post(f"{URL}{batch.pk}/check/").status_code == 404
    assert Job.objects.count() == 1
    assert signed_in(people.community_worker).get(f"/jobs/{job.pk}/status/").json()["status"] == "done"


def test_the_preview_of_a_sheet_no_longer_waiting_is_forgotten_by_the_purge(
    small_city, people, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    client = signed_in(people.community_worker)
    for _n in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            _upload(client, small_city.community_a1, _sheet())
    cancelled, waiting = ImportBatch.objects.order_by("pk")
    gone, kept = import_preview_job(cancelled), import_preview_job(waiting)
    sheet = gone.file.name
    assert default_storage.exists(sheet) and gone.result["errors"]
    client.post(f"{URL}{cancelled.pk}/cancel/")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_imports", stdout=out)
    assert "preview checks forgotten: 1" in out.getvalue()
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert gone.result == {} and not gone.file and not default_storage.exists(sheet)
    assert kept.result["error_count"] == 1 and kept.file
    assert client.get(f"{URL}{cancelled.pk}/errors.xlsx").status_code == 404
