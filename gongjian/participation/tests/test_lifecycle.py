"""An activity goes planned → held (the day, attendance, volunteers' hours, captioned photos) →
archived, or planned → cancelled with a reason; a planned activity whose day has passed waits in
the community's work queue until one of those happens. Transitions are guarded by the rules, by
the version the user saw and by the actor's rights, and every one is audited."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from gongjian.archives.tests.test_collection import template  # noqa: F401  (fixture)
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.models import AuditEvent
from gongjian.participation import lifecycle, selectors, services
from gongjian.participation.lifecycle import Action
from gongjian.participation.models import Activity
from gongjian.participation.tests.factories import activity, hours, jpeg_bytes, volunteer

# --- the rules, without a database -------------------------------------------------------------

STATES = ["planned", "held", "archived", "cancelled"]
ALLOWED = {("planned", "hold"): "held", ("planned", "cancel"): "cancelled", ("held", "archive"): "archived"}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(Action))
def test_each_state_allows_only_its_transitions(state, action):
    if (state, action.value) in ALLOWED:
        assert lifecycle.decide(state, action) == ALLOWED[(state, action.value)]
        assert action in lifecycle.actions_from(state)
    else:
        with pytest.raises(lifecycle.TransitionRefused):
            lifecycle.decide(state, action)
        assert action not in lifecycle.actions_from(state)


def test_an_unknown_action_is_refused():
    with pytest.raises(lifecycle.TransitionRefused):
        lifecycle.decide("planned", "delete")


@pytest.mark.parametrize(
    ("state", "day", "overdue"),
    [
        ("planned", datetime.date(2026, 5, 31), True),  # yesterday
        ("planned", datetime.date(2026, 6, 1), False),  # today: not yet
        ("planned", datetime.date(2026, 6, 2), False),
        ("held", datetime.date(2026, 5, 1), False),
        ("cancelled", datetime.date(2026, 5, 1), False),
        ("archived", datetime.date(2026, 5, 1), False),
    ],
)
def test_only_a_planned_activity_past_its_day_is_overdue(state, day, overdue):
    assert lifecycle.is_overdue(state, day, datetime.date(2026, 6, 1)) is overdue


# --- the services --------------------------------------------------------------------------------


def _yesterday_at_nine():
    day = timezone.localdate() - datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


@pytest.fixture
def planned(small_city, people, settings):
    # The lifecycle on its own: the plan (方案) required before holding is tested in test_activity_plans.py.
    settings.ACTIVITY_PLAN_REQUIRED = False
    return activity(
        people.community_worker,
        small_city.community_a1,
        status="planned",
        when=_yesterday_at_nine(),
        now=timezone.now(),
        title="邻里节",
    )


@pytest.fixture
def helper(small_city, people):
    return volunteer(people.community_worker, small_city.community_a1, 7)


def _hold(people, planned, helper, **kw):
    args = {
        "user": people.community_worker,
        "activity": planned,
        "held_on": timezone.localdate(),
        "attendance": 35,
        "volunteers": [hours(helper, "2.5")],
        "photos": [(jpeg_bytes(), "居民一起打扫楼道")],
        "version": 1,
    }
    args.update(kw)
    return services.activity_hold(**args)


@pytest.mark.django_db
def test_holding_records_the_day_attendance_hours_and_captioned_photos(people, planned, helper):
    held = _hold(people, planned, helper)
    held.refresh_from_db()
    assert (held.status, held.held_on, held.attendance, held.version) == ("held", timezone.localdate(), 35, 2)
    assert [(s.volunteer_id, s.hours) for s in held.volunteer_hours.all()] == [(helper.pk, Decimal("2.5"))]
    assert [p.caption for p in held.photos.all()] == ["居民一起打扫楼道"]
    event = AuditEvent.objects.get(action="activity.hold", target_id=str(held.pk))
    assert (event.actor, event.from_state, event.to_state) == (people.community_worker, "planned", "held")
    assert event.changes["attendance"] == 35 and event.changes["photos"] == 1


@pytest.mark.django_db
def test_a_held_activity_is_collected_into_the_archive_on_the_day_it_was_held(
    people,
    planned,
    helper,
    template,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from gongjian.archives.models import Evidence

    assert not Evidence.objects.filter(source="activity", source_id=planned.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _hold(people, planned, helper)
    evidence = Evidence.objects.get(source="activity", source_id=planned.pk, is_current=True)
    assert evidence.date == timezone.localdate()
    assert [f.caption for f in evidence.files.all()] == ["居民一起打扫楼道"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": timezone.localdate() + datetime.timedelta(days=1)}, "held_on"),
        ({"attendance": 0}, "attendance"),
        ({"photos": [(b"", "   ")]}, "photos"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(people, planned, helper, change, field):
    with pytest.raises(ValidationError) as refused:
        _hold(people, planned, helper, **change)
    assert field in refused.value.message_dict
    planned.refresh_from_db()
    assert (planned.status, planned.version, planned.photos.count()) == ("planned", 1, 0)


@pytest.mark.django_db
def test_a_stale_page_cannot_overwrite_someone_elses_change(people, planned, helper):
    services.activity_cancel(user=people.community_worker, activity=planned, reason="暴雨", version=1)
    with pytest.raises(Conflict):
        _hold(people, planned, helper, version=1)
    planned.refresh_from_db()
    assert (planned.status, planned.cancel_reason, planned.volunteer_hours.count()) == ("cancelled", "暴雨", 0)


@pytest.mark.django_db
def test_a_cancelled_activity_cannot_be_held_even_with_the_right_version(people, planned, helper):
    services.activity_cancel(user=people.community_worker, activity=planned, reason="暴雨", version=1)
    with translation.override("en"), pytest.raises(Conflict, match="Only a planned activity"):
        _hold(people, planned, helper, version=2)


@pytest.mark.django_db
def test_cancelling_needs_a_reason_and_is_audited(people, planned):
    with pytest.raises(ValidationError):
        services.activity_cancel(user=people.community_worker, activity=planned, reason="  ", version=1)
    services.activity_cancel(user=people.community_worker, activity=planned, reason="场地被占用", version=1)
    event = AuditEvent.objects.get(action="activity.cancel")
    assert (event.from_state, event.to_state, event.note) == ("planned", "cancelled", "场地被占用")


@pytest.mark.django_db
def test_only_a_held_activity_is_archived(people, planned, helper):
    with pytest.raises(Conflict):
        services.activity_archive(user=people.community_worker, activity=planned, version=1)
    _hold(people, planned, helper)
    archived = services.activity_archive(user=people.community_worker, activity=planned, version=2)
    assert (archived.status, archived.version) == ("archived", 3)
    assert AuditEvent.objects.filter(action="activity.archive", to_state="archived").count() == 1
    # Archived activities still count as held: the volunteer keeps the hours.
    _lines, total = selectors.volunteer_service(volunteer=archived.volunteer_hours.get().volunteer)
    assert total == Decimal("2.5")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["city_leader", "inspector", "liaison"])
def test_roles_that_only_read_activities_cannot_change_them(people, planned, helper, who):
    with pytest.raises(NotPermitted):
        services.activity_cancel(user=getattr(people, who), activity=planned, reason="x", version=1)


@pytest.mark.django_db
def test_a_new_activity_is_recorded_as_planned_or_held_only(people, small_city):
    with pytest.raises(ValidationError) as refused:
        activity(people.community_worker, small_city.community_a1, status="cancelled")
    assert "status" in refused.value.message_dict
    held = activity(people.community_worker, small_city.community_a1, status="held")
    assert held.held_on == timezone.localtime(held.starts_at).date()


# --- the work queue --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_overdue_activity_waits_in_its_communitys_queue_only(people, small_city, planned):
    today_later = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(23, 59)))
    activity(
        people.community_worker,
        small_city.community_a1,
        status="planned",
        when=today_later,
        now=timezone.now(),
        title="今晚",
    )
    assert list(selectors.activities_overdue(_actor(people.community_worker))) == [planned]
    assert list(selectors.activities_overdue(_actor(people.street_officer))) == [planned]
    for who in ("outsider", "city_leader", "inspector", "volunteer"):
        assert list(selectors.activities_overdue(_actor(getattr(people, who)))) == []


def _actor(user):
    from gongjian.accounts.access import actor_for

    return actor_for(user)


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["hold", "cancel"])
def test_holding_or_cancelling_takes_it_out_of_the_queue(people, planned, helper, how):
    client = Client()
    client.force_login(people.community_worker)
    assert "邻里节" in client.get("/problems/queue/").content.decode()
    if how == "hold":
        _hold(people, planned, helper)
    else:
        services.activity_cancel(user=people.community_worker, activity=planned, reason="暴雨", version=1)
    assert "邻里节" not in client.get("/problems/queue/").content.decode()


# --- the pages -------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_held_page_records_photos_with_captions_and_hours(people, planned, helper):
    client = _client(people.community_worker)
    url = f"/participation/activities/{planned.pk}/held/"
    page = client.get(url)
    assert page.status_code == 200 and helper.name in page.content.decode()
    response = client.post(
        url,
        {
            "version": 1,
            "held_on": timezone.localdate().isoformat(),
            "attendance": "28",
            f"hours_{helper.pk}": "3",
            "photo_1": SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg"),
            "caption_1": "志愿者清理绿化带",
        },
    )
    assert response.status_code == 302
    planned.refresh_from_db()
    assert (planned.status, planned.attendance) == ("held", 28)
    assert planned.photos.get().caption == "志愿者清理绿化带"
    assert planned.volunteer_hours.get().hours == Decimal("3")


@pytest.mark.django_db
def test_the_held_page_shows_every_error_at_once_and_saves_nothing(people, planned, helper):
    response = _client(people.community_worker).post(
        f"/participation/activities/{planned.pk}/held/",
        {
            "version": 1,
            "held_on": "",
            "attendance": "0",
            "photo_1": SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg"),
            "caption_1": "",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"held_on", "attendance", "caption_1"} <= set(errors)
    planned.refresh_from_db()
    assert planned.status == "planned"


@pytest.mark.django_db
def test_the_cancel_page_needs_a_reason(people, planned):
    client = _client(people.community_worker)
    url = f"/participation/activities/{planned.pk}/cancel/"
    assert client.post(url, {"version": 1, "reason": ""}).status_code == 400
    assert client.post(url, {"version": 1, "reason": "暴雨"}).status_code == 302
    planned.refresh_from_db()
    assert (planned.status, planned.cancel_reason) == ("cancelled", "暴雨")
    assert "暴雨" in client.get(f"/participation/activities/{planned.pk}/").content.decode()


@pytest.mark.django_db
def test_a_cancel_sent_from_a_page_opened_before_it_was_held_changes_nothing(people, planned, helper):
    _hold(people, planned, helper)
    client = _client(people.community_worker)
    response = client.post(f"/participation/activities/{planned.pk}/cancel/", {"version": 1, "reason": "暴雨"})
    assert response.status_code == 302  # held since: the page is no longer offered
    planned.refresh_from_db()
    assert planned.status == "held"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [("city_leader", 403), ("street_officer", 200), ("outsider", 404), ("inspector", 403), ("volunteer", 404)],
)
def test_who_may_open_the_held_page(people, planned, who, status):
    assert _client(getattr(people, who)).get(f"/participation/activities/{planned.pk}/held/").status_code == status


@pytest.mark.django_db
def test_the_detail_page_offers_the_next_steps_only_to_those_who_may_take_them(people, planned):
    page = _client(people.community_worker).get(f"/participation/activities/{planned.pk}/").content.decode()
    assert 'id="action-hold"' in page and 'id="action-cancel"' in page and 'id="activity-overdue"' in page
    page = _client(people.city_leader).get(f"/participation/activities/{planned.pk}/").content.decode()
    assert 'id="action-hold"' not in page


@pytest.mark.django_db
def test_the_archive_button_files_a_held_activity(people, planned, helper):
    _hold(people, planned, helper)
    client = _client(people.community_worker)
    assert client.get(f"/participation/activities/{planned.pk}/archive/").status_code == 405
    client.post(f"/participation/activities/{planned.pk}/archive/", {"version": 2})
    assert Activity.objects.get(pk=planned.pk).status == "archived"


# --- the API ---------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_the_api_holds_cancels_and_archives_with_versions(people, small_city, planned, helper):
    api = _api(people.community_worker)
    url = f"/api/v1/activities/{planned.pk}/"
    body = {
        "held_on": timezone.localdate().isoformat(),
        "attendance": 40,
        "volunteers": [{"volunteer": helper.pk, "hours": "2"}],
        "version": 1,
    }
    held = api.post(url + "hold/", body, format="json")
    assert held.status_code == 200, held.json()
    assert (held.json()["status"], held.json()["attendance"], held.json()["version"]) == ("held", 40, 2)
    assert api.post(url + "hold/", body, format="json").status_code == 409  # stale and no longer planned
    assert api.post(url + "archive/", {"version": 2}, format="json").json()["status"] == "archived"
    other = activity(
        people.community_worker,
        small_city.community_a1,
        status="planned",
        when=_yesterday_at_nine(),
        now=timezone.now(),
    )
    refused = api.post(f"/api/v1/activities/{other.pk}/cancel/", {"reason": "", "version": 1}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    cancelled = api.post(f"/api/v1/activities/{other.pk}/cancel/", {"reason": "暴雨", "version": 1}, format="json")
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == ("cancelled", "暴雨")


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("city_leader", 403), ("outsider", 404), ("liaison", 404)])
def test_the_api_refuses_those_who_may_not_act(people, planned, who, status):
    response = _api(getattr(people, who)).post(
        f"/api/v1/activities/{planned.pk}/cancel/", {"reason": "x", "version": 1}, format="json"
    )
    assert response.status_code == status
    planned.refresh_from_db()
    assert planned.status == "planned"


@pytest.mark.django_db
def test_the_api_holds_with_captioned_photos_sent_as_a_multipart_upload(people, planned, helper):
    import json

    api = _api(people.community_worker)
    url = f"/api/v1/activities/{planned.pk}/hold/"
    body = {
        "held_on": timezone.localdate().isoformat(),
        "attendance": "12",
        "volunteers": json.dumps([{"volunteer": helper.pk, "hours": "1.5"}]),
        "version": "1",
        "photos": [SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")],
    }
    refused = api.post(url, body, format="multipart")  # a photo without its caption
    assert refused.status_code == 400 and "captions" in refused.json()
    body["photos"] = [SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")]
    body["captions"] = ["社区广场合影"]
    held = api.post(url, body, format="multipart")
    assert held.status_code == 200, held.json()
    assert (held.json()["status"], held.json()["photo_count"], held.json()["hour_total"]) == ("held", 1, "1.5")
    assert planned.photos.get().caption == "社区广场合影"
