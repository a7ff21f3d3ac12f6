"""The archive pages: who sees what (outsiders and other communities get 404), a caption added on
the record page fixes the finding and writes a new version, a stale form is refused with 409, bad
uploads store nothing, and the binder is requested, followed and downloaded through the pages."""

from __future__ import annotations

import datetime
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gongjian.accounts.choices import Role
from gongjian.archives import periods, selectors, services
from gongjian.archives.choices import JobStatus, MechanismKind
from gongjian.archives.models import (
    ArchiveTemplate,
    BinderJob,
    Evidence,
    EvidenceFile,
    Mechanism,
    Meeting,
    MeetingDecision,
)
from gongjian.archives.services import AttendeeIn, DecisionIn
from gongjian.archives.tests.factories import archive_ruleset, binder_job, item, jpeg, photo, published_template, record
from gongjian.archives.tests.test_services import docx_bytes
from gongjian.testing.factories import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MARCH = datetime.date(2026, 3, 10)
YEAR = "2026"


@pytest.fixture
def ruleset(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    return ruleset


@pytest.fixture
def filed(people, small_city, ruleset):
    """community_a1's March meeting record: one captioned photo, one without a caption."""
    return record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场全景"), photo(2, "")])


def signed_in(client, user, language="en"):
    """Signed in, reading the pages in English (the source words the tests look for)."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def archive_url(unit, period=YEAR):
    return f"{reverse('archives:unit', args=[unit.pk])}?period={period}"


def uncaptioned_findings(unit):
    audit = selectors.audit_unit(unit, periods.parse(YEAR))
    return [f for f in audit.findings if f.code == "no_caption"]


# --- who sees what --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["community_worker", "street_officer", "city_admin"])
def test_the_archive_pages_render_for_the_community_its_street_and_the_city(client, people, small_city, filed, who):
    signed_in(client, getattr(people, who))
    unit = small_city.community_a1
    pages = [
        archive_url(unit),
        reverse("archives:record", args=[filed.record_key]),
        reverse("archives:meetings"),
        reverse("archives:mechanisms", args=[unit.pk]),
        reverse("archives:ranking"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(archive_url(unit)).content.decode()
    assert "甲一社区" in page and 'id="completeness-percent"' in page
    assert "IMG_0002.jpg has no caption" in page  # the concrete finding, linked to the record
    assert f"/archives/records/{filed.record_key}/#file-" in page


def test_a_community_worker_landing_on_archives_goes_to_their_community(client, people, small_city):
    response = signed_in(client, people.community_worker).get(reverse("archives:index"))
    assert response.status_code == 302 and response.url == reverse("archives:unit", args=[small_city.community_a1.pk])
    response = client.get(reverse("archives:mechanisms-index"))
    assert response.url == reverse("archives:mechanisms", args=[small_city.community_a1.pk])


def test_the_street_ranks_its_own_communities_only(client, people, small_city, filed):
    page = signed_in(client, people.street_officer).get(f"{reverse('archives:ranking')}?period=2026").content.decode()
    assert "甲一社区" in page and "甲二社区" in page and "乙一社区" not in page
    city_page = signed_in(client, people.city_admin).get(reverse("archives:ranking")).content.decode()
    assert "乙一社区" in city_page and "邻市社区" not in city_page


def test_a_malformed_period_is_a_400_that_says_what_a_period_looks_like(client, people, small_city):
    response = signed_in(client, people.community_worker).get(archive_url(small_city.community_a1, "2026-13"))
    assert response.status_code == 400 and "2026-Q3" in response.content.decode()


@pytest.mark.parametrize("unit_name", ["community_a2", "community_b1", "other_community"])
def test_a_worker_of_another_community_gets_404_for_its_archive(client, people, small_city, unit_name):
    signed_in(client, people.community_worker)
    unit = getattr(small_city, unit_name)
    assert client.get(archive_url(unit)).status_code == 404
    assert client.get(reverse("archives:mechanisms", args=[unit.pk])).status_code == 404
    assert client.get(reverse("archives:record-create", args=[unit.pk])).status_code == 404


def test_the_outsider_and_another_communitys_worker_get_404_for_records_and_files(client, people, small_city, filed):
    worker_b1 = user_with_role(Role.COMMUNITY_WORKER, unit=small_city.community_b1)
    image = filed.files.first()
    for user in (people.outsider, worker_b1):
        signed_in(client, user)
        assert client.get(archive_url(small_city.community_a1)).status_code == 404
        assert client.get(reverse("archives:record", args=[filed.record_key])).status_code == 404
        assert client.get(reverse("archives:file", args=[image.pk, "thumb"])).status_code == 404
        response = client.post(
            reverse("archives:caption", args=[filed.record_key]),
            {"file_id": image.pk, "version": 1, "caption": "改"},
        )
        assert response.status_code == 404
    assert Evidence.objects.filter(record_key=filed.record_key).count() == 1


def test_files_are_served_to_people_in_scope_images_inline_documents_as_downloads(client, people, small_city, ruleset):
    evidence = record(
        people.community_worker,
        small_city.community_a1,
        ruleset,
        files=[photo(1, "会场"), services.FileIn("花名册.docx", docx_bytes())],
    )
    image, document = evidence.files.order_by("position")
    signed_in(client, people.street_officer)
    thumb = client.get(reverse("archives:file", args=[image.pk, "thumb"]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    download = client.get(reverse("archives:file", args=[document.pk, "download"]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"PK")


# --- captions and versions --------------------------------------------------------------------------


def test_a_caption_added_on_the_record_page_removes_the_finding_and_keeps_the_old_version(
    client, people, small_city, filed
):
    """GIVEN a March meeting record whose second photo has no caption
    WHEN the community worker writes the caption on the record page
    THEN the record is at version 2, version 1 is kept unchanged, and the finding is gone."""
    assert len(uncaptioned_findings(small_city.community_a1)) == 1
    blank = filed.files.get(caption="")
    signed_in(client, people.community_worker)
    page = client.get(reverse("archives:record", args=[filed.record_key])).content.decode()
    assert 'name="version" value="1"' in page
    response = client.post(
        reverse("archives:caption", args=[filed.record_key]),
        {"file_id": blank.pk, "version": 1, "caption": "居民代表发言"},
    )
    assert response.status_code == 302
    versions = Evidence.objects.filter(record_key=filed.record_key).order_by("version")
    assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert sorted(versions[0].files.values_list("caption", flat=True)) == ["", "会场全景"]
    assert sorted(versions[1].files.values_list("caption", flat=True)) == ["会场全景", "居民代表发言"]
    assert uncaptioned_findings(small_city.community_a1) == []
    page = client.get(archive_url(small_city.community_a1)).content.decode()
    assert "has no caption" not in page
    history = client.get(reverse("archives:record", args=[filed.record_key])).content.decode()
    assert "Version 2" in history and 'href="?version=1"' in history


def test_a_caption_posted_from_a_stale_page_is_refused_with_409_and_changes_nothing(client, people, small_city, filed):
    blank = filed.files.get(caption="")
    services.caption_set(
        user=people.street_officer,
        evidence=filed,
        expected_version=1,
        file_id=filed.files.get(caption="会场全景").pk,
        caption="街道改过的说明",
    )
    signed_in(client, people.community_worker)
    response = client.post(
        reverse("archives:caption", args=[filed.record_key]),
        {"file_id": blank.pk, "version": 1, "caption": "迟到的说明"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this record (now version 2)" in page and 'id="conflict"' in page
    assert Evidence.objects.filter(record_key=filed.record_key).count() == 2
    assert not EvidenceFile.objects.filter(caption="迟到的说明").exists()


def test_an_empty_caption_is_refused_with_a_message(client, people, filed):
    blank = filed.files.get(caption="")
    response = signed_in(client, people.community_worker).post(
        reverse("archives:caption", args=[filed.record_key]), {"file_id": blank.pk, "version": 1, "caption": " "}
    )
    assert response.status_code == 400 and "Write a caption." in response.content.decode()
    assert Evidence.objects.filter(record_key=filed.record_key).count() == 1


def test_people_who_only_read_see_no_caption_form_and_cannot_post_one(client, people, filed):
    signed_in(client, people.city_leader)
    page = client.get(reverse("archives:record", args=[filed.record_key])).content.decode()
    assert "caption-form" not in page
    blank = filed.files.get(caption="")
    response = client.post(
        reverse("archives:caption", args=[filed.record_key]), {"file_id": blank.pk, "version": 1, "caption": "读者"}
    )
    assert response.status_code == 403
    assert Evidence.objects.filter(record_key=filed.record_key).count() == 1


def test_a_record_is_withdrawn_with_a_reason_and_leaves_the_archive(client, people, small_city, filed):
    signed_in(client, people.community_worker)
    url = reverse("archives:withdraw", args=[filed.record_key])
    assert client.post(url, {"version": 1, "reason": ""}).status_code == 400
    response = client.post(url, {"version": 1, "reason": "重复上传"})
    assert response.status_code == 302
    current = Evidence.objects.get(record_key=filed.record_key, is_current=True)
    assert current.withdrawn and current.version == 2
    assert str(filed.record_key) not in client.get(archive_url(small_city.community_a1)).content.decode()


# --- adding records ---------------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def record_form(ruleset, **extra):
    data = {
        "kind": "meeting",
        "title": "三月共建例会",
        "date": "2026-03-10",
        "period_kind": "month",
        "rule_items": [str(item(ruleset, "3.1").pk)],
        "text": "会议纪要",
        "author": "",
        "captions": "会场\n签到",
    }
    data.update(extra)
    return data


def test_a_record_is_added_through_the_form_with_photos_and_captions(client, people, small_city, ruleset):
    signed_in(client, people.community_worker)
    url = reverse("archives:record-create", args=[small_city.community_a1.pk])
    page = client.get(url).content.decode()
    assert "一、共建例会" in page
    response = client.post(
        url,
        record_form(ruleset, files=[upload("a.jpg", jpeg(seed=1)), upload("b.jpg", jpeg(seed=2))]),
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(title="三月共建例会")
    assert (evidence.period_kind, evidence.period_start) == ("month", datetime.date(2026, 3, 1))
    assert list(evidence.files.values_list("caption", flat=True)) == ["会场", "签到"]
    assert response.url == reverse("archives:record", args=[evidence.record_key])


def test_the_period_can_be_the_quarter_of_the_date(client, people, small_city, ruleset):
    signed_in(client, people.community_worker)
    url = reverse("archives:record-create", args=[small_city.community_a1.pk])
    client.post(url, record_form(ruleset, kind="document", period_kind="quarter", date="2026-05-20", captions=""))
    evidence = Evidence.objects.get(title="三月共建例会")
    assert (evidence.period_kind, evidence.period_start) == ("quarter", datetime.date(2026, 4, 1))


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("计划.docm", docx_bytes(macros=True), "macros"),
        ("扫描件.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<</Encrypt 5 0 R>>\n%%EOF", "encrypted"),
        ("照片.jpg", "这不是照片".encode(), "Only photos"),
    ],
)
def test_a_bad_upload_is_shown_beside_the_files_and_nothing_is_stored(
    client, people, small_city, ruleset, name, data, words
):
    signed_in(client, people.community_worker)
    response = client.post(
        reverse("archives:record-create", args=[small_city.community_a1.pk]),
        record_form(ruleset, files=[upload("ok.jpg", jpeg(seed=1)), upload(name, data)]),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page and name in page and "invalid-feedback" in page
    assert not Evidence.objects.exists() and not EvidenceFile.objects.exists()


def test_a_file_over_the_size_limit_is_refused_by_name_before_any_upload_is_read(
    client, people, small_city, ruleset, settings, monkeypatch
):
    small = jpeg(seed=1)
    settings.ARCHIVE_FILE_MAX_BYTES = len(small) + 10

    def never(*args, **kwargs):
        raise AssertionError("an upload was looked at")

    monkeypatch.setattr(services.files, "accept_file", never)
    signed_in(client, people.community_worker)
    response = client.post(
        reverse("archives:record-create", args=[small_city.community_a1.pk]),
        record_form(
            ruleset, files=[upload("ok.jpg", small), upload("巨大的扫描件.pdf", b"%PDF-" + b"0" * (len(small) + 100))]
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "巨大的扫描件.pdf: the file is larger than" in page and "invalid-feedback" in page
    assert not Evidence.objects.exists() and not EvidenceFile.objects.exists()


def test_more_files_than_one_request_may_carry_are_refused_with_a_message(client, people, small_city, ruleset):
    from gongjian.archives.uploads import MAX_FILES_PER_REQUEST

    signed_in(client, people.community_worker)
    files = [upload(f"{n}.jpg", b"x") for n in range(MAX_FILES_PER_REQUEST + 1)]
    response = client.post(
        reverse("archives:record-create", args=[small_city.community_a1.pk]), record_form(ruleset, files=files)
    )
    assert response.status_code == 400
    assert f"Upload at most {MAX_FILES_PER_REQUEST} files at a time" in response.content.decode()
    assert not Evidence.objects.exists()


def test_meeting_photos_over_the_size_limit_are_refused_by_name(client, people, meeting, settings):
    settings.ARCHIVE_FILE_MAX_BYTES = 100
    signed_in(client, people.community_worker)
    response = client.post(
        reverse("archives:meeting-photos", args=[meeting.pk]), {"photos": [upload("大照片.jpg", jpeg(seed=3))]}
    )
    assert response.status_code == 400 and "大照片.jpg: the file is larger than" in response.content.decode()
    assert not meeting.photos.exists()


@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775808", "abc", "²", "١٢", "-1"])
@pytest.mark.parametrize(
    "page",
    ["archives:meetings?unit", "archives:ranking?within", "archives:record-create?item", "archives:record?version"],
)
def test_an_overflowing_or_malformed_id_in_a_query_is_never_a_server_error(
    client, people, small_city, filed, page, value
):
    name, param = page.split("?")
    args = {
        "archives:record-create": [small_city.community_a1.pk],
        "archives:record": [filed.record_key],
    }.get(name, [])
    signed_in(client, people.city_admin)
    response = client.get(reverse(name, args=args), {param: value})
    assert response.status_code in (200, 400, 404)


@pytest.mark.parametrize(
    "name",
    ["archives:binder", "archives:binder-status", "archives:meeting", "archives:template", "archives:unit"],
)
def test_an_overflowing_id_in_a_path_is_404(client, people, name):
    signed_in(client, people.city_admin)
    response = client.get(reverse(name, args=[99999999999999999999999]))
    assert response.status_code == 404


def test_missing_fields_are_named_in_the_users_language(client, people, small_city, ruleset):
    signed_in(client, people.community_worker)
    url = reverse("archives:record-create", args=[small_city.community_a1.pk])
    response = client.post(url, record_form(ruleset, title="", rule_items=[], date="2099-01-01"))
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    next_month = f"{timezone.localdate() + datetime.timedelta(days=31):%Y-%m-%d}"  # within the dates anyone may give
    response = client.post(url, record_form(ruleset, date=next_month))
    assert response.status_code == 400 and "future" in response.content.decode()
    signed_in(client, people.community_worker, language="zh-hans")
    response = client.post(url, record_form(ruleset, title=""))
    assert "该字段是必填项。" in response.content.decode()
    assert not Evidence.objects.exists()


def test_people_who_may_not_file_cannot_open_the_form(client, people, small_city, ruleset):
    signed_in(client, people.city_leader)
    assert client.get(reverse("archives:record-create", args=[small_city.community_a1.pk])).status_code == 404


# --- binders ----------------------------------------------------------------------------------------


def test_a_binder_for_a_unit_outside_scope_is_404_and_no_job_is_made(client, people, small_city, filed):
    signed_in(client, people.outsider)
    url = reverse("archives:binder-request", args=[small_city.community_a1.pk])
    assert client.post(url, {"format": "pdf", "period": YEAR}).status_code == 404
    signed_in(client, people.community_worker)
    url = reverse("archives:binder-request", args=[small_city.community_b1.pk])
    assert client.post(url, {"format": "pdf", "period": YEAR}).status_code == 404
    assert not BinderJob.objects.exists()


def test_the_binder_status_goes_to_done_and_the_file_downloads(
    client, people, small_city, filed, django_capture_on_commit_callbacks
):
    signed_in(client, people.community_worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("archives:binder-request", args=[small_city.community_a1.pk]), {"format": "pdf", "period": YEAR}
        )
    job = BinderJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("archives:binder", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert f'data-status-url="/archives/binders/{job.pk}/status/"' in page
    state = json.loads(client.get(reverse("archives:binder-status", args=[job.pk])).content)
    assert state["status"] == JobStatus.DONE and state["progress"] == 100
    assert state["download_url"] == reverse("archives:binder-download", args=[job.pk])
    download = client.get(state["download_url"])
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    for outsider in (people.outsider, user_with_role(Role.COMMUNITY_WORKER, unit=small_city.community_b1)):
        signed_in(client, outsider)
        assert client.get(reverse("archives:binder-status", args=[job.pk])).status_code == 404
        assert client.get(state["download_url"]).status_code == 404


def test_a_queued_binder_reports_its_progress_and_no_download(client, people, small_city, filed):
    signed_in(client, people.community_worker)
    client.post(
        reverse("archives:binder-request", args=[small_city.community_a1.pk]), {"format": "zip", "period": YEAR}
    )  # on_commit never runs inside the test's transaction: the job stays queued
    job = BinderJob.objects.get()
    state = json.loads(client.get(reverse("archives:binder-status", args=[job.pk])).content)
    assert state["status"] == JobStatus.QUEUED and state["download_url"] == ""
    assert client.get(reverse("archives:binder-download", args=[job.pk])).status_code == 404


def test_a_quarter_binder_is_listed_by_its_quarter_not_its_first_month(client, people, small_city, filed):
    binder_job(small_city.community_a1, period="2026-Q3")
    page = signed_in(client, people.community_worker).get(archive_url(small_city.community_a1)).content.decode()
    recent = page[page.index('id="recent-binders"') :]
    assert periods.parse("2026-Q3").code in recent and "2026-07" not in recent


def test_a_jobs_stage_and_message_are_shown_in_the_readers_language(client, people, small_city, filed):
    from django.utils import translation

    from gongjian.core.jobs import text as jobs

    job = binder_job(
        small_city.community_a1,
        status=JobStatus.RUNNING,
        stage="Adding files (2 of 5)",
        message=jobs.RETRY_MESSAGE,
        beat_at=timezone.now(),
    )
    url = reverse("archives:binder-status", args=[job.pk])
    english = json.loads(signed_in(client, people.community_worker).get(url).content)
    assert (english["stage"], english["message"]) == ("Adding files (2 of 5)", jobs.RETRY_MESSAGE)
    chinese = json.loads(signed_in(client, people.community_worker, language="zh-hans").get(url).content)
    with translation.override("zh-hans"):
        assert chinese["stage"] == translation.gettext("Adding files (%(done)s of %(total)s)") % {"done": 2, "total": 5}
        assert chinese["message"] == translation.gettext(jobs.RETRY_MESSAGE) != jobs.RETRY_MESSAGE
    page = client.get(reverse("archives:binder", args=[job.pk])).content.decode()
    assert chinese["stage"] in page


def test_the_skeleton_downloads_as_a_word_file(client, people, small_city, filed):
    pytest.importorskip("gongjian.archives.skeleton")
    response = signed_in(client, people.community_worker).get(
        f"{reverse('archives:skeleton', args=[small_city.community_a1.pk])}?period={YEAR}"
    )
    assert response.status_code == 200 and response.content.startswith(b"PK")
    signed_in(client, people.outsider)
    assert client.get(reverse("archives:skeleton", args=[small_city.community_a1.pk])).status_code == 404


# --- meetings ---------------------------------------------------------------------------------------


def test_a_meeting_is_recorded_with_attendees_decisions_and_photos(client, people, small_city, ruleset):
    signed_in(client, people.community_worker)
    url = reverse("archives:meeting-create")
    assert client.get(url).status_code == 200
    data = {
        "unit": str(small_city.community_a1.pk),
        "kind": "regular",
        "title": "三月例会",
        "held_on": "2026-03-10",
        "place": "社区会议室",
        "minutes": "讨论楼道整治",
        "captions": "会场",
        "att-TOTAL_FORMS": "2",
        "att-INITIAL_FORMS": "0",
        "att-0-name": "张三",
        "att-0-organisation": "社区",
        "att-1-name": "",
        "dec-TOTAL_FORMS": "1",
        "dec-INITIAL_FORMS": "0",
        "dec-0-text": "清理楼道杂物",
        "dec-0-owner": "李四",
        "dec-0-due_on": "2026-03-31",
        "photos": [upload("m.jpg", jpeg(seed=5))],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Meeting.objects.get(title="三月例会")
    assert [a.name for a in meeting.attendees.all()] == ["张三"]
    assert meeting.decisions.get().owner == "李四" and meeting.photos.get().caption == "会场"
    page = client.get(response.url).content.decode()
    assert "清理楼道杂物" in page and 'id="meeting-record"' in page


def test_a_meeting_without_attendees_or_with_a_half_decision_is_refused(client, people, small_city):
    signed_in(client, people.community_worker)
    data = {
        "unit": str(small_city.community_a1.pk),
        "kind": "regular",
        "title": "无人参会",
        "held_on": "2026-03-10",
        "minutes": "纪要",
        "att-TOTAL_FORMS": "1",
        "att-INITIAL_FORMS": "0",
        "dec-TOTAL_FORMS": "1",
        "dec-INITIAL_FORMS": "0",
        "dec-0-text": "只写了事项",
    }
    response = client.post(reverse("archives:meeting-create"), data)
    assert response.status_code == 400 and "what, who and by when" in response.content.decode()
    data["dec-0-text"] = ""
    response = client.post(reverse("archives:meeting-create"), data)
    assert response.status_code == 400 and "List who attended." in response.content.decode()
    assert not Meeting.objects.exists()


@pytest.fixture
def meeting(people, small_city, ruleset):
    return services.meeting_create(
        user=people.community_worker,
        unit=small_city.community_a1,
        kind="regular",
        title="四月例会",
        held_on=datetime.date(2026, 4, 8),
        minutes="纪要",
        attendees=[AttendeeIn(name="张三")],
        decisions=[DecisionIn(text="修补路面", owner="王五", due_on=datetime.date(2026, 4, 30))],
    )


def test_a_decision_is_followed_up_and_a_stale_follow_up_gets_409(client, people, meeting):
    decision = meeting.decisions.get()
    signed_in(client, people.community_worker)
    url = reverse("archives:decision-follow-up", args=[decision.pk])
    prefix = f"d{decision.pk}"
    done = {
        f"{prefix}-version": "1",
        f"{prefix}-status": "done",
        f"{prefix}-done_on": "2026-04-20",
        f"{prefix}-follow_up": "已修补",
    }
    assert client.post(url, done).status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.version, decision.follow_up) == ("done", 2, "已修补")
    response = client.post(url, {**done, f"{prefix}-follow_up": "旧页面的内容"})
    assert response.status_code == 409 and "Someone else updated this decision" in response.content.decode()
    assert MeetingDecision.objects.get(pk=decision.pk).follow_up == "已修补"


def test_meeting_pages_and_photos_are_404_outside_scope(client, people, small_city, meeting):
    services.meeting_photo_add(
        user=people.community_worker, meeting=meeting, photos=[services.FileIn("p.jpg", jpeg(seed=9), "会场")]
    )
    photo_row = meeting.photos.get()
    signed_in(client, people.community_worker)
    assert client.get(reverse("archives:meeting-photo", args=[photo_row.pk, "thumb"])).status_code == 200
    for user in (people.outsider, user_with_role(Role.COMMUNITY_WORKER, unit=small_city.community_b1)):
        signed_in(client, user)
        assert client.get(reverse("archives:meeting", args=[meeting.pk])).status_code == 404
        assert client.get(reverse("archives:meeting-photo", args=[photo_row.pk, "thumb"])).status_code == 404
        assert "四月例会" not in client.get(reverse("archives:meetings")).content.decode()


def test_meeting_photos_are_added_on_the_meeting_page_and_a_document_is_refused(client, people, meeting):
    signed_in(client, people.community_worker)
    url = reverse("archives:meeting-photos", args=[meeting.pk])
    response = client.post(url, {"photos": [upload("x.docx", docx_bytes())], "captions": ""})
    assert response.status_code == 400 and "must be photos" in response.content.decode()
    assert client.post(url, {"photos": [upload("y.jpg", jpeg(seed=3))], "captions": "签到"}).status_code == 302
    assert list(meeting.photos.values_list("caption", flat=True)) == ["签到"]


# --- mechanisms -------------------------------------------------------------------------------------


def test_a_mechanism_is_set_up_on_the_page_and_flagged_when_it_never_runs(client, people, small_city, ruleset):
    unit = small_city.community_a1
    signed_in(client, people.community_worker)
    url = reverse("archives:mechanisms", args=[unit.pk])
    response = client.post(
        f"{url}?period={YEAR}",
        {
            "kind": MechanismKind.CLEANING,
            "title": "保洁制度",
            "established_on": "2026-01-05",
            "interval": "monthly",
            "rule_items": [str(item(ruleset, "3.3").pk)],
            "text": "每月检查保洁",
        },
    )
    assert response.status_code == 302
    mechanism = Mechanism.objects.get(unit=unit, kind=MechanismKind.CLEANING)
    assert mechanism.document_key is not None
    page = client.get(f"{url}?period={YEAR}").content.decode()
    assert 'id="mechanism-cleaning"' in page and "dead-letter" in page and "2026-01" in page


def test_a_mechanism_form_without_document_or_text_says_so(client, people, small_city, ruleset):
    signed_in(client, people.community_worker)
    response = client.post(
        reverse("archives:mechanisms", args=[small_city.community_a1.pk]),
        {
            "kind": MechanismKind.FINANCE,
            "title": "财务制度",
            "established_on": "2026-01-05",
            "interval": "yearly",
            "rule_items": [str(item(ruleset, "3.3").pk)],
        },
    )
    assert response.status_code == 400 and "Attach the document" in response.content.decode()
    assert not Mechanism.objects.exists()


# --- templates --------------------------------------------------------------------------------------


def test_the_city_creates_and_publishes_a_template_through_the_pages(client, people, small_city, ruleset):
    signed_in(client, people.city_admin)
    assert client.get(reverse("archives:templates")).status_code == 200
    url = f"{reverse('archives:template-create')}?ruleset={ruleset.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "ruleset": str(ruleset.pk),
            "name": "2027年样本",
            "sec-TOTAL_FORMS": "2",
            "sec-INITIAL_FORMS": "0",
            "sec-0-rule_item": str(item(ruleset, "3.1").pk),
            "sec-0-title": "例会",
            "sec-0-description": "每月例会",
            "sec-0-kinds": ["meeting"],
            "sec-0-interval": "monthly",
            "sec-0-min_records": "1",
            "sec-0-min_photos": "2",
            "sec-1-interval": "monthly",
            "sec-1-min_records": "1",
            "sec-1-min_photos": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    template = ArchiveTemplate.objects.get(name="2027年样本")
    section = template.sections.get()
    assert section.requirements.get().kinds == ["meeting"]
    assert client.post(reverse("archives:template-publish", args=[template.pk])).status_code == 302
    template.refresh_from_db()
    assert template.status == "published"


@pytest.mark.parametrize("who", ["community_worker", "street_officer", "outsider"])
def test_only_the_city_office_reaches_the_template_pages(client, people, ruleset, who):
    signed_in(client, getattr(people, who))
    assert client.get(reverse("archives:templates")).status_code == 403
    template = ArchiveTemplate.objects.get()
    assert client.get(reverse("archives:template", args=[template.pk])).status_code == 404


def test_the_archive_menu_is_shown_to_archive_readers_only(client, people):
    page = signed_in(client, people.community_worker).get("/").content.decode()
    assert reverse("archives:index") in page and reverse("archives:templates") not in page
    page = signed_in(client, people.city_admin).get("/").content.decode()
    assert reverse("archives:templates") in page
    page = signed_in(client, people.outsider).get("/").content.decode()
    assert reverse("archives:index") not in page


def test_the_archive_page_keeps_its_query_count_with_more_records(
    client, people, small_city, ruleset, django_assert_max_num_queries
):
    for n, day in enumerate([datetime.date(2026, m, 9) for m in range(1, 4)]):
        record(people.community_worker, small_city.community_a1, ruleset, day=day, files=[photo(n, "说明")])
    signed_in(client, people.community_worker)
    client.get(archive_url(small_city.community_a1))
    with django_assert_max_num_queries(40):
        assert client.get(archive_url(small_city.community_a1)).status_code == 200
