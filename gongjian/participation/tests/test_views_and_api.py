"""Pages and API of activities, pairings, rankings and diversity; the flows behind the forms."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from gongjian.participation import selectors, services
from gongjian.participation.models import Activity, ImportBatch, Volunteer
from gongjian.participation.tests.factories import HEADER, activity, at, hours, jpeg_bytes, phone, volunteer, xlsx
from gongjian.testing.factories import PairingFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def paired(small_city, people):
    """The liaison's unit is paired with community_b1 (conftest); an activity there with the unit,
    and one in community_a1 the liaison must not see."""
    pairing = people.liaison.memberships.get().cobuild_unit.pairings.get()
    seen = activity(
        people.city_admin,
        small_city.community_b1,
        title="乙一社区邻居节",
        code="neighbour_festival",
        units=[services.UnitAttendance(pairing.cobuild_unit, attendees=3, head_attended=True)],
    )
    hidden = activity(people.community_worker, small_city.community_a1, title="甲一社区大清扫")
    return pairing, seen, hidden


# --- scope --------------------------------------------------------------------------------------

VISIBLE = {
    "city_admin": {"乙一社区邻居节", "甲一社区大清扫"},
    "city_leader": {"乙一社区邻居节", "甲一社区大清扫"},
    "inspector": {"乙一社区邻居节", "甲一社区大清扫"},
    "street_officer": {"甲一社区大清扫"},
    "community_worker": {"甲一社区大清扫"},
    "compound_manager": set(),
    "street_inspector": {"乙一社区邻居节"},
    "liaison": {"乙一社区邻居节"},
    "volunteer": None,
    "outsider": None,
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_each_role_sees_exactly_the_activities_of_its_places(paired, people, who):
    user = getattr(people, who)
    response = _client(user).get("/participation/activities/")
    if VISIBLE[who] is None:
        assert response.status_code == 403
        assert _api(user).get("/api/v1/activities/").json()["results"] == []
        return
    assert response.status_code == 200
    text = response.content.decode()
    for title in ("乙一社区邻居节", "甲一社区大清扫"):
        assert (title in text) is (title in VISIBLE[who])
    api_titles = {a["title"] for a in _api(user).get("/api/v1/activities/").json()["results"]}
    assert api_titles == VISIBLE[who]


def test_the_liaison_sees_the_pairing_page_of_their_community_only(paired, small_city, people):
    pairing, seen, hidden = paired
    client = _client(people.liaison)
    page = client.get(f"/participation/pairings/{pairing.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert seen.title in text and hidden.title not in text
    other = PairingFactory(community=small_city.community_a1)
    assert client.get(f"/participation/pairings/{other.pk}/").status_code == 404
    assert client.get(f"/participation/activities/{hidden.pk}/").status_code == 404
    assert _api(people.liaison).get(f"/api/v1/pairings/{other.pk}/").status_code == 404
    detail = _api(people.liaison).get(f"/api/v1/pairings/{pairing.pk}/").json()
    assert (detail["activities_joined"], detail["head_attended"]) == (1, 1)
    assert [u["id"] for u in _api(people.liaison).get("/api/v1/cobuild-units/").json()["results"]] == [
        pairing.cobuild_unit_id
    ]


def test_the_outsider_sees_no_pairing_no_unit_and_no_page(paired, people):
    pairing, seen, _hidden = paired
    client = _client(people.outsider)
    assert client.get(f"/participation/pairings/{pairing.pk}/").status_code == 404
    assert client.get("/participation/pairings/").status_code == 403
    assert client.get(f"/participation/activities/{seen.pk}/").status_code == 404
    assert _api(people.outsider).get("/api/v1/pairings/").json()["results"] == []
    assert _api(people.outsider).get("/api/v1/cobuild-units/").json()["results"] == []


def test_the_api_refuses_anonymous_callers_and_malformed_filters(paired, people):
    assert APIClient().get("/api/v1/activities/").status_code in (401, 403)
    response = _api(people.city_admin).get("/api/v1/activities/?month=2026-13")
    assert response.status_code == 400 and "month" in response.json()


# --- flows --------------------------------------------------------------------------------------


def test_a_worker_registers_a_volunteer_through_the_form_and_bad_input_returns_400(small_city, people):
    client = _client(people.community_worker)
    form = {"community": small_city.community_a1.pk, "name": "张三", "phone": "13812345678", "party_status": "resident"}
    bad = client.post("/participation/volunteers/new/", {**form, "phone": "1234"})
    assert bad.status_code == 400 and not Volunteer.objects.exists()
    good = client.post("/participation/volunteers/new/", form)
    assert good.status_code == 302
    assert Volunteer.objects.get().name == "张三"
    duplicate = client.post("/participation/volunteers/new/", {**form, "name": "张三三"})
    assert duplicate.status_code == 400 and Volunteer.objects.count() == 1


def test_anyone_may_sign_up_and_the_worker_reviews_it(small_city, people):
    from gongjian.participation.tests.test_public_sign_up import solved_captcha

    visitor = Client()
    response = visitor.post(
        "/participation/volunteers/sign-up/",
        {
            "community": small_city.community_a1.pk,
            "name": "报名人",
            "phone": phone(9),
            "party_status": "none",
            **solved_captcha(visitor),
        },
    )
    assert response.status_code == 302
    pending = Volunteer.objects.get()
    assert pending.status == "pending"
    listing = _client(people.community_worker).get("/participation/volunteers/")
    assert "报名人" in listing.content.decode()
    _client(people.community_worker).post(f"/participation/volunteers/{pending.pk}/review/", {"approve": "true"})
    pending.refresh_from_db()
    assert pending.status == "active"
    # Someone else cannot review it.
    assert (
        _client(people.street_officer)
        .post(f"/participation/volunteers/{pending.pk}/review/", {"approve": "false"})
        .status_code
        == 404
    )


def test_an_activity_is_recorded_with_photos_through_the_form(small_city, people):
    v = volunteer(people.community_worker, small_city.community_a1, 1)
    client = _client(people.community_worker)
    response = client.post(
        "/participation/activities/new/",
        {
            "community": small_city.community_a1.pk,
            "title": "市民学校：垃圾分类",
            "type": "citizen_school",
            "status": "held",
            "starts_at": "2026-03-07T09:00",
            "place": "社区活动室",
            "volunteers": [v.pk],
            "hours": "3",
            "photos": [SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg")],
            "captions": "讲解垃圾分类",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Activity.objects.get()
    assert created.photos.get().caption == "讲解垃圾分类"
    detail = client.get(f"/participation/activities/{created.pk}/")
    assert "讲解垃圾分类" in detail.content.decode()
    photo = created.photos.get()
    assert client.get(f"/participation/activities/photos/{photo.pk}/thumb/").status_code == 200
    assert _client(people.liaison).get(f"/participation/activities/photos/{photo.pk}/thumb/").status_code == 404


def test_a_photo_without_a_caption_and_a_future_held_activity_are_refused_in_the_form(small_city, people):
    client = _client(people.community_worker)
    base = {
        "community": small_city.community_a1.pk,
        "title": "大清扫",
        "type": "big_cleanup",
        "status": "held",
        "place": "小区",
    }
    no_caption = client.post(
        "/participation/activities/new/",
        {**base, "starts_at": "2026-03-07T09:00", "photos": [SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg")]},
    )
    assert no_caption.status_code == 400
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    assert client.post("/participation/activities/new/", {**base, "starts_at": f"{future}T09:00"}).status_code == 400
    assert not Activity.objects.exists()


def test_the_import_pages_preview_confirm_cancel_and_download_errors(
    small_city, people, django_capture_on_commit_callbacks
):
    client = _client(people.community_worker)
    sheet = xlsx([HEADER, ["张一", phone(1), "", "", "", "", ""], ["李二", "123", "", "", "", "", ""]])
    with django_capture_on_commit_callbacks(execute=True):  # the rows are checked by a job
        response = client.post(
            "/participation/volunteers/import/",
            {"community": small_city.community_a1.pk, "file": SimpleUploadedFile("v.xlsx", sheet)},
        )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    preview = client.get(f"/participation/volunteers/import/{batch.pk}/")
    assert preview.status_code == 200 and not Volunteer.objects.exists()
    errors = client.get(f"/participation/volunteers/import/{batch.pk}/errors.xlsx")
    assert errors.status_code == 200 and errors["Content-Type"].startswith("application/vnd.openxml")
    # Saving is a background job: the preview page follows it while it waits, then the rows are in.
    client.post(f"/participation/volunteers/import/{batch.pk}/confirm/")
    waiting = client.get(f"/participation/volunteers/import/{batch.pk}/").content.decode()
    assert 'id="import-job"' in waiting and not Volunteer.objects.exists()
    from gongjian.core.jobs.services import job_enqueue
    from gongjian.participation.tasks import import_save_job

    with django_capture_on_commit_callbacks(execute=True):
        job_enqueue(import_save_job(batch).pk)
    assert list(Volunteer.objects.values_list("name", flat=True)) == ["张一"]
    assert client.get(f"/participation/volunteers/import/{batch.pk}/errors.xlsx").status_code == 200
    # Wrong headers: the form says so, with a 400, and nothing is kept.
    wrong = client.post(
        "/participation/volunteers/import/",
        {"community": small_city.community_a1.pk, "file": SimpleUploadedFile("v.xlsx", xlsx([["x", "y"]]))},
    )
    assert wrong.status_code == 400 and ImportBatch.objects.count() == 1
    # Another community's worker cannot open the batch.
    assert _client(people.street_officer).get(f"/participation/volunteers/import/{batch.pk}/").status_code == 404


def test_the_api_registers_a_volunteer_and_records_an_activity(small_city, people):
    client = _api(people.community_worker)
    created = client.post(
        "/api/v1/volunteers/",
        {"community": small_city.community_a1.pk, "name": "接口志愿者", "phone": phone(3)},
        format="json",
    )
    assert created.status_code == 201 and created.json()["phone"] == phone(3)[:3] + "****" + phone(3)[-4:]
    bad = client.post(
        "/api/v1/volunteers/", {"community": small_city.community_a1.pk, "name": "x", "phone": "1"}, format="json"
    )
    assert bad.status_code == 400 and "phone" in bad.json()
    foreign = client.post(
        "/api/v1/volunteers/", {"community": small_city.community_b1.pk, "name": "x", "phone": phone(4)}, format="json"
    )
    assert foreign.status_code == 400 and "community" in foreign.json()
    v_id = created.json()["id"]
    activity_payload = {
        "community": small_city.community_a1.pk,
        "type": "persuasion",
        "title": "文明劝导",
        "status": "held",
        "starts_at": "2026-03-07T09:00:00+08:00",
        "place": "路口",
        "volunteers": [{"volunteer": v_id, "hours": "2.0"}],
    }
    made = client.post("/api/v1/activities/", activity_payload, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["hour_total"] == "2.0"
    future = client.post(
        "/api/v1/activities/", {**activity_payload, "starts_at": "2099-01-01T09:00:00+08:00"}, format="json"
    )
    assert future.status_code == 400 and "starts_at" in future.json()


def test_a_volunteer_of_another_city_is_unknown_to_the_api(small_city, people):
    foreign = volunteer(people.city_admin, small_city.community_a1, 8)
    Volunteer.objects.filter(pk=foreign.pk).update(community=small_city.other_community)
    response = _api(people.community_worker).post(
        "/api/v1/activities/",
        {
            "community": small_city.community_a1.pk,
            "type": "cleanup",
            "title": "x",
            "status": "held",
            "starts_at": "2026-03-07T09:00:00+08:00",
            "place": "y",
            "volunteers": [{"volunteer": foreign.pk, "hours": "1"}],
        },
        format="json",
    )
    assert response.status_code == 400 and "volunteers" in response.json()


# --- index, ranking, diversity on hand-made data -----------------------------------------------


def test_the_ranking_computes_each_units_index_from_its_records(small_city, people):
    """GIVEN in March 2026 community_b1 held 2 activities and the liaison's unit joined one with its
    head; an obligation of 4 joint activities a year (1 done by March: due 1 → met); one leader
    since January; and a second unit paired with community_a1 that joined nothing and changed its
    leader once, with no obligations
    THEN unit 1 = 100 × (0.35×0.5 + 0.15×1 + 0.30×1 + 0.20×1) = 82.5;
         unit 2 = 100 × (0.35×0 + 0 + 0 + 0.20×0.5) = 10.0, perfunctory, ranked second."""
    pairing = people.liaison.memberships.get().cobuild_unit.pairings.get()
    activity(
        people.city_admin,
        small_city.community_b1,
        when=at(2026, 3, 5, 9),
        units=[services.UnitAttendance(pairing.cobuild_unit, head_attended=True)],
    )
    activity(people.city_admin, small_city.community_b1, when=at(2026, 3, 20, 9), code="publicity")
    services.obligation_add(
        user=people.city_admin,
        pairing=pairing,
        text="每年至少4次联合活动",
        yearly_target=4,
        counts_joint_activities=True,
    )
    services.leader_change(user=people.city_admin, pairing=pairing, name="王一", started_on=datetime.date(2026, 1, 1))
    lazy = PairingFactory(community=small_city.community_a1)
    activity(people.community_worker, small_city.community_a1, when=at(2026, 3, 9, 9))
    services.leader_change(user=people.city_admin, pairing=lazy, name="甲", started_on=datetime.date(2026, 1, 1))
    services.leader_change(user=people.city_admin, pairing=lazy, name="乙", started_on=datetime.date(2026, 3, 1))

    from gongjian.accounts.access import actor_for

    ranking = selectors.participation_ranking(actor=actor_for(people.city_admin), month=datetime.date(2026, 3, 1))
    assert [(r.cobuild_unit.pk, r.result.index, r.rank, r.result.perfunctory) for r in ranking] == [
        (pairing.cobuild_unit_id, Decimal("82.5"), 1, False),
        (lazy.cobuild_unit_id, Decimal("10.0"), 2, True),
    ]
    page = _client(people.city_admin).get("/participation/pairings/?month=2026-03")
    assert page.status_code == 200 and "82.5" in page.content.decode()
    # The liaison sees only the pairing of their own community.
    mine = selectors.participation_ranking(actor=actor_for(people.liaison), month=datetime.date(2026, 3, 1))
    assert [r.cobuild_unit.pk for r in mine] == [pairing.cobuild_unit_id]


def test_the_diversity_page_flags_the_community_doing_only_clean_ups(small_city, people):
    for day in (3, 10, 17):
        activity(people.city_admin, small_city.community_a1, when=at(2026, 2, day, 9))
    for day, code in ((3, "citizen_school"), (10, "neighbour_festival"), (17, "cleanup")):
        activity(people.city_admin, small_city.community_b1, when=at(2026, 2, day, 9), code=code)
    from gongjian.accounts.access import actor_for

    rows = {
        r.community.pk: r.result
        for r in selectors.diversity_table(actor=actor_for(people.city_admin), year=2026, quarter=1)
    }
    assert rows[small_city.community_a1.pk].single_kind
    assert not rows[small_city.community_b1.pk].single_kind
    assert rows[small_city.community_b1.pk].kinds == 3
    response = _client(people.city_admin).get("/participation/diversity/?year=2026&quarter=1")
    assert response.status_code == 200
    assert _client(people.city_admin).get("/participation/diversity/?year=2099&quarter=1").status_code == 400


def test_the_calendar_shows_a_communitys_month(small_city, people):
    made = activity(people.community_worker, small_city.community_a1, when=at(2026, 3, 7, 9))
    client = _client(people.community_worker)
    response = client.get(f"/participation/calendar/?month=2026-03&community={small_city.community_a1.pk}")
    assert response.status_code == 200 and f"/participation/activities/{made.pk}/" in response.content.decode()
    assert client.get("/participation/calendar/?month=March").status_code == 400


def test_the_list_pages_make_the_same_number_of_queries_for_1_and_20_rows(
    small_city, people, django_assert_max_num_queries
):
    for i in range(20):
        v = volunteer(people.community_worker, small_city.community_a1, i + 1)
        activity(people.community_worker, small_city.community_a1, when=at(2026, 3, 1 + i, 9), volunteers=[hours(v)])
    client = _client(people.city_leader)
    with django_assert_max_num_queries(15):
        assert client.get("/participation/volunteers/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/participation/activities/").status_code == 200


def test_the_ranking_and_diversity_export_what_the_pages_show(small_city, people, paired):
    import io

    from openpyxl import load_workbook

    client = _client(people.city_admin)
    ranking = client.get("/participation/pairings/?month=2026-03&export=xlsx")
    rows = list(load_workbook(io.BytesIO(ranking.content)).active.iter_rows(values_only=True))[1:]  # title row
    pairing = paired[0]
    assert rows[1][1] == pairing.cobuild_unit.name and rows[1][8:10] == (1, 1)
    diversity = client.get("/participation/diversity/?year=2026&quarter=1&export=xlsx")
    names = {r[0] for r in list(load_workbook(io.BytesIO(diversity.content)).active.iter_rows(values_only=True))[2:]}
    assert {small_city.community_a1.name, small_city.community_b1.name} <= names
    # The liaison's export holds only their community.
    liaison = _client(people.liaison).get("/participation/diversity/?year=2026&quarter=1&export=xlsx")
    names = {r[0] for r in list(load_workbook(io.BytesIO(liaison.content)).active.iter_rows(values_only=True))[2:]}
    assert names == {small_city.community_b1.name}
