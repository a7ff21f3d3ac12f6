"""ID_NUMBER_KEY: required in production, rotated by a command that re-encrypts atomically, a
wrong key answers with a clear page; import leftovers hold no ID number in clear and are purged."""

import datetime
import io

import pytest
from cryptography.fernet import Fernet
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from gongjian.core.models import AuditEvent
from gongjian.participation import privacy, services
from gongjian.participation.checks import id_number_key_check
from gongjian.participation.models import ImportBatch, Volunteer
from gongjian.participation.tests.factories import HEADER, id_number, phone, volunteer, xlsx

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the key is required -------------------------------------------------------------------------


def test_a_production_server_without_the_key_fails_its_system_check(settings):
    settings.DEBUG = False
    settings.ID_NUMBER_KEY = ""
    assert [e.id for e in id_number_key_check(None)] == ["participation.E001"]


def test_a_malformed_key_fails_the_system_check(settings):
    settings.ID_NUMBER_KEY = "not-a-fernet-key"
    assert [e.id for e in id_number_key_check(None)] == ["participation.E002"]


def test_a_good_key_passes_and_development_may_go_without(settings):
    assert id_number_key_check(None) == []
    settings.DEBUG, settings.ID_NUMBER_KEY = True, ""
    assert id_number_key_check(None) == []


def test_check_deploy_fails_without_the_key(settings):
    from django.core.management.base import SystemCheckError

    settings.DEBUG = False
    settings.ID_NUMBER_KEY = ""
    with pytest.raises(SystemCheckError, match="ID_NUMBER_KEY"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


# --- a wrong key -----------------------------------------------------------------------------------


@pytest.fixture
def registered(small_city, people):
    return volunteer(people.community_worker, small_city.community_a1, seq=1)


def test_a_wrong_key_gives_a_clear_page_not_a_500(registered, people, settings):
    settings.ID_NUMBER_KEY = Fernet.generate_key().decode()
    response = signed_in(people.community_worker).post(
        f"/participation/volunteers/{registered.pk}/reveal/", {"reason": "回访"}
    )
    assert response.status_code == 503
    assert "身份证号" in response.content.decode() and "密钥" in response.content.decode()
    # Lists show the last four characters only: they need no key and keep working.
    listing = signed_in(people.community_worker).get("/participation/volunteers/")
    assert listing.status_code == 200


def test_a_wrong_key_gives_a_clear_api_error_not_a_500(registered, people, settings):
    settings.ID_NUMBER_KEY = Fernet.generate_key().decode()
    client = APIClient()
    client.force_authenticate(people.community_worker)
    response = client.post(f"/api/v1/volunteers/{registered.pk}/reveal/", {"reason": "回访"}, format="json")
    assert response.status_code == 503
    assert "密钥" in response.json()["detail"]


def test_a_wrong_key_speaks_the_users_language(registered, people, settings):
    settings.ID_NUMBER_KEY = Fernet.generate_key().decode()
    client = signed_in(people.community_worker)
    client.cookies["django_language"] = "en"
    response = client.post(f"/participation/volunteers/{registered.pk}/reveal/", {"reason": "call back"})
    assert response.status_code == 503
    assert "ID numbers cannot be read" in response.content.decode()


# --- rotation ----------------------------------------------------------------------------------------


def write_key(tmp_path, name, key) -> str:
    path = tmp_path / name
    path.write_text(key + "\n")
    return str(path)


def test_rotating_the_key_re_encrypts_every_number_and_keeps_duplicates_found(
    small_city, people, settings, tmp_path, django_capture_on_commit_callbacks
):
    first = volunteer(people.community_worker, small_city.community_a1, seq=1)
    volunteer(people.community_worker, small_city.community_a1, seq=2, id_number="")
    batch, _ = services.import_upload(
        user=people.community_worker,
        community=small_city.community_a1,
        filename="v.xlsx",
        content=xlsx([HEADER, ["张一", phone(9), id_number(9), "", "", "", ""]]),
    )
    old, new = settings.ID_NUMBER_KEY, Fernet.generate_key().decode()
    before = Volunteer.objects.get(pk=first.pk).id_number_token
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "rotate_id_number_key",
            old_key_file=write_key(tmp_path, "old", old),
            new_key_file=write_key(tmp_path, "new", new),
            stdout=io.StringIO(),
        )
    settings.ID_NUMBER_KEY = new
    first.refresh_from_db()
    assert first.id_number_token != before
    assert privacy.decrypt_id_number(first.id_number_token) == id_number(1)
    assert first.id_number_hash == privacy.id_number_hash(id_number(1))
    with pytest.raises(Exception, match="ID number"):
        volunteer(people.community_worker, small_city.community_a1, seq=3, id_number=id_number(1))
    # the pending import still opens and confirms under the new key
    batch, report = services.import_confirm(user=people.community_worker, batch=ImportBatch.objects.get(pk=batch.pk))
    assert report.saved == 1
    assert AuditEvent.objects.filter(action="id_number_key.rotate", changes__volunteers=1).exists()


