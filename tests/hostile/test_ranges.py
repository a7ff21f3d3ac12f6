"""Dates, months and whole numbers in range: a value no one could mean is a clear 400 (or "not
found" for an address), never a 500, on SQLite as on PostgreSQL, and never stored."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongjian.assessments.models import Assessment
from gongjian.assessments.tests.test_views import ruleset as ruleset
from gongjian.inspections.models import Problem, ProblemPhoto
from gongjian.inspections.photos import camera_time
from gongjian.inspections.tests.factories import upload
from gongjian.inspections.tests.test_photos import camera_jpeg
from gongjian.participation.models import Volunteer
from gongjian.participation.tests.factories import phone
from tests.hostile.conftest import TOO_BIG, api_client, page_client

pytestmark = pytest.mark.django_db


# --- photo capture times ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "taken",
    [
        datetime.datetime(1, 1, 1),
        datetime.datetime(1970, 1, 1),
        datetime.datetime(1999, 12, 31, 23, 59),
        datetime.datetime(9999, 12, 31, 23, 59),
        datetime.datetime.now() + datetime.timedelta(days=2),
    ],
)
def test_a_capture_time_outside_the_sane_window_is_no_capture_time(taken):
    assert camera_time(taken) is None


def test_a_capture_time_inside_the_window_is_kept_in_the_citys_time():
    taken = datetime.datetime(2026, 3, 5, 9, 30)
    assert camera_time(taken) == timezone.make_aware(taken)


@pytest.mark.parametrize("stamp", ["0001:01:01 00:00:00", "9999:12:31 23:59:59", "1980:01:01 00:00:00"])
def test_a_photo_with_an_impossible_exif_time_is_accepted_without_it_and_every_page_shows_the_problem(
    people, small_city, stamp
):
    client = api_client(people.inspector)
    response = client.post(
        "/api/v1/problems/",
        {
            "category": "06036",
            "unit": small_city.compound_a1.pk,
            "description": "楼道堆放纸箱",
            "address": "3幢2单元",
            "point_type": "compound",
            "photos": [upload(camera_jpeg(taken=stamp))],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    problem = Problem.objects.get(pk=response.json()["id"])
    assert list(ProblemPhoto.objects.filter(problem=problem).values_list("taken_at", flat=True)) == [None]
    assert client.get(f"/api/v1/problems/{problem.pk}/").status_code == 200
    assert client.get(f"/api/v1/problems/{problem.pk}/history/").status_code == 200
    assert page_client(people.inspector).get(f"/problems/{problem.pk}/").status_code == 200


@pytest.mark.parametrize("found_at", ["0001-01-01T00:00:00+08:00", "1999-12-31T23:00:00+08:00", "9999-01-01T00:00"])
def test_a_found_at_outside_its_bounds_is_a_400_and_nothing_is_reported(people, small_city, found_at):
    response = api_client(people.inspector).post(
        "/api/v1/problems/",
        {
            "category": "06036",
            "unit": small_city.compound_a1.pk,
            "description": "楼道堆放纸箱",
            "address": "3幢2单元",
            "point_type": "compound",
            "found_at": found_at,
            "photos": [upload(camera_jpeg())],
        },
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert "found_at" in response.json()
    assert not Problem.objects.exists()


# --- months ----------------------------------------------------------------------------------------------------------

BAD_MONTHS = ["9999-12", "0001-01", "1999-12", f"{datetime.date.today().year + 6}-01"]


@pytest.mark.parametrize("month", BAD_MONTHS)
def test_a_month_out_of_range_is_refused_by_every_list_that_takes_one(people, month):
    pages = page_client(people.city_admin)
    api = api_client(people.city_admin)
    for url in ("/participation/activities/", "/participation/pairings/", "/problems/stats/"):
        assert pages.get(url, {"month": month}).status_code == 400, url
    assert api.get("/api/v1/activities/", {"month": month}).status_code == 400
    assert pages.get(f"/assessments/{month}/").status_code == 400


@pytest.mark.parametrize("month", ["9999-12", f"{datetime.date.today().year + 6}-01"])
def test_a_month_out_of_range_cannot_be_created_and_the_month_list_keeps_working(people, ruleset, month):
    """GIVEN a rule set in force (so that any later month could be opened), WHEN the city office
    asks for a month no one could mean, THEN it is a 400 and no month exists (a 9999-12 month
    used to make the month list answer 500 for every role)."""
    assert (
        api_client(people.city_admin).post("/api/v1/assessments/", {"month": month}, format="json").status_code == 400
    )
    assert page_client(people.city_admin).post("/assessments/new/", {"month": month}).status_code == 400
    assert not Assessment.objects.exists()
    assert page_client(people.city_admin).get("/assessments/").status_code == 200


@pytest.mark.parametrize("period", ["1999", "9999", "0001-01", "2101-Q1"])
def test_an_archive_period_out_of_range_is_refused(people, small_city, period):
    unit = small_city.community_a1.pk
    assert page_client(people.city_admin).get(f"/archives/{unit}/", {"period": period}).status_code == 400
    api = api_client(people.city_admin)
    assert api.get("/api/v1/archives/completeness/", {"unit": unit, "period": period}).status_code == 400


# --- whole numbers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/participation/volunteers/", "community"),
        ("/participation/volunteers/export.xlsx", "community"),
        ("/participation/activities/", "community"),
        ("/participation/activities/", "cobuild_unit"),
        ("/participation/diversity/", "unit"),
        ("/problems/", "unit"),
        ("/problems/stats/", "unit"),
        ("/api/v1/problems/", "unit"),
        ("/api/v1/volunteers/", "community"),
        ("/api/v1/activities/", "community"),
        ("/api/v1/activities/", "cobuild_unit"),
    ],
)
@pytest.mark.parametrize("value", [TOO_BIG, "-" + TOO_BIG])
def test_a_number_beyond_64_bits_in_a_filter_is_a_400(people, url, param, value):
    client = api_client(people.city_admin) if url.startswith("/api/") else page_client(people.city_admin)
    assert client.get(url, {param: value}).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        f"/problems/{TOO_BIG}/",
        f"/participation/volunteers/{TOO_BIG}/",
        f"/api/v1/problems/{TOO_BIG}/",
        f"/api/v1/volunteers/{TOO_BIG}/",
        f"/api/v1/units/{TOO_BIG}/",
        f"/assessments/2026-03/units/{TOO_BIG}/",
    ],
)
def test_an_id_beyond_64_bits_in_an_address_is_not_found(people, url):
    client = api_client(people.city_admin) if url.startswith("/api/") else page_client(people.city_admin)
    assert client.get(url).status_code == 404


def test_a_number_beyond_64_bits_in_an_api_body_is_a_400_and_nothing_is_written(people):
    response = api_client(people.city_admin).post(
        "/api/v1/volunteers/", {"community": int(TOO_BIG), "name": "张三", "phone": phone(1)}, format="json"
    )
    assert response.status_code == 400
    assert "community" in response.json()
    assert not Volunteer.objects.exists()


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "1999-06-01T09:00:00"])
def test_an_activity_time_outside_its_bounds_is_a_400_and_nothing_is_recorded(people, small_city, starts_at):
    """Year 1 used to overflow while being moved into the city's time zone: a 500 on PostgreSQL."""
    from gongjian.participation.models import Activity

    response = api_client(people.community_worker).post(
        "/api/v1/activities/",
        {
            "community": small_city.community_a1.pk,
            "type": "cleanup",
            "title": "楼道大清扫",
            "status": "held",
            "starts_at": starts_at,
            "place": "社区广场",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "starts_at" in response.json()
    assert not Activity.objects.exists()
