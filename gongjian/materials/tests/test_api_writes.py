"""Writes through the API that a field officer's phone makes: a unit confirms receipt of a material
version (the latest or a named one, once), registers a propaganda position with its photo and
records an update; resends with the same Idempotency-Key write nothing twice, bad input is refused
in Chinese and changes nothing, and the outsider gets 404."""

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongjian.accounts.choices import Role
from gongjian.archives.services import FileIn
from gongjian.archives.tests.factories import jpeg
from gongjian.core.models import AuditEvent
from gongjian.inspections.tests.test_services import fresh, postgres_only, run_together
from gongjian.materials import positions, services
from gongjian.materials.audio import tone_wav
from gongjian.materials.models import MaterialReceipt, Position, PositionUpdate
from gongjian.testing.factories import user_with_role

pytestmark = pytest.mark.django_db


def distribute(people, small_city):
    material = services.material_create(
        actor=people.city_admin,
        owner_unit=small_city.city,
        kind="audio",
        title="小喇叭用语",
        file=FileIn(name="v1.wav", data=tone_wav(seconds=0.2)),
    )
    services.material_add_version(
        actor=people.city_admin, material=material, file=FileIn(name="v2.wav", data=tone_wav(seconds=0.3))
    )
    return material


def photo(seed=1, name="p.jpg"):
    return SimpleUploadedFile(name, jpeg(seed=seed), content_type="image/jpeg")


# --- materials: confirm a version ------------------------------------------------------------------


def test_a_unit_confirms_a_named_version_once(client, people, small_city):
    material = distribute(people, small_city)
    client.force_login(people.community_worker)
    url = f"/api/v1/materials/{material.pk}/confirm/"
    first = client.post(url, {"version": 1}, content_type="application/json")
    again = client.post(url, {"version": 1}, content_type="application/json")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["version"] == 1
    assert first.json()["unit"] == small_city.community_a1.pk
    assert MaterialReceipt.objects.filter(version__number=1).count() == 1
    assert AuditEvent.objects.filter(action="material.confirm").count() == 1
    latest = client.post(url)  # no body: the latest version
    assert latest.status_code == 200 and latest.json()["version"] == 2


def test_an_unknown_version_or_a_unit_not_ones_own_is_refused_in_chinese_and_nothing_is_confirmed(
    client, people, small_city
):
    material = distribute(people, small_city)
    client.force_login(people.community_worker)
    url = f"/api/v1/materials/{material.pk}/confirm/"
    unknown = client.post(url, {"version": 9}, content_type="application/json")
    assert unknown.status_code == 400 and unknown.json()["version"] == ["该资料没有第 9 版。"]
    sibling = client.post(url, {"unit": small_city.community_a2.pk}, content_type="application/json")
    assert sibling.status_code == 400 and sibling.json()["unit"] == ["该单位不是这份资料的签收单位。"]
    malformed = client.post(url, {"version": "最新"}, content_type="application/json")
    assert malformed.status_code == 400 and "version" in malformed.json()
    assert not MaterialReceipt.objects.exists()