def test_a_rotation_that_meets_an_unreadable_row_changes_nothing(small_city, people, settings, tmp_path):
    good = volunteer(people.community_worker, small_city.community_a1, seq=1)
    stranger_key = Fernet.generate_key().decode()
    bad = volunteer(people.community_worker, small_city.community_a1, seq=2)
    Volunteer.objects.filter(pk=bad.pk).update(
        id_number_token=Fernet(stranger_key.encode()).encrypt(id_number(2).encode()).decode()
    )
    before = Volunteer.objects.get(pk=good.pk).id_number_token
    with pytest.raises(CommandError, match="nothing changed"):
        call_command(
            "rotate_id_number_key",
            old_key_file=write_key(tmp_path, "old", settings.ID_NUMBER_KEY),
            new_key_file=write_key(tmp_path, "new", Fernet.generate_key().decode()),
        )
    assert Volunteer.objects.get(pk=good.pk).id_number_token == before


def test_rotation_refuses_a_malformed_new_key(small_city, people, settings, tmp_path):
    with pytest.raises(CommandError, match="new key"):
        call_command(
            "rotate_id_number_key",
            old_key_file=write_key(tmp_path, "old", settings.ID_NUMBER_KEY),
            new_key_file=write_key(tmp_path, "new", "short"),
        )


# --- import leftovers ----------------------------------------------------------------------------


def upload(people, small_city, rows):
    return services.import_upload(
        user=people.community_worker, community=small_city.community_a1, filename="v.xlsx", content=xlsx(rows)
    )


def test_a_sheet_waiting_for_confirmation_is_stored_encrypted(small_city, people):
    batch, _ = upload(people, small_city, [HEADER, ["张一", phone(1), id_number(1), "", "", "", ""]])
    with default_storage.open(batch.file.name, "rb") as handle:
        stored = handle.read()
    assert id_number(1).encode() not in stored
    assert not stored.startswith(b"PK"), "not a readable workbook on disk"


def test_rejected_rows_never_show_an_id_number_in_clear(small_city, people, django_capture_on_commit_callbacks):
    rows = [HEADER, ["张一", "12345", id_number(1), "", "", "", ""]]  # bad phone, good ID number
    batch, report = upload(people, small_city, rows)
    assert id_number(1) not in str(report.errors)
    assert id_number(1)[-4:] in str(report.errors)
    client = signed_in(people.community_worker)
    with django_capture_on_commit_callbacks(execute=True):  # the check of the rows, as the page asks for it
        client.post(f"/participation/volunteers/import/{batch.pk}/check/")
    sheet = client.get(f"/participation/volunteers/import/{batch.pk}/errors.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
    cells = [c for r in workbook.active.iter_rows(values_only=True) for c in r]
    assert id_number(1) not in [str(c) for c in cells]
    batch, _ = services.import_confirm(user=people.community_worker, batch=batch)
    stored = load_workbook(io.BytesIO(batch.errors_file.read())).active
    assert id_number(1) not in [str(c) for r in stored.iter_rows(values_only=True) for c in r]


@override_settings(IMPORT_PREVIEW_TTL_HOURS=24, IMPORT_ERRORS_TTL_DAYS=7)
def test_abandoned_previews_and_old_rejected_row_sheets_are_purged(
    small_city, people, django_capture_on_commit_callbacks
):
    abandoned, _ = upload(people, small_city, [HEADER, ["张一", phone(1), id_number(1), "", "", "", ""]])
    fresh, _ = upload(people, small_city, [HEADER, ["李二", phone(2), "", "", "", "", ""]])
    saved, _ = upload(people, small_city, [HEADER, ["王三", "123", "", "", "", "", ""]])
    saved, _ = services.import_confirm(user=people.community_worker, batch=saved)
    abandoned_file, sheet_file = abandoned.file.name, saved.errors_file.name
    long_ago = timezone.now() - datetime.timedelta(days=8)
    ImportBatch.objects.filter(pk__in=[abandoned.pk, saved.pk]).update(created_at=long_ago, updated_at=long_ago)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_imports", stdout=out)
    assert "previews expired: 1; rejected-row sheets deleted: 1" in out.getvalue()
    abandoned.refresh_from_db()
    saved.refresh_from_db()
    fresh.refresh_from_db()
    assert abandoned.status == "cancelled" and not abandoned.file
    assert not default_storage.exists(abandoned_file) and not default_storage.exists(sheet_file)
    assert not saved.errors_file
    assert fresh.status == "preview" and default_storage.exists(fresh.file.name)


def test_an_upload_clears_old_leftovers_in_the_background(small_city, people, django_capture_on_commit_callbacks):
    abandoned, _ = upload(people, small_city, [HEADER, ["张一", phone(1), "", "", "", "", ""]])
    ImportBatch.objects.filter(pk=abandoned.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        upload(people, small_city, [HEADER, ["李二", phone(2), "", "", "", "", ""]])
    abandoned.refresh_from_db()
    assert abandoned.status == "cancelled"
