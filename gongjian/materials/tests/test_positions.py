"""Propaganda positions: registered with a place and photo, updated with a dated photo, flagged
when stale, counted per unit for assessments, scoped, and filed in the archive."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongjian.archives.tests.factories import jpeg
from gongjian.core.errors import NotPermitted
from gongjian.core.models import AuditEvent
from gongjian.materials import positions
from gongjian.materials.models import Position, PositionUpdate

pytestmark = pytest.mark.django_db


def register(people, small_city, **kwargs):
    values = {"kind": "blackboard", "name": "社区黑板报", "lat": 30.1, "lng": 120.2, "photo": jpeg(seed=1)}
    values.update(kwargs)
    return positions.position_register(actor=people.community_worker, unit=small_city.community_a1, **values)


def test_a_position_is_stale_until_updated_within_its_period(people, small_city):
    position = register(people, small_city)
    Position.objects.filter(pk=position.pk).update(created_at=timezone.now() - datetime.timedelta(days=60))
    today = timezone.localdate()
    [row] = positions.with_status(positions.position_list(actor=_actor(people.community_worker)), today)
    assert row.is_stale
    positions.position_record_update(
        actor=people.community_worker, position=position, updated_on=today, theme="文明城市创建", photo=jpeg(seed=2)
    )
    [row] = positions.with_status(positions.position_list(actor=_actor(people.community_worker)), today)
    assert not row.is_stale and row.last_update == today
    assert AuditEvent.objects.filter(action__in=["position.register", "position.update"]).count() == 2


def _actor(user):
    from gongjian.accounts.access import actor_for

    return actor_for(user)


def test_the_period_comes_from_settings(people, small_city, settings):
    position = register(people, small_city)
    today = timezone.localdate()
    positions.position_record_update(
        actor=people.community_worker,
        position=position,
        updated_on=today - datetime.timedelta(days=10),
        theme="主题",
        photo=jpeg(seed=3),
    )
    assert not positions.unit_freshness([small_city.community_a1.pk])[small_city.community_a1.pk].stale
    settings.POSITION_UPDATE_DAYS = {"blackboard": 7}
    result = positions.unit_freshness([small_city.community_a1.pk])[small_city.community_a1.pk]
    assert (result.total, result.stale, str(result.stale_rate)) == (1, 1, "1.0000")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"photo": b"not a photo"}, "photo"),
        ({"lat": 30.0, "lng": None}, "lat"),
        ({"lat": 95.0, "lng": 120.0}, "lat"),
        ({"name": " "}, "name"),
        ({"kind": "tv"}, "kind"),
    ],
)
def test_bad_registrations_store_nothing(people, small_city, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        register(people, small_city, **kwargs)
    assert field in caught.value.message_dict and not Position.objects.exists()


def test_a_bad_or_missing_update_photo_or_a_future_date_stores_nothing(people, small_city):
    position = register(people, small_city)
    today = timezone.localdate()
    for photo, day in ((b"GIF89a-not", today), (None, today), (jpeg(seed=4), today + datetime.timedelta(days=1))):
        with pytest.raises(ValidationError):
            positions.position_record_update(
                actor=people.community_worker, position=position, updated_on=day, theme="主题", photo=photo
            )
    assert not PositionUpdate.objects.exists()


def test_only_the_units_keepers_write_and_outsiders_see_nothing(client, people, small_city):
    position = register(people, small_city)
    for someone in (people.outsider, people.inspector, people.volunteer):
        with pytest.raises(NotPermitted):
            positions.position_record_update(
                actor=someone, position=position, updated_on=timezone.localdate(), theme="x", photo=jpeg(seed=5)
            )
    client.force_login(people.outsider)
    assert client.get(f"/materials/positions/{position.pk}/").status_code == 404
    assert client.get(f"/materials/positions/{position.pk}/photo/").status_code == 404
    assert client.get(f"/api/v1/positions/{position.pk}/").status_code == 404
    client.force_login(people.street_inspector)  # street_b: not community_a1's street
    assert client.get(f"/materials/positions/{position.pk}/").status_code == 404
    client.force_login(people.street_officer)
    assert client.get(f"/materials/positions/{position.pk}/").status_code == 200


def test_pages_flag_stale_positions_and_record_updates(client, people, small_city):
    position = register(people, small_city)
    Position.objects.filter(pk=position.pk).update(created_at=timezone.now() - datetime.timedelta(days=90))
    client.force_login(people.community_worker)
    page = client.get("/materials/positions/?show=stale").content.decode()
    assert 'data-stale="1"' in page and "社区黑板报" in page
    response = client.post(
        f"/materials/positions/{position.pk}/",
        {
            "updated_on": timezone.localdate().isoformat(),
            "theme": "垃圾分类",
            "photo": SimpleUploadedFile("u.jpg", jpeg(seed=6), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302
    assert "社区黑板报" not in client.get("/materials/positions/?show=stale").content.decode()
    bad = client.post(
        f"/materials/positions/{position.pk}/",
        {"updated_on": timezone.localdate().isoformat(), "theme": "x", "photo": SimpleUploadedFile("u.jpg", b"zz")},
    )
    assert bad.status_code == 400 and PositionUpdate.objects.count() == 1
    update = PositionUpdate.objects.get()
    assert client.get(f"/materials/positions/updates/{update.pk}/photo/?thumb=1").status_code == 200


def test_the_api_lists_positions_with_their_state(client, people, small_city):
    register(people, small_city)
    client.force_login(people.community_worker)
    [row] = client.get("/api/v1/positions/").json()["results"]
    assert row["name"] == "社区黑板报" and row["stale"] is False and row["period_days"] == 31
    client.force_login(people.outsider)
    assert client.get("/api/v1/positions/").json()["count"] == 0


def test_an_update_files_itself_in_the_archive_when_a_template_asks_for_photos(
    people, small_city, django_capture_on_commit_callbacks
):
    from gongjian.archives import services as archive_services
    from gongjian.archives.choices import EvidenceKind, Interval
    from gongjian.archives.models import Evidence
    from gongjian.archives.services import RequirementIn, SectionIn
    from gongjian.archives.tests.factories import archive_ruleset, item

    position = register(people, small_city)
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    template = archive_services.template_create(
        user=people.city_admin,
        ruleset=ruleset,
        name="宣传阵地台帐",
        sections=[
            SectionIn(
                title="宣传阵地",
                rule_item=item(ruleset, "3.1"),
                requirements=(
                    RequirementIn(
                        description="每月更新照片", kinds=(EvidenceKind.PHOTO_SET,), interval=Interval.MONTHLY
                    ),
                ),
            )
        ],
    )
    archive_services.template_publish(user=people.city_admin, template=template)
    with django_capture_on_commit_callbacks(execute=True):
        positions.position_record_update(
            actor=people.community_worker,
            position=position,
            updated_on=timezone.localdate(),
            theme="文明创建",
            photo=jpeg(seed=7),
        )
    record = Evidence.objects.get(source="position", is_current=True)
    assert record.unit == small_city.community_a1 and "文明创建" in record.title and record.files.count() == 1


@pytest.fixture
def updated(people, small_city):
    position = register(people, small_city)
    update = positions.position_record_update(
        actor=people.community_worker,
        position=position,
        updated_on=timezone.localdate(),
        theme="录错的阵地",
        photo=jpeg(seed=8),
    )
    return position, update


def test_a_keeper_removes_an_update_recorded_by_mistake_from_the_page_saying_why(client, people, updated):
    position, update = updated
    client.force_login(people.community_worker)
    page = client.get(f"/materials/positions/{position.pk}/").content.decode()
    assert f'action="/materials/positions/updates/{update.pk}/remove/"' in page
    no_reason = client.post(f"/materials/positions/updates/{update.pk}/remove/", {"reason": "  "}, follow=True)
    assert PositionUpdate.objects.filter(pk=update.pk).exists()
    assert no_reason.status_code == 200 and "alert-danger" in no_reason.content.decode()
    done = client.post(f"/materials/positions/updates/{update.pk}/remove/", {"reason": "拍错了阵地"})
    assert done.status_code == 302 and done["Location"] == f"/materials/positions/{position.pk}/"
    assert not PositionUpdate.objects.filter(pk=update.pk).exists()
    event = AuditEvent.objects.get(action="position.update_remove")
    assert (event.actor, event.note) == (people.community_worker, "拍错了阵地")
    assert client.get(f"/materials/positions/updates/{update.pk}/remove/").status_code in (404, 405)


def test_readers_cannot_remove_updates_and_outsiders_get_404(client, people, updated):
    position, update = updated
    url = f"/materials/positions/updates/{update.pk}/remove/"
    client.force_login(people.city_leader)  # reads every unit's positions, keeps none
    assert client.get(f"/materials/positions/{position.pk}/").status_code == 200
    assert "update-remove" not in client.get(f"/materials/positions/{position.pk}/").content.decode()
    assert client.post(url, {"reason": "x"}).status_code == 403
    for someone in (people.outsider, people.street_inspector):
        client.force_login(someone)
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert client.post("/materials/positions/updates/999999999/remove/", {"reason": "x"}).status_code == 404
    assert PositionUpdate.objects.filter(pk=update.pk).exists()


def test_the_api_removes_an_update_with_a_reason(client, people, updated):
    position, update = updated
    url = f"/api/v1/positions/{position.pk}/updates/{update.pk}/remove/"
    client.force_login(people.outsider)
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 404
    client.force_login(people.community_worker)
    assert client.post(url, {}, content_type="application/json").status_code == 400
    assert client.post(f"/api/v1/positions/{position.pk}/updates/999999/remove/", {"reason": "x"}).status_code == 404
    done = client.post(url, {"reason": "日期录错"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["id"] == position.pk
    assert not PositionUpdate.objects.exists()
    assert client.post(url, {"reason": "again"}, content_type="application/json").status_code == 404


def test_removing_the_same_update_twice_records_one_removal_and_a_reason_is_cleaned(people, updated):
    position, update = updated
    again = PositionUpdate.objects.get(pk=update.pk)  # a second request's copy, loaded before the first removes it
    positions.position_update_remove(actor=people.community_worker, update=update, reason="拍错\x00了")
    positions.position_update_remove(actor=people.community_worker, update=again, reason="拍错了")
    [event] = AuditEvent.objects.filter(action="position.update_remove")
    assert event.note == "拍错了" and not PositionUpdate.objects.exists()