def test_someone_answering_for_two_communities_names_the_one_confirming(client, people, small_city):
    from gongjian.accounts.models import Membership

    material = distribute(people, small_city)
    worker = user_with_role(Role.COMMUNITY_WORKER, unit=small_city.community_a1, username="two_hats")
    Membership.objects.create(user=worker, unit=small_city.community_a2, role=Role.COMMUNITY_WORKER)
    client.force_login(worker)
    response = client.post(
        f"/api/v1/materials/{material.pk}/confirm/",
        {"unit": small_city.community_a2.pk},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["unit"] == small_city.community_a2.pk


def test_the_distributor_cannot_confirm_and_the_outsider_gets_404(client, people, small_city):
    material = distribute(people, small_city)
    client.force_login(people.city_admin)
    refused = client.post(f"/api/v1/materials/{material.pk}/confirm/", {"version": 1}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["detail"] == "只有接收单位才能签收该资料。"
    client.force_login(people.outsider)
    assert client.post(f"/api/v1/materials/{material.pk}/confirm/").status_code == 404
    assert not MaterialReceipt.objects.exists()


# --- positions: register -----------------------------------------------------------------------------


def register_body(small_city, **kw):
    body = {
        "unit": small_city.community_a1.pk,
        "kind": "blackboard",
        "name": "社区黑板报",
        "address": "社区服务中心东墙",
        "lat": "30.1",
        "lng": "120.2",
        "photo": photo(),
    }
    body.update(kw)
    return {k: v for k, v in body.items() if v is not None}


def test_a_keeper_registers_a_position_with_its_photo_and_a_resend_writes_nothing_twice(client, people, small_city):
    client.force_login(people.community_worker)
    key = str(uuid.uuid4())
    first = client.post("/api/v1/positions/", register_body(small_city), HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["name"] == "社区黑板报" and body["stale"] is False and body["last_update"] is None
    assert body["period_days"] == 31
    assert body["due"] == (timezone.localdate() + datetime.timedelta(days=31)).isoformat()
    assert body["photo_url"] == f"/materials/positions/{body['id']}/photo/"
    assert client.get(body["photo_url"]).status_code == 200
    again = client.post("/api/v1/positions/", register_body(small_city, photo=photo(seed=2)), HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Position.objects.count() == 1
    assert AuditEvent.objects.filter(action="position.register").count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"photo": SimpleUploadedFile("p.jpg", b"not a photo")}, "photo", None),
        ({"lng": None}, "lat", "经纬度须同时填写或同时留空。"),
        ({"name": " "}, "name", None),
        ({"kind": "tv"}, "kind", None),
    ],
)
def test_a_bad_registration_is_refused_in_chinese_and_stores_nothing(
    client, people, small_city, change, field, message
):
    client.force_login(people.community_worker)
    response = client.post("/api/v1/positions/", register_body(small_city, **change))
    assert response.status_code == 400 and field in response.json()
    text = " ".join(response.json()[field])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    if message:
        assert text == message
    assert not Position.objects.exists() and not AuditEvent.objects.filter(action="position.register").exists()


def test_a_unit_one_does_not_keep_is_refused_and_a_malformed_key_too(client, people, small_city):
    client.force_login(people.community_worker)
    sibling = client.post("/api/v1/positions/", register_body(small_city, unit=small_city.community_a2.pk))
    assert sibling.status_code == 400 and sibling.json()["unit"] == ["您不能为该单位登记宣传阵地。"]
    bad_key = client.post("/api/v1/positions/", register_body(small_city), HTTP_IDEMPOTENCY_KEY="again")
    assert bad_key.status_code == 400 and bad_key.json()["idempotency_key"] == ["幂等键必须是 UUID。"]
    for someone in (people.outsider, people.inspector):
        client.force_login(someone)
        assert client.post("/api/v1/positions/", register_body(small_city)).status_code == 400
    assert client.post("/api/v1/positions/", register_body(small_city)).status_code == 400
    assert not Position.objects.exists()


# --- positions: record an update ------------------------------------------------------------------------


@pytest.fixture
def stale_position(people, small_city):
    position = positions.position_register(
        actor=people.community_worker, unit=small_city.community_a1, kind="blackboard", name="社区黑板报"
    )
    Position.objects.filter(pk=position.pk).update(created_at=timezone.now() - datetime.timedelta(days=60))
    return position


