"""The archive is tamper-evident: every version is chained into the log, and the verification
command finds a record, a log entry or a stored file altered behind the services' back."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gongjian.archives import integrity, services
from gongjian.archives.models import ArchiveLogEntry, Evidence, EvidenceFile
from gongjian.archives.tests.factories import archive_ruleset, jpeg, photo, published_template, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    first = record(
        people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场"), photo(2, "签到")]
    )
    second = record(
        people.community_worker, small_city.community_a1, ruleset, day=datetime.date(2026, 4, 9), files=[photo(3)]
    )
    services.caption_set(
        user=people.community_worker,
        evidence=second,
        expected_version=1,
        file_id=second.files.get().pk,
        caption="四月例会",
    )
    return first


def test_every_version_is_chained_and_an_untouched_archive_verifies(archived):
    report = integrity.verify()
    assert report.ok, report.problems
    assert report.entries == 3 and report.records == 3 and report.files == 4
    entries = list(ArchiveLogEntry.objects.order_by("id"))
    assert entries[0].prev_hash == integrity.GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]


def test_the_command_detects_a_record_altered_directly_in_the_database(archived):
    call_command("verify_archive")  # intact: no error
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Evidence._meta.db_table} SET title = %s WHERE id = %s", ["伪造的例会记录", archived.pk]
        )
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_archive")
    report = integrity.verify()
    assert any("content differs" in p and str(archived.record_key) in p for p in report.problems)


def test_a_caption_changed_in_the_database_is_detected(archived):
    f = archived.files.first()
    EvidenceFile.objects.filter(pk=f.pk).update(caption="事后补写")
    assert not integrity.verify().ok


def test_a_deleted_log_entry_breaks_the_chain(archived):
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {ArchiveLogEntry._meta.db_table} WHERE id = %s", [ArchiveLogEntry.objects.first().pk]
        )
    problems = integrity.verify().problems
    assert any("does not follow" in p for p in problems)
    assert any("not in the log" in p for p in problems)


def test_a_stored_file_swapped_on_disk_is_detected(archived):
    f = archived.files.first()
    with f.file.storage.open(f.file.name, "wb") as handle:
        handle.write(jpeg(seed=99))
    problems = integrity.verify().problems
    assert any("differs from its SHA-256" in p for p in problems)
    assert integrity.verify(check_files=False).ok


def test_the_log_refuses_to_be_edited_or_deleted_through_the_orm(archived):
    entry = ArchiveLogEntry.objects.first()
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_a_re_encoded_photo_has_a_near_identical_perceptual_hash_and_another_photo_does_not():
    original = jpeg(seed=5, size=(800, 600), quality=95)
    from io import BytesIO

    from PIL import Image

    smaller = BytesIO()
    Image.open(BytesIO(original)).resize((400, 300)).save(smaller, "JPEG", quality=60)
    assert integrity.hamming(integrity.dhash(original), integrity.dhash(smaller.getvalue())) <= 6
    assert integrity.hamming(integrity.dhash(original), integrity.dhash(jpeg(seed=6))) > 10


def test_a_withdrawn_record_brought_back_by_flipping_the_current_flag_is_detected(people, archived):
    services.evidence_withdraw(user=people.community_worker, evidence=archived, expected_version=1, reason="重复")
    assert integrity.verify().ok
    Evidence.objects.filter(record_key=archived.record_key, version=2).update(is_current=False)
    Evidence.objects.filter(record_key=archived.record_key, version=1).update(is_current=True)
    assert any("not its latest" in p for p in integrity.verify().problems)
