"""Idempotent writes: a re-check without an explicit verdict is refused (400), never read as
"failed"; the same problem submitted twice in a short window (a double tap, a retried upload) is
recorded once and the second answer points to the first."""

import datetime

import pytest
from django.test import Client
from freezegun import freeze_time
from rest_framework.test import APIClient

from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Problem, ProblemPhoto, Rectification
from gongjian.inspections.tests.factories import jpeg_bytes, reported, upload
from gongjian.inspections.tests.test_api import create_payload, detail, saved, submitted

pytestmark = pytest.mark.django_db

OTHER_CATEGORY = "09006"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def awaiting_review(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1)
    submitted(problem, people)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.SUBMITTED
    return problem


@pytest.mark.parametrize("fmt", ["multipart", "json"])
@pytest.mark.parametrize("body", [{}, {"note": "看过了"}, {"passed": ""}, {"passed": "maybe"}])
def test_a_review_without_an_explicit_verdict_is_refused_and_changes_nothing(people, awaiting_review, fmt, body):
    before = saved()
    response = api(people.inspector).post(f"{detail(awaiting_review)}review/", body, format=fmt)
    assert response.status_code == 400
    assert "passed" in response.json()
    awaiting_review.refresh_from_db()
    assert awaiting_review.status == ProblemStatus.SUBMITTED and awaiting_review.rework_count == 0
    assert saved() == before


@pytest.mark.parametrize(("verdict", "status"), [("false", ProblemStatus.OPEN), ("true", ProblemStatus.CLOSED)])
def test_an_explicit_verdict_in_form_data_is_applied(people, awaiting_review, verdict, status):
    response = api(people.inspector).post(
        f"{detail(awaiting_review)}review/", {"passed": verdict, "note": "复查"}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status


def test_a_review_page_post_without_a_verdict_changes_nothing(people, awaiting_review):
    client = Client()
    client.force_login(people.inspector)
    client.post(f"/problems/{awaiting_review.pk}/review/", {"version": awaiting_review.version})
    awaiting_review.refresh_from_db()
    assert awaiting_review.status == ProblemStatus.SUBMITTED
    assert Rectification.objects.filter(problem=awaiting_review).count() == 1


def test_the_same_report_twice_in_a_short_window_is_recorded_once_and_points_to_the_first(people, small_city):
    client = api(people.inspector)
    photo = jpeg_bytes(colour=(10, 120, 30))
    first = client.post("/api/v1/problems/", create_payload(small_city.compound_a1, photos=[upload(photo)]))
    assert first.status_code == 201, first.content
    before = saved()
    again = client.post("/api/v1/problems/", create_payload(small_city.compound_a1, photos=[upload(photo)]))
    assert again.status_code == 409
    body = again.json()
    assert (body["duplicate_of"], body["number"]) == (first.json()["id"], first.json()["number"])
    assert first.json()["number"] in body["detail"]
    assert saved() == before, "nothing of the second report is kept, not even its photo file"


def test_the_report_page_sends_a_double_tap_to_the_first_report(people, small_city):
    client = Client()
    client.force_login(people.inspector)
    photo = jpeg_bytes(colour=(90, 20, 160))
    form = {
        "category": "06036",
        "unit": small_city.compound_a1.pk,
        "description": "楼道堆放纸箱",
        "address": "3幢2单元",
        "point_type": "compound",
        "severity": "normal",
    }
    first = client.post("/problems/report/", {**form, "photos": [upload(photo)]})
    assert first.status_code == 302
    problem = Problem.objects.get()
    again = client.post("/problems/report/", {**form, "photos": [upload(photo)]})
    assert again.status_code == 302 and again["Location"] == f"/problems/{problem.pk}/"
    assert Problem.objects.count() == 1 and ProblemPhoto.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    ["another_photo", "another_unit", "another_category", "another_reporter", "after_the_window", "first_voided"],
)
def test_what_is_not_the_same_report_is_recorded(people, small_city, change, settings):
    photo = jpeg_bytes(colour=(40, 40, 200))
    reporter = people.inspector
    first = api(reporter).post("/api/v1/problems/", create_payload(small_city.compound_a1, photos=[upload(photo)]))
    assert first.status_code == 201
    payload = create_payload(small_city.compound_a1, photos=[upload(photo)])
    later = None
    if change == "another_photo":
        payload["photos"] = [upload(jpeg_bytes(colour=(41, 40, 200)))]
    elif change == "another_unit":
        payload["unit"] = small_city.compound_b1.pk
    elif change == "another_category":
        payload["category"] = OTHER_CATEGORY
    elif change == "another_reporter":
        reporter = people.city_admin
    elif change == "after_the_window":
        later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
            minutes=settings.PROBLEM_DUPLICATE_WINDOW_MINUTES + 1
        )
    elif change == "first_voided":
        Problem.objects.filter(pk=first.json()["id"]).update(status=ProblemStatus.VOID, void_reason="重复")
    if later:
        with freeze_time(later):
            response = api(reporter).post("/api/v1/problems/", payload)
    else:
        response = api(reporter).post("/api/v1/problems/", payload)
    assert response.status_code == 201, response.content
    assert Problem.objects.count() == 2