def test_an_update_with_a_photo_makes_a_stale_position_fresh_and_a_resend_records_it_once(
    client, people, stale_position
):
    client.force_login(people.community_worker)
    assert client.get(f"/api/v1/positions/{stale_position.pk}/").json()["stale"] is True
    today = timezone.localdate()
    key = str(uuid.uuid4())
    body = {"updated_on": today.isoformat(), "theme": "垃圾分类", "photo": photo(seed=3)}
    first = client.post(f"/api/v1/positions/{stale_position.pk}/updates/", body, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    result = first.json()
    assert result["theme"] == "垃圾分类" and result["updated_on"] == today.isoformat()
    assert result["position"]["stale"] is False and result["position"]["last_update"] == today.isoformat()
    assert result["position"]["due"] == (today + datetime.timedelta(days=31)).isoformat()
    assert client.get(result["thumbnail_url"]).status_code == 200
    body["photo"] = photo(seed=3)
    again = client.post(f"/api/v1/positions/{stale_position.pk}/updates/", body, HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 200 and again.json()["id"] == result["id"]
    assert PositionUpdate.objects.count() == 1
    assert AuditEvent.objects.filter(action="position.update").count() == 1


def test_the_same_key_for_another_kind_of_write_is_a_conflict(client, people, small_city, stale_position):
    client.force_login(people.community_worker)
    key = str(uuid.uuid4())
    assert client.post("/api/v1/positions/", register_body(small_city), HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    body = {"updated_on": timezone.localdate().isoformat(), "theme": "主题", "photo": photo(seed=4)}
    conflict = client.post(f"/api/v1/positions/{stale_position.pk}/updates/", body, HTTP_IDEMPOTENCY_KEY=key)
    assert conflict.status_code == 409 and conflict.json()["detail"] == "这个幂等键已用于另一种操作。"
    assert not PositionUpdate.objects.exists()


def test_a_future_date_or_a_missing_photo_is_refused_in_chinese_and_records_nothing(client, people, stale_position):
    client.force_login(people.community_worker)
    url = f"/api/v1/positions/{stale_position.pk}/updates/"
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    future = client.post(
        url, {"updated_on": tomorrow, "theme": "主题", "photo": photo()}, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert future.status_code == 400 and future.json()["updated_on"] == ["更新日期不能晚于今天。"]
    missing = client.post(url, {"updated_on": timezone.localdate().isoformat(), "theme": "主题"})
    assert missing.status_code == 400 and "photo" in missing.json()
    not_a_photo = client.post(
        url,
        {"updated_on": timezone.localdate().isoformat(), "theme": "主题", "photo": SimpleUploadedFile("x.jpg", b"zz")},
    )
    assert not_a_photo.status_code == 400 and "photo" in not_a_photo.json()
    assert not PositionUpdate.objects.exists() and not AuditEvent.objects.filter(action="position.update").exists()
    assert client.get(f"/api/v1/positions/{stale_position.pk}/").json()["stale"] is True


def test_readers_may_not_record_updates_and_the_outsider_gets_404(client, people, stale_position):
    body = {"updated_on": timezone.localdate().isoformat(), "theme": "主题", "photo": photo(seed=5)}
    url = f"/api/v1/positions/{stale_position.pk}/updates/"
    assert client.post(url, body).status_code == 401
    client.force_login(people.inspector)  # reads the archive of the whole city, keeps none
    body["photo"] = photo(seed=5)
    refused = client.post(url, body)
    assert refused.status_code == 403 and refused.json()["detail"] == "您不能为该单位记录更新。"
    for someone in (people.outsider, people.street_inspector):
        client.force_login(someone)
        body["photo"] = photo(seed=5)
        assert client.post(url, body).status_code == 404
    assert not PositionUpdate.objects.exists()


def test_old_api_write_keys_are_forgotten_by_purge_field_data(client, people, small_city):
    from io import StringIO

    from django.core.management import call_command

    from gongjian.api.models import WriteKey

    client.force_login(people.community_worker)
    key = str(uuid.uuid4())
    assert client.post("/api/v1/positions/", register_body(small_city), HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    fresh = StringIO()
    call_command("purge_field_data", stdout=fresh)
    assert "0 idempotency keys" in fresh.getvalue() and WriteKey.objects.count() == 1
    WriteKey.objects.update(created_at=timezone.now() - datetime.timedelta(days=31))
    out = StringIO()
    call_command("purge_field_data", stdout=out)
    assert "1 idempotency keys" in out.getvalue() and not WriteKey.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_resends_with_one_key_at_the_same_moment_register_one_position(people, small_city):
    """GIVEN a phone's outbox sending the same registration twice at once WHEN both arrive together
    THEN the second waits on the key's unique index and answers with the first one's position."""
    from gongjian.api import idempotency
    from gongjian.api.models import WriteKey

    key = uuid.uuid4()

    def send(seed):
        user = fresh(people.community_worker)
        return idempotency.idempotent(
            user=user,
            key=key,
            action="position.register",
            run=lambda: positions.position_register(
                actor=user, unit=small_city.community_a1, kind="board", name="宣传栏", photo=jpeg(seed=seed)
            ),
            load=lambda pk: Position.objects.get(pk=pk),
        )

    results = run_together(lambda: send(1), lambda: send(2))
    assert [kind for kind, _value in results] == ["ok", "ok"], results
    outcomes = [value for _kind, value in results]
    assert sorted(o.replayed for o in outcomes) == [False, True]
    assert len({o.obj.pk for o in outcomes}) == 1
    assert Position.objects.count() == 1 and WriteKey.objects.count() == 1
