"""The materials library: the office distributes a recording, units confirm receipt of the latest
version, the office sees who has not; files are checked, streamed with Range and scoped."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gongjian.archives.models import Evidence
from gongjian.archives.services import FileIn
from gongjian.archives.tests.factories import archive_ruleset, jpeg, published_template
from gongjian.core.errors import NotPermitted
from gongjian.core.models import AuditEvent
from gongjian.materials import selectors, services
from gongjian.materials.audio import tone_wav
from gongjian.materials.models import Material, MaterialReceipt, MaterialVersion

pytestmark = pytest.mark.django_db


def distribute(people, small_city, *, data=None, kind="audio", title="小喇叭用语"):
    return services.material_create(
        actor=people.city_admin,
        owner_unit=small_city.city,
        kind=kind,
        title=title,
        file=FileIn(name="小喇叭.wav", data=data or tone_wav(seconds=0.2)),
    )


def test_a_new_version_becomes_the_latest_and_is_confirmed_afresh(people, small_city):
    material = distribute(people, small_city)
    first = material.latest
    services.receipt_confirm(actor=people.community_worker, version=first)
    second = services.material_add_version(
        actor=people.city_admin, material=material, file=FileIn("v2.wav", tone_wav(seconds=0.3)), note="改了一句"
    )
    assert material.latest == second and second.number == 2
    rows = selectors.version_receipts(actor=_actor(people.city_admin), version=second)
    assert {r["unit"].name for r in rows if r["receipt"] is None} == {"甲一社区", "甲二社区", "乙一社区"}
    rows = selectors.version_receipts(actor=_actor(people.city_admin), version=first)
    assert {r["unit"].name for r in rows if r["receipt"] is not None} == {"甲一社区"}
    assert (
        AuditEvent.objects.filter(action__in=["material.create", "material.version", "material.confirm"]).count() == 3
    )


def _actor(user):
    from gongjian.accounts.access import actor_for

    return actor_for(user)


def test_confirming_twice_changes_nothing_and_only_recipients_confirm(people, small_city):
    material = distribute(people, small_city)
    services.receipt_confirm(actor=people.community_worker, version=material.latest)
    services.receipt_confirm(actor=people.community_worker, version=material.latest)
    assert MaterialReceipt.objects.count() == 1
    for someone in (people.outsider, people.city_leader, people.volunteer, people.inspector):
        with pytest.raises(NotPermitted):
            services.receipt_confirm(actor=someone, version=material.latest)


@pytest.mark.parametrize(
    ("kind", "name", "data"),
    [
        ("audio", "小喇叭.mp3", b"not really audio"),
        ("audio", "photo.wav", None),  # a photo named .wav
        ("poster", "poster.exe", b"MZ\x90\x00"),
        ("poster", "macro.xlsm", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(people, small_city, kind, name, data):
    data = data if data is not None else jpeg(seed=1)
    with pytest.raises(ValidationError) as caught:
        services.material_create(
            actor=people.city_admin, owner_unit=small_city.city, kind=kind, title="x", file=FileIn(name, data)
        )
    assert "file" in caught.value.message_dict
    assert not Material.objects.exists() and not MaterialVersion.objects.exists()


def test_templates_take_the_archive_kinds(people, small_city):
    material = distribute(people, small_city, data=jpeg(seed=2), kind="poster", title="海报模板")
    assert material.latest.kind == "image" and material.latest.content_type == "image/jpeg"


def test_only_the_office_distributes(people, small_city):
    for someone in (people.community_worker, people.outsider, people.city_leader):
        with pytest.raises(NotPermitted):
            services.material_create(
                actor=someone, owner_unit=small_city.city, kind="audio", title="x", file=FileIn("a.wav", tone_wav())
            )
    # a street distributes to its own communities
    material = services.material_create(
        actor=people.street_officer,
        owner_unit=small_city.street_a,
        kind="audio",
        title="街道",
        file=FileIn("a.wav", tone_wav(seconds=0.1)),
    )
    rows = selectors.version_receipts(actor=_actor(people.street_officer), version=material.latest)
    assert {r["unit"].name for r in rows} == {"甲一社区", "甲二社区"}


def test_pages_scope_and_the_office_sees_who_has_not_confirmed(client, people, small_city):
    material = distribute(people, small_city)
    client.force_login(people.community_worker)
    page = client.get(f"/materials/{material.pk}/").content.decode()
    assert 'id="latest-audio"' in page and 'id="confirm"' in page and "乙一社区" not in page
    response = client.post(f"/materials/{material.pk}/versions/{material.latest.pk}/confirm/")
    assert response.status_code == 302
    client.force_login(people.city_admin)
    page = client.get(f"/materials/{material.pk}/").content.decode()
    assert "2 个单位未签收" in page or "2 units have not confirmed" in page
    client.force_login(people.outsider)
    assert client.get(f"/materials/{material.pk}/").status_code == 404
    assert client.get(f"/materials/{material.pk}/versions/{material.latest.pk}/file/").status_code == 404
    assert client.post(f"/materials/{material.pk}/versions/{material.latest.pk}/confirm/").status_code == 404


def test_other_cities_never_see_the_material(client, people, small_city):
    from gongjian.accounts.choices import Role
    from gongjian.testing.factories import user_with_role

    material = distribute(people, small_city)
    neighbour = user_with_role(Role.COMMUNITY_WORKER, unit=small_city.other_community, username="neighbour")
    client.force_login(neighbour)
    assert client.get(f"/materials/{material.pk}/").status_code == 404
    assert client.get("/api/v1/materials/").json()["count"] == 0


def test_audio_is_streamed_with_ranges(client, people, small_city):
    data = tone_wav(seconds=0.2)
    material = distribute(people, small_city, data=data)
    client.force_login(people.community_worker)
    url = f"/materials/{material.pk}/versions/{material.latest.pk}/file/"
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes" and b"".join(whole.streaming_content) == data
    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:200]
    assert client.get(url, HTTP_RANGE=f"bytes={len(data)}-").status_code == 416
    download = client.get(url + "?download=1")
    assert "attachment" in download["Content-Disposition"]


def test_the_upload_page_refuses_a_bad_file_with_a_message(client, people, small_city):
    client.force_login(people.city_admin)
    response = client.post(
        "/materials/",
        {
            "owner_unit": small_city.city.pk,
            "kind": "audio",
            "title": "用语",
            "recipient_level": "community",
            "file": SimpleUploadedFile("a.mp3", b"plain text", content_type="audio/mpeg"),
        },
    )
    assert response.status_code == 400 and "MP3" in response.content.decode()
    assert not Material.objects.exists()


def test_the_api_lists_scoped_materials_and_confirms(client, people, small_city):
    material = distribute(people, small_city)
    assert client.post(f"/api/v1/materials/{material.pk}/confirm/").status_code == 401
    client.force_login(people.community_worker)
    body = client.get("/api/v1/materials/").json()
    assert body["count"] == 1 and body["results"][0]["latest_version"] == 1
    assert [r["unit_name"] for r in body["results"][0]["receipts"]] == ["甲一社区"]
    assert client.post(f"/api/v1/materials/{material.pk}/confirm/").json()["version"] == 1
    client.force_login(people.city_admin)
    receipts = client.get(f"/api/v1/materials/{material.pk}/").json()["receipts"]
    assert {r["unit_name"]: bool(r["confirmed_at"]) for r in receipts} == {
        "甲一社区": True,
        "甲二社区": False,
        "乙一社区": False,
    }
    client.force_login(people.outsider)
    assert client.post(f"/api/v1/materials/{material.pk}/confirm/").status_code == 404
    assert client.get(f"/api/v1/materials/{material.pk}/").status_code == 404


def test_a_confirmed_receipt_files_itself_in_the_archive(people, small_city, django_capture_on_commit_callbacks):
    published_template(people.city_admin, archive_ruleset(people.city_admin, small_city.city))
    material = distribute(people, small_city, data=jpeg(seed=4), kind="proposal", title="倡议书模板")
    with django_capture_on_commit_callbacks(execute=True):
        services.receipt_confirm(actor=people.community_worker, version=material.latest)
    record = Evidence.objects.get(source="material", is_current=True)
    assert record.unit == small_city.community_a1 and "倡议书模板" in record.title and record.files.count() == 1
