"""Records are filed, revised and withdrawn through the services: versions are kept, a stale edit
is refused, bad files change nothing, and only people of the unit (or above) may write."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from gongjian.archives import periods, services
from gongjian.archives.choices import EvidenceKind, Interval, MechanismKind, MeetingKind
from gongjian.archives.models import ArchiveLogEntry, Evidence, EvidenceFile, Meeting
from gongjian.archives.services import AttendeeIn, DecisionIn, FileIn
from gongjian.archives.tests.factories import archive_ruleset, item, photo, published_template, record
from gongjian.core.errors import Conflict, NotPermitted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
MARCH = datetime.date(2026, 3, 10)


@pytest.fixture
def ruleset(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    return ruleset


def docx_bytes(*, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    if macros:
        main = "application/vnd.ms-word.document.macroEnabled.main+xml"
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "[Content_Types].xml", f'<Types><Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
        )
        z.writestr("word/document.xml", "<w:document/>")
        if macros:
            z.writestr("word/vbaProject.bin", b"\x00" * 64)
    return buffer.getvalue()


def test_a_community_worker_files_a_record_with_photos_and_a_word_file(people, small_city, ruleset):
    evidence = record(
        people.community_worker,
        small_city.community_a1,
        ruleset,
        files=[photo(1, "会场"), FileIn("../../花名册.docx", docx_bytes(), "")],
    )
    files = list(evidence.files.all())
    assert [f.kind for f in files] == ["image", "docx"]
    assert files[1].name == "花名册.docx"  # the path part is gone
    assert all(len(f.sha256) == 64 for f in files) and len(files[0].phash) == 16
    assert evidence.version == 1 and evidence.is_current and ArchiveLogEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("计划.docm", docx_bytes(macros=True), "macros"),
        ("扫描件.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<</Encrypt 5 0 R>>\n%%EOF", "encrypted"),
        ("照片.jpg", "这不是照片".encode(), "Only photos"),
        ("旧文件.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".docx"),
    ],
)
def test_a_bad_file_is_refused_with_a_message_and_nothing_is_stored(people, small_city, ruleset, name, data, message):
    with pytest.raises(ValidationError) as error:
        record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场"), FileIn(name, data)])
    assert message in str(error.value) and name.split("/")[-1] in str(error.value)
    assert not Evidence.objects.exists() and not EvidenceFile.objects.exists()


def test_a_record_cannot_be_dated_in_the_future_or_count_for_another_citys_item(people, small_city, ruleset):
    from gongjian.assessments.tests.test_importexport import make_ruleset
    from gongjian.testing.factories import user_with_role

    with pytest.raises(ValidationError, match="future"):
        record(people.community_worker, small_city.community_a1, ruleset, day=datetime.date(2099, 1, 1))
    other_admin = user_with_role("city_admin", unit=small_city.other_city)
    foreign = make_ruleset(other_admin, small_city.other_city).items.first()
    with pytest.raises(ValidationError, match="this city"):
        services.evidence_create(
            user=people.community_worker,
            unit=small_city.community_a1,
            period=periods.of("month", MARCH),
            kind=EvidenceKind.TEXT,
            title="外市条目",
            date=MARCH,
            rule_items=[foreign],
        )
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "volunteer", "liaison", "compound_manager", "city_leader"])
def test_people_without_the_right_at_the_community_cannot_file(people, small_city, ruleset, who):
    with pytest.raises(NotPermitted):
        record(getattr(people, who), small_city.community_a1, ruleset)


def test_a_worker_of_one_community_cannot_file_for_another(people, small_city, ruleset):
    with pytest.raises(NotPermitted):
        record(people.community_worker, small_city.community_a2, ruleset)


def test_a_revision_is_a_new_version_and_the_old_one_is_kept(people, small_city, ruleset):
    first = record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "")])
    photo_id = first.files.get().pk
    second = services.caption_set(
        user=people.community_worker, evidence=first, expected_version=1, file_id=photo_id, caption="会场全景"
    )
    assert second.version == 2 and second.record_key == first.record_key
    first.refresh_from_db()
    assert not first.is_current and first.files.get().caption == ""
    assert second.files.get().caption == "会场全景"
    assert second.files.get().file.name == first.files.get().file.name  # the bytes are shared, not copied


def test_two_people_editing_the_same_record_cannot_overwrite_each_other(people, small_city, ruleset):
    first = record(people.community_worker, small_city.community_a1, ruleset)
    services.evidence_revise(user=people.community_worker, evidence=first, expected_version=1, text="社区书记补充")
    with pytest.raises(Conflict, match="version 2"):
        services.evidence_revise(user=people.street_officer, evidence=first, expected_version=1, text="街道改写")
    current = Evidence.objects.get(record_key=first.record_key, is_current=True)
    assert current.text == "社区书记补充" and current.version == 2


def test_a_withdrawn_record_keeps_its_history_and_the_reason(people, small_city, ruleset):
    first = record(people.community_worker, small_city.community_a1, ruleset)
    with pytest.raises(ValidationError):
        services.evidence_withdraw(user=people.community_worker, evidence=first, expected_version=1, reason=" ")
    services.evidence_withdraw(user=people.community_worker, evidence=first, expected_version=1, reason="重复上传")
    assert Evidence.objects.filter(record_key=first.record_key).count() == 2
    assert Evidence.objects.get(record_key=first.record_key, is_current=True).withdrawn


def test_a_meeting_is_archived_as_a_meeting_record_with_its_decisions_and_photos(people, small_city, ruleset):
    meeting = services.meeting_create(
        user=people.community_worker,
        unit=small_city.community_a1,
        kind=MeetingKind.REGULAR,
        title="三月共建例会",
        held_on=MARCH,
        place="社区会议室",
        minutes="通报三月问题整改情况。",
        attendees=[AttendeeIn("张书记", "甲一社区", is_head=True), AttendeeIn("李经理", "共建单位", is_head=True)],
        decisions=[DecisionIn("清理楼道杂物", "王主任", datetime.date(2026, 3, 20))],
        photos=[photo(1, "会场"), photo(2, "签到表")],
    )
    evidence = Evidence.objects.get(source="meeting", source_id=meeting.pk, is_current=True)
    assert evidence.kind == EvidenceKind.MEETING and evidence.files.count() == 2
    assert "清理楼道杂物" in evidence.text and "李经理" in evidence.text
    assert item(ruleset, "3.1") in evidence.rule_items.all()
    decision = meeting.decisions.get()
    services.decision_follow_up(
        user=people.community_worker, decision=decision, expected_version=1, status="done", follow_up="已清理"
    )
    with pytest.raises(Conflict):
        services.decision_follow_up(
            user=people.community_worker, decision=decision, expected_version=1, status="open", follow_up="x"
        )


def test_a_meeting_needs_attendees_minutes_and_a_real_date(people, small_city, ruleset):
    with pytest.raises(ValidationError) as error:
        services.meeting_create(
            user=people.community_worker,
            unit=small_city.community_a1,
            kind=MeetingKind.JOINT,
            title="联席会",
            held_on=datetime.date(2099, 1, 1),
            minutes="",
        )
    assert set(error.value.message_dict) >= {"held_on", "minutes", "attendees"}
    assert not Meeting.objects.exists()


def test_a_mechanism_is_set_up_once_with_its_founding_document_archived(people, small_city, ruleset):
    mechanism = services.mechanism_create(
        user=people.community_worker,
        unit=small_city.community_a1,
        kind=MechanismKind.CLEANING,
        title="甲一社区保洁制度",
        established_on=datetime.date(2026, 1, 5),
        interval=Interval.MONTHLY,
        rule_items=[item(ruleset, "3.2")],
        text="每日两次清扫，每月检查。",
    )
    document = Evidence.objects.get(record_key=mechanism.document_key)
    assert document.kind == EvidenceKind.DOCUMENT and document.period_kind == "year"
    with pytest.raises(ValidationError, match="already"):
        services.mechanism_create(
            user=people.community_worker,
            unit=small_city.community_a1,
            kind=MechanismKind.CLEANING,
            title="again",
            established_on=datetime.date(2026, 1, 5),
            interval=Interval.MONTHLY,
            rule_items=[item(ruleset, "3.2")],
            text="x",
        )


def test_only_the_city_office_publishes_the_template(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    with pytest.raises(NotPermitted):
        published_template(people.street_officer, ruleset)
    template = published_template(people.city_admin, ruleset)
    with pytest.raises(Conflict):
        services.template_publish(user=people.city_admin, template=template)


def test_a_caption_written_on_a_meeting_record_survives_the_meeting_being_collected_again(people, small_city, ruleset):
    meeting = services.meeting_create(
        user=people.community_worker,
        unit=small_city.community_a1,
        kind=MeetingKind.REGULAR,
        title="三月例会",
        held_on=MARCH,
        minutes="例会纪要",
        attendees=[AttendeeIn("张书记")],
        photos=[photo(1, "会场"), photo(2, "")],
    )
    archived = Evidence.objects.get(source="meeting", source_id=meeting.pk, is_current=True)
    uncaptioned = archived.files.get(caption="")
    services.caption_set(
        user=people.community_worker, evidence=archived, expected_version=1, file_id=uncaptioned.pk, caption="签到"
    )
    services.meeting_photo_add(user=people.community_worker, meeting=meeting, photos=[photo(3, "合影")])
    latest = Evidence.objects.get(source="meeting", source_id=meeting.pk, is_current=True)
    assert latest.version == 3
    assert [f.caption for f in latest.files.all()] == ["会场", "签到", "合影"]


def test_a_persons_edits_on_a_collected_record_survive_later_changes_of_its_source(people, small_city, ruleset):
    meeting = services.meeting_create(
        user=people.community_worker,
        unit=small_city.community_a1,
        kind=MeetingKind.REGULAR,
        title="三月例会",
        held_on=MARCH,
        minutes="例会纪要",
        attendees=[AttendeeIn("张书记")],
        photos=[photo(1, "会场"), photo(2, "签到")],
    )
    archived = Evidence.objects.get(source="meeting", source_id=meeting.pk, is_current=True)
    second = archived.files.get(caption="签到")
    services.evidence_revise(
        user=people.community_worker,
        evidence=archived,
        expected_version=1,
        title="三月份共建例会（更正）",
        remove_file_ids=[second.pk],
    )
    services.meeting_photo_add(user=people.community_worker, meeting=meeting, photos=[photo(3, "合影")])
    latest = Evidence.objects.get(source="meeting", source_id=meeting.pk, is_current=True)
    assert latest.version == 3
    assert latest.title == "三月份共建例会（更正）"  # the person's title is kept
    assert [f.caption for f in latest.files.all()] == ["会场", "合影"]  # removed stays removed, new is added


def test_control_characters_pasted_into_a_record_are_dropped(people, small_city, ruleset):
    evidence = record(
        people.community_worker,
        small_city.community_a1,
        ruleset,
        title="三月\x0b例会\x07",
        files=[photo(1, "会\x0c场")],
    )
    assert evidence.title == "三月例会" and evidence.files.get().caption == "会场"


def test_filing_and_revising_a_record_are_in_the_audit_trail(people, small_city, ruleset):
    from gongjian.core.models import AuditEvent

    first = record(people.community_worker, small_city.community_a1, ruleset)
    services.evidence_revise(user=people.street_officer, evidence=first, expected_version=1, text="街道补充")
    events = AuditEvent.objects.filter(action__in=["archive.create", "archive.revise"]).order_by("id")
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("archive.create", "", "v1"),
        ("archive.revise", "v1", "v2"),
    ]
    assert events[1].actor_id == people.street_officer.pk
