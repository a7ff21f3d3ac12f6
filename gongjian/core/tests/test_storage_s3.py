"""The S3 path, against a real local S3 server (moto in server mode, started by ``s3_server``):
uploads land in the bucket and nowhere on the local disk, downloads stream back through the views
after the scope check (the outsider gets 404), nothing is ever made public, generated files
(binders, exports, rejected-row sheets) are stored whole and read back byte for byte."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from gongjian.archives import jobs, periods
from gongjian.archives.choices import JobStatus
from gongjian.archives.models import Evidence
from gongjian.archives.tests.factories import archive_ruleset, item, jpeg, photo, published_template, record
from gongjian.archives.tests.test_services import docx_bytes
from gongjian.core.storage import PrivateS3Storage, file_response, open_stream, save_generated, stored_names
from gongjian.inspections.exporters import ProblemExcelExporter
from gongjian.inspections.models import Problem, ProblemPhoto
from gongjian.inspections.tests.factories import jpeg_bytes, upload
from gongjian.participation import services as participation
from gongjian.participation.tests.factories import HEADER, phone, xlsx

# What these prove is the S3 storage; the same views and services on local disk are tested on
# both engines, so make test runs these in one engine's run (conftest.py: engine_independent).
pytestmark = [pytest.mark.django_db, pytest.mark.s3, pytest.mark.engine_independent]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def on_local_disk() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def public_grants(bucket, key: str) -> list:
    acl = bucket.server.client().get_object_acl(Bucket=bucket.name, Key=key)
    return [g for g in acl["Grants"] if g["Grantee"].get("Type") == "Group"]


# --- photos -----------------------------------------------------------------------------------------------------------


def test_a_reported_photo_is_stored_in_the_bucket_and_streamed_only_to_those_in_scope(people, small_city, s3_storage):
    """GIVEN S3 storage WHEN a street officer reports a problem with a photo through the page THEN the photo and its
    thumbnail are objects in the bucket (none public, nothing on the local disk), the page streams them back to
    people in scope, and the outsider gets 404."""
    local_before = on_local_disk()
    original = jpeg_bytes(size=(320, 240))
    response = signed_in(people.street_officer).post(
        "/problems/report/",
        {
            "category": "06036",
            "unit": str(small_city.compound_a1.pk),
            "point_type": "compound",
            "severity": "normal",
            "address": "3幢2单元",
            "description": "楼道堆放纸箱",
            "latitude": "",
            "longitude": "",
            "photos": [upload(original)],
        },
    )
    assert response.status_code == 302
    stored = ProblemPhoto.objects.get(problem=Problem.objects.get())
    assert s3_storage.objects() == {stored.file.name, stored.thumbnail.name}
    assert on_local_disk() == local_before
    assert all(public_grants(s3_storage, key) == [] for key in s3_storage.objects())

    full = signed_in(people.street_officer).get(reverse("problems:photo", args=[stored.pk, "full"]))
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert "private" in full["Cache-Control"]
    assert body(full) == s3_storage.read(stored.file.name)
    assert int(full["Content-Length"]) == stored.file.size
    thumb = signed_in(people.city_admin).get(reverse("problems:photo", args=[stored.pk, "thumb"]))
    assert body(thumb) == s3_storage.read(stored.thumbnail.name)

    for outside in (people.outsider, people.street_inspector):
        for kind in ("full", "thumb"):
            assert signed_in(outside).get(reverse("problems:photo", args=[stored.pk, kind])).status_code == 404


def test_a_photo_gone_from_the_bucket_is_404_not_500(people, small_city, s3_storage):
    signed_in(people.street_officer).post(
        "/problems/report/",
        {
            "category": "06036",
            "unit": str(small_city.compound_a1.pk),
            "point_type": "compound",
            "severity": "normal",
            "address": "3幢",
            "description": "纸箱",
            "photos": [upload(jpeg_bytes())],
        },
    )
    stored = ProblemPhoto.objects.get()
    s3_storage.server.client().delete_object(Bucket=s3_storage.name, Key=stored.file.name)
    response = signed_in(people.street_officer).get(reverse("problems:photo", args=[stored.pk, "full"]))
    assert response.status_code == 404


def test_two_files_of_the_same_name_never_overwrite_each_other(s3_storage):
    first = default_storage.save("participation/photos/activity.jpg", ContentFile(b"first"))
    second = default_storage.save("participation/photos/activity.jpg", ContentFile(b"second"))
    assert first != second
    assert (s3_storage.read(first), s3_storage.read(second)) == (b"first", b"second")


# --- archives: evidence files and binders -----------------------------------------------------------------------------


@pytest.fixture
def ruleset(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    return ruleset


def test_evidence_files_uploaded_through_the_form_are_in_the_bucket_and_download_byte_for_byte(
    people, small_city, ruleset, s3_storage
):
    """GIVEN S3 storage WHEN a community worker files a meeting record with a photo and a Word document THEN both
    (and the photo's thumbnail) are objects in the bucket; the record's page downloads each byte for byte to
    people in scope and 404s for the outsider."""
    document = docx_bytes()
    client = signed_in(people.community_worker)
    response = client.post(
        reverse("archives:record-create", args=[small_city.community_a1.pk]),
        {
            "kind": "meeting",
            "title": "三月共建例会",
            "date": "2026-03-10",
            "period_kind": "month",
            "rule_items": [str(item(ruleset, "3.1").pk)],
            "text": "会议纪要",
            "author": "",
            "captions": "会场",
            "files": [upload(jpeg(seed=3), "会场.jpg"), upload(document, "会议纪要.docx")],
        },
    )
    assert response.status_code == 302, response.content[:500]
    files = {f.name: f for f in Evidence.objects.get(title="三月共建例会").files.all()}
    assert set(files) == {"会场.jpg", "会议纪要.docx"}
    photo_row, doc_row = files["会场.jpg"], files["会议纪要.docx"]
    assert {photo_row.file.name, photo_row.thumbnail.name, doc_row.file.name} <= s3_storage.objects()

    download = client.get(reverse("archives:file", args=[doc_row.pk, "download"]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == "attachment; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.docx"
    assert body(download) == document
    assert hashlib.sha256(document).hexdigest() == doc_row.sha256
    full = signed_in(people.street_officer).get(reverse("archives:file", args=[photo_row.pk, "full"]))
    assert body(full) == s3_storage.read(photo_row.file.name)

    for kind in ("download", "full", "thumb"):
        assert signed_in(people.outsider).get(reverse("archives:file", args=[doc_row.pk, kind])).status_code == 404
    assert signed_in(people.outsider).get(reverse("archives:file", args=[photo_row.pk, "full"])).status_code == 404


def test_a_binder_is_built_into_the_bucket_and_downloads_whole_through_the_scoped_view(
    people, small_city, ruleset, s3_storage, django_capture_on_commit_callbacks
):
    """GIVEN a record with photos in S3 WHEN a binder is requested through the public service (built at once in the
    tests) THEN its file is an object in the bucket matching the job's size and SHA-256, and the download view
    streams exactly that to people in scope only."""
    record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场"), photo(2, "签到")])
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.request_binder(
            user=people.community_worker, unit=small_city.community_a1, period=periods.parse("2026"), format="pdf"
        )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert job.file.name in s3_storage.objects()
    stored = s3_storage.read(job.file.name)
    assert stored.startswith(b"%PDF") and len(stored) == job.size
    assert hashlib.sha256(stored).hexdigest() == job.sha256

    response = signed_in(people.street_officer).get(reverse("archives:binder-download", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert body(response) == stored
    assert signed_in(people.outsider).get(reverse("archives:binder-download", args=[job.pk])).status_code == 404
    assert signed_in(people.street_inspector).get(reverse("archives:binder-download", args=[job.pk])).status_code == 404


# --- generated files: exports and rejected rows -----------------------------------------------------------------------


def test_an_export_saved_to_the_bucket_reads_back_whole_and_streams_as_an_attachment(people, small_city, s3_storage):
    signed_in(people.street_officer).post(
        "/problems/report/",
        {
            "category": "06036",
            "unit": str(small_city.compound_a1.pk),
            "point_type": "compound",
            "severity": "normal",
            "address": "5幢",
            "description": "乱堆放",
            "photos": [upload(jpeg_bytes())],
        },
    )
    result = ProblemExcelExporter(Problem.objects.all()).render()
    name = save_generated(f"exports/{result.filename}", result.content)
    assert name in s3_storage.objects() and s3_storage.read(name) == result.content
    handle, size = open_stream(name)
    with handle:
        assert size == len(result.content) and handle.read() == result.content

    response = file_response(name, content_type=result.content_type, filename=result.filename)
    sheet = load_workbook(io.BytesIO(body(response))).active
    assert [row[0].value for row in sheet.iter_rows(min_row=3)] == [
        Problem.objects.get().number
    ]  # below title and header


def test_an_import_file_and_its_rejected_rows_are_in_the_bucket_and_the_sheet_streams_back(
    people, small_city, s3_storage
):
    sheet = xlsx([HEADER, ["张一", phone(1), "", "", "", "", ""], ["李二", "12345", "", "", "", "", ""]])
    batch, _report = participation.import_upload(
        user=people.community_worker, community=small_city.community_a1, filename="volunteers.xlsx", content=sheet
    )
    assert batch.file.name in s3_storage.objects()
    batch, report = participation.import_confirm(user=people.community_worker, batch=batch)
    assert report.saved == 1
    assert batch.errors_file.name in s3_storage.objects()

    url = reverse("participation:import-errors", args=[batch.pk])
    response = signed_in(people.community_worker).get(url)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(body(response))).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[2:]] == [3]  # below the title row and the header
    assert signed_in(people.outsider).get(url).status_code == 404


def test_every_stored_name_is_walked_in_the_bucket(s3_storage):
    for name in ("b/2.txt", "a/1.txt", "a/deeper/3.txt", "top.txt"):
        default_storage.save(name, ContentFile(name.encode()))
    assert list(stored_names()) == ["top.txt", "a/1.txt", "a/deeper/3.txt", "b/2.txt"]


# --- nothing public ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{"default_acl": "public-read"}, {"custom_domain": "files.example.gov.cn"}, {"querystring_auth": False}],
    ids=["public-acl", "public-domain", "unsigned-urls"],
)
def test_the_storage_refuses_settings_that_would_make_files_public(options):
    with pytest.raises(ImproperlyConfigured, match="private"):
        PrivateS3Storage(bucket_name="gongjian", **options)


def test_a_url_asked_of_the_storage_is_signed_and_expires(s3_storage):
    name = default_storage.save("x/secret.txt", ContentFile(b"secret"))
    url = default_storage.url(name)
    assert "Signature" in url and "Expires=" in url
