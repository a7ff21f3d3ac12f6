"""/api/v1/problems/ and /api/v1/categories/: the rectification loop over HTTP, its filters, statistics and scope."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.test import APIClient

from gongjian.core.models import AuditEvent
from gongjian.inspections import selectors, services
from gongjian.inspections.models import Category, Extension, Problem, ProblemPhoto, Rectification
from gongjian.inspections.tests.factories import (
    CategoryFactory,
    ProblemFactory,
    at,
    jpeg_bytes,
    media_files,
    not_an_image,
    png_bomb,
    reported,
    truncated_jpeg,
    upload,
)

pytestmark = pytest.mark.django_db

PROBLEMS = "/api/v1/problems/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.force_login(user)  # the photo URLs are pages, not API views
    return client


def detail(problem) -> str:
    return f"{PROBLEMS}{problem.pk}/"


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def saved() -> dict:
    return {
        "problems": Problem.objects.count(),
        "rectifications": Rectification.objects.count(),
        "photos": ProblemPhoto.objects.count(),
        "extensions": Extension.objects.count(),
        "events": AuditEvent.objects.filter(target_type__startswith="inspections.").count(),
        "files": media_files(),
    }


def create_payload(unit, **overrides) -> dict:
    payload = {
        "category": "06036",
        "unit": unit.pk,
        "description": "楼道堆放纸箱",
        "address": "3幢2单元",
        "point_type": "compound",
        "photos": [upload(jpeg_bytes())],
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def a1(people, small_city):
    """A problem at compound A1 (street A), reported by the city inspector through the service."""
    return reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 10, 10))


@pytest.fixture
def b1(people, small_city):
    """A problem at community B1 (street B; the liaison's paired community)."""
    return reported(people.inspector, small_city.community_b1, code="09006", now=at(2026, 3, 10, 11))


def submitted(problem, people):
    services.rectification_submit(user=people.city_admin, problem=problem, note="已清理", photos=[jpeg_bytes()])
    problem.refresh_from_db()
    return problem


# --- anonymous ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", PROBLEMS),
        ("post", PROBLEMS),
        ("get", f"{PROBLEMS}stats/"),
        ("get", "/api/v1/categories/"),
    ],
)
def test_anonymous_callers_get_401(db, method, path):
    response = getattr(APIClient(), method)(path)
    assert response.status_code == 401


def test_anonymous_callers_get_401_on_a_problem_and_its_actions(a1):
    client = APIClient()
    assert client.get(detail(a1)).status_code == 401
    assert client.post(f"{detail(a1)}review/", {"passed": True}, format="json").status_code == 401
    assert Problem.objects.get(pk=a1.pk).status == "open"


# --- create ---------------------------------------------------------------------------------------------------------


def test_a_multipart_report_creates_the_problem_with_its_photos(people, small_city):
    photos = [upload(jpeg_bytes()), upload(jpeg_bytes(gps=(29.3, 120.08)), name="IMG_0002.JPG")]
    response = client_for(people.inspector).post(
        PROBLEMS, create_payload(small_city.compound_a1, photos=photos), format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "number", "status", "deadline"}
    problem = Problem.objects.get(pk=body["id"])
    assert body["number"] == problem.number
    assert problem.number.startswith("06036") and len(problem.number) == 17
    assert body["status"] == "open"
    assert datetime.datetime.fromisoformat(body["deadline"]) == problem.deadline
    assert problem.unit == small_city.compound_a1
    assert problem.reporter == people.inspector
    assert problem.photos.count() == 2
    assert (problem.latitude, problem.longitude) == (Decimal("29.300000"), Decimal("120.080000"))


def test_a_report_may_give_its_position_and_severity(people, small_city):
    response = client_for(people.street_officer).post(
        PROBLEMS,
        create_payload(small_city.community_a2, lat="29.123456", lng="120.654321", severity="serious"),
        format="multipart",
    )
    assert response.status_code == 201, response.content
    problem = Problem.objects.get(pk=response.json()["id"])
    assert (problem.latitude, problem.longitude) == (Decimal("29.123456"), Decimal("120.654321"))
    assert problem.severity == "serious"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"photos": []}, "photos"),
        ({"photos": [upload(not_an_image())]}, "photos"),
        ({"photos": [upload(truncated_jpeg())]}, "photos"),
        ({"photos": [upload(png_bomb(), name="bomb.png", content_type="image/png")]}, "photos"),
        ({"photos": [upload(jpeg_bytes()), upload(not_an_image())]}, "photos"),
        ({"category": "99999"}, "category"),
        ({"description": ""}, "description"),
        ({"lat": "29.3"}, "lat"),
        ({"lat": "95", "lng": "120"}, "lat"),
        ({"point_type": "moon"}, "point_type"),
        ({"found_at": "2099-01-01T00:00:00+08:00"}, "found_at"),
    ],
    ids=[
        "no-photo",
        "text-renamed-jpg",
        "truncated-jpeg",
        "png-bomb",
        "one-bad-of-two",
        "unknown-category",
        "no-description",
        "half-a-position",
        "impossible-latitude",
        "unknown-point-type",
        "found-in-the-future",
    ],
)
def test_a_bad_report_is_a_400_naming_the_field_and_saves_nothing(people, small_city, overrides, field):
    payload = create_payload(small_city.compound_a1, **overrides)
    if overrides.get("photos") == []:
        del payload["photos"]
    before = saved()
    response = client_for(people.inspector).post(PROBLEMS, payload, format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved() == before


def test_an_inactive_category_is_refused(people, small_city):
    Category.objects.filter(code="06036").update(is_active=False)
    before = saved()
    response = client_for(people.inspector).post(PROBLEMS, create_payload(small_city.compound_a1), format="multipart")
    assert response.status_code == 400
    assert set(response.json()) == {"category"}
    assert saved() == before


@pytest.mark.parametrize(
    ("who", "unit"),
    [
        ("street_officer", "community_b1"),
        ("street_inspector", "compound_a1"),
        ("inspector", "street_a"),  # a street is not a responsible unit
        ("inspector", "other_community"),
        ("community_worker", "community_a1"),  # rectifies, does not report
        ("liaison", "community_b1"),
        ("outsider", "compound_a1"),
    ],
)
def test_a_report_for_a_unit_the_caller_cannot_report_at_is_a_400_on_unit(people, small_city, who, unit):
    before = saved()
    response = client_for(getattr(people, who)).post(
        PROBLEMS, create_payload(getattr(small_city, unit)), format="multipart"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"unit"}
    assert saved() == before


# --- list and filters -----------------------------------------------------------------------------------------------


@pytest.fixture
def listed(people, small_city):
    """Rows made directly, so each filter has exactly one thing to catch."""
    cat = {code: Category.objects.get(code=code) for code in ("06036", "09006", "06010")}
    future = at(2027, 1, 1)
    rows = {
        "open_a1": ProblemFactory(unit=small_city.compound_a1, category=cat["06036"], found_at=at(2026, 3, 2, 9)),
        "open_a2": ProblemFactory(
            unit=small_city.community_a2,
            category=cat["09006"],
            found_at=at(2026, 3, 15, 9),
            deadline=future,
            original_deadline=future,
        ),
        "submitted_a1": ProblemFactory(
            unit=small_city.community_a1,
            category=cat["06010"],
            status="submitted",
            found_at=at(2026, 3, 31, 23, 30),
            submitted_at=at(2026, 4, 1, 9),
        ),
        "closed_b1": ProblemFactory(
            unit=small_city.compound_b1,
            category=cat["06036"],
            status="closed",
            found_at=at(2026, 2, 27, 9),
            submitted_at=at(2026, 2, 28, 9),
            closed_at=at(2026, 2, 28, 10),
        ),
    }
    rows["relapse_b1"] = ProblemFactory(
        unit=small_city.compound_b1,
        category=cat["06036"],
        found_at=at(2026, 4, 1, 0, 30),
        relapse_of=rows["closed_b1"],
        deadline=future,
        original_deadline=future,
    )
    rows["void_a1"] = ProblemFactory(
        unit=small_city.compound_a1, category=cat["06010"], status="void", void_reason="误报", found_at=at(2026, 3, 5)
    )
    return {key: problem.number for key, problem in rows.items()}


def test_the_list_is_paginated(people, listed):
    body = client_for(people.city_admin).get(PROBLEMS).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 6
    paged = client_for(people.city_admin).get(PROBLEMS, {"page_size": 4}).json()
    assert len(paged["results"]) == 4
    assert paged["next"] is not None
    second = client_for(people.city_admin).get(PROBLEMS, {"page_size": 4, "page": 2}).json()
    assert {r["number"] for r in paged["results"]} | {r["number"] for r in second["results"]} == set(listed.values())


def test_the_list_is_newest_first(people, listed):
    body = client_for(people.city_admin).get(PROBLEMS).json()
    assert [row["number"] for row in body["results"]] == [
        listed["relapse_b1"],
        listed["submitted_a1"],
        listed["open_a2"],
        listed["void_a1"],
        listed["open_a1"],
        listed["closed_b1"],
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "open"}, {"open_a1", "open_a2", "relapse_b1"}),
        ({"status": "submitted"}, {"submitted_a1"}),
        ({"status": "void"}, {"void_a1"}),
        ({"category": "06036"}, {"open_a1", "closed_b1", "relapse_b1"}),
        ({"category": "06036", "status": "open"}, {"open_a1", "relapse_b1"}),
        ({"unit": "street_a"}, {"open_a1", "open_a2", "submitted_a1", "void_a1"}),
        ({"unit": "community_a1"}, {"open_a1", "submitted_a1", "void_a1"}),
        ({"unit": "compound_a1"}, {"open_a1", "void_a1"}),
        ({"unit": "street_b"}, {"closed_b1", "relapse_b1"}),
        ({"overdue": "true"}, {"open_a1"}),
        ({"overdue": "false"}, {"open_a2", "submitted_a1", "closed_b1", "relapse_b1", "void_a1"}),
        ({"relapse": "true"}, {"relapse_b1"}),
        ({"relapse": "false"}, {"open_a1", "open_a2", "submitted_a1", "closed_b1", "void_a1"}),
        # Days are Beijing days: 23:30 on 31 March and 00:30 on 1 April fall on either side of midnight.
        ({"found_after": "2026-04-01"}, {"relapse_b1"}),
        ({"found_before": "2026-03-31"}, {"open_a1", "open_a2", "submitted_a1", "closed_b1", "void_a1"}),
        (
            {"found_after": "2026-03-01", "found_before": "2026-03-31"},
            {"open_a1", "open_a2", "submitted_a1", "void_a1"},
        ),
        ({"found_after": "2026-03-02", "found_before": "2026-03-02"}, {"open_a1"}),
        ({"status": "closed", "unit": "street_a"}, set()),
    ],
)
def test_the_list_filters(people, small_city, listed, query, expected):
    if "unit" in query:
        query = {**query, "unit": getattr(small_city, query["unit"]).pk}
    response = client_for(people.city_admin).get(PROBLEMS, query)
    assert numbers(response) == {listed[key] for key in expected}


def test_the_list_finds_a_case_number_by_its_beginning(people, listed):
    response = client_for(people.city_admin).get(PROBLEMS, {"q": listed["open_a2"][:-2]})
    assert listed["open_a2"] in numbers(response)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"unit": "abc"}, "unit"),
        ({"unit": "0"}, "unit"),
        ({"found_after": "2026-13-45"}, "found_after"),
        ({"found_before": "yesterday"}, "found_before"),
        ({"status": "bogus"}, "status"),
        ({"overdue": "maybe"}, "overdue"),
        ({"relapse": "1"}, "relapse"),
        ({"found_after": "2026-04-01", "found_before": "2026-03-01"}, "found_before"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_the_field(people, listed, query, field):
    response = client_for(people.city_admin).get(PROBLEMS, query)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_list_row_carries_the_flags(people, listed):
    rows = {r["number"]: r for r in client_for(people.city_admin).get(PROBLEMS).json()["results"]}
    overdue = rows[listed["open_a1"]]
    assert overdue["overdue"] is True
    assert overdue["category"] == "06036"
    assert overdue["status"] == "open"
    late = rows[listed["submitted_a1"]]  # found 31 March 23:30, deadline 2 days later, rectified 1 April
    assert (late["overdue"], late["late"]) == (False, False)
    relapse = Problem.objects.get(number=listed["relapse_b1"])
    assert rows[listed["relapse_b1"]]["relapse_of"] == relapse.relapse_of_id


# --- detail ---------------------------------------------------------------------------------------------------------


def test_the_detail_has_relapse_rework_overdue_and_photo_urls(people, small_city):
    first = reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 2, 9))
    services.rectification_submit(
        user=people.community_worker, problem=first, note="已清理", photos=[jpeg_bytes()], now=at(2026, 3, 2, 15)
    )
    services.rectification_review(
        user=people.inspector, problem=first, passed=False, note="还有", now=at(2026, 3, 3, 9)
    )
    services.rectification_submit(
        user=people.community_worker, problem=first, note="清完", photos=[jpeg_bytes()], now=at(2026, 3, 3, 15)
    )
    services.rectification_review(user=people.inspector, problem=first, passed=True, now=at(2026, 3, 4, 9))
    again = reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 10, 9))

    client = client_for(people.community_worker)
    body = client.get(detail(first)).json()
    assert body["rework_count"] == 1
    assert body["status"] == "closed"
    assert body["overdue"] is False
    assert body["relapse_of"] is None
    assert [p["stage"] for p in body["photos"]] == ["before", "after", "after"]
    for photo in body["photos"]:
        for key in ("url", "thumbnail_url"):
            assert photo[key].startswith("http://testserver/problems/photos/")
            image = client.get(photo[key])
            assert image.status_code == 200
            assert image["Content-Type"] == "image/jpeg"
            assert b"".join(image.streaming_content)[:3] == b"\xff\xd8\xff"

    relapse = client.get(detail(again)).json()
    assert relapse["relapse_of"] == first.pk
    assert relapse["overdue"] is True  # found in March 2026, long past its deadline
    assert relapse["version"] == 1
    assert relapse["reporter"] == str(people.inspector)


def test_an_unknown_or_malformed_id_is_404(people):
    client = client_for(people.city_admin)
    assert client.get(f"{PROBLEMS}999999/").status_code == 404
    assert client.get(f"{PROBLEMS}abc/").status_code == 404


# --- actions --------------------------------------------------------------------------------------------------------


def test_the_loop_over_the_api(people, a1):
    worker, inspector = client_for(people.community_worker), client_for(people.inspector)

    response = worker.post(
        f"{detail(a1)}rectify/", {"note": "已清理", "photos": [upload(jpeg_bytes())]}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert response.json()["version"] == 2

    response = inspector.post(f"{detail(a1)}review/", {"passed": False, "note": "还有杂物"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["rework_count"]) == ("open", 1)

    response = worker.post(
        f"{detail(a1)}rectify/",
        {"note": "全部清理", "photos": [upload(jpeg_bytes())], "version": 3},
        format="multipart",
    )
    assert response.status_code == 200, response.content

    response = inspector.post(f"{detail(a1)}review/", {"passed": True, "note": "", "version": 4}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "closed"
    assert body["closed_at"] is not None
    assert [p["stage"] for p in body["photos"]] == ["before", "after", "after"]


def test_history_lists_every_step_with_time_actor_and_states(people, a1):
    services.rectification_submit(
        user=people.community_worker, problem=a1, note="已清理", photos=[jpeg_bytes()], now=at(2026, 3, 11, 9)
    )
    services.rectification_review(user=people.inspector, problem=a1, passed=True, note="好", now=at(2026, 3, 11, 15))
    response = client_for(people.community_worker).get(f"{detail(a1)}history/")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["action"], r["from_state"], r["to_state"], r["note"]) for r in rows] == [
        ("problem.report", "", "open", ""),
        ("problem.rectify", "open", "submitted", "已清理"),
        ("problem.review", "submitted", "closed", "好"),
    ]
    assert [datetime.datetime.fromisoformat(r["at"]) for r in rows] == [
        at(2026, 3, 10, 10),
        at(2026, 3, 11, 9),
        at(2026, 3, 11, 15),
    ]
    assert [r["actor"] for r in rows] == [str(people.inspector), str(people.community_worker), str(people.inspector)]


def test_a_rectification_without_photos_is_a_400(people, a1):
    response = client_for(people.community_worker).post(f"{detail(a1)}rectify/", {"note": "已清理"}, format="multipart")
    assert response.status_code == 400
    assert "photos" in response.json()
    assert Problem.objects.get(pk=a1.pk).status == "open"


def test_a_rectification_with_a_bad_photo_is_a_400_and_leaves_no_file(people, a1):
    before = saved()
    response = client_for(people.community_worker).post(
        f"{detail(a1)}rectify/", {"note": "已清理", "photos": [upload(truncated_jpeg())]}, format="multipart"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["photos"]
    assert saved() == before


def test_a_review_by_a_community_worker_is_403(people, a1):
    submitted(a1, people)
    response = client_for(people.community_worker).post(f"{detail(a1)}review/", {"passed": True}, format="json")
    assert response.status_code == 403
    assert "detail" in response.json()
    assert Problem.objects.get(pk=a1.pk).status == "submitted"


def test_a_rectification_by_an_inspector_is_403(people, a1):
    before = saved()
    response = client_for(people.inspector).post(
        f"{detail(a1)}rectify/", {"note": "x", "photos": [upload(jpeg_bytes())]}, format="multipart"
    )
    assert response.status_code == 403
    assert saved() == before


def test_a_second_review_is_409(people, a1):
    submitted(a1, people)
    client = client_for(people.inspector)
    assert client.post(f"{detail(a1)}review/", {"passed": True}, format="json").status_code == 200
    response = client.post(f"{detail(a1)}review/", {"passed": False, "note": "再看"}, format="json")
    assert response.status_code == 409
    assert "detail" in response.json()
    a1.refresh_from_db()
    assert (a1.status, a1.rework_count) == ("closed", 0)


def test_a_review_on_a_stale_version_is_409(people, a1):
    submitted(a1, people)
    response = client_for(people.inspector).post(f"{detail(a1)}review/", {"passed": True, "version": 1}, format="json")
    assert response.status_code == 409
    assert Problem.objects.get(pk=a1.pk).status == "submitted"


def test_a_review_without_a_verdict_is_400(people, a1):
    submitted(a1, people)
    response = client_for(people.inspector).post(f"{detail(a1)}review/", {"note": "?"}, format="json")
    assert response.status_code == 400
    assert "passed" in response.json()


def test_a_failed_review_without_a_note_is_400_on_note(people, a1):
    submitted(a1, people)
    response = client_for(people.inspector).post(f"{detail(a1)}review/", {"passed": False}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["note"]
    assert Problem.objects.get(pk=a1.pk).status == "submitted"


def test_void_needs_a_reason_and_keeps_it(people, a1):
    client = client_for(people.inspector)
    assert client.post(f"{detail(a1)}void/", {}, format="json").status_code == 400
    response = client.post(f"{detail(a1)}void/", {"reason": "重复上报"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["void_reason"]) == ("void", "重复上报")
    assert client.post(f"{detail(a1)}void/", {"reason": "再次"}, format="json").status_code == 409


def test_a_void_by_a_community_worker_is_403(people, a1):
    response = client_for(people.community_worker).post(f"{detail(a1)}void/", {"reason": "不是问题"}, format="json")
    assert response.status_code == 403
    assert Problem.objects.get(pk=a1.pk).status == "open"


def test_an_extension_is_requested_then_approved(people, a1):
    wanted = a1.deadline + datetime.timedelta(days=10)
    response = client_for(people.community_worker).post(
        f"{detail(a1)}extend/", {"reason": "需要施工", "deadline": wanted.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    assert datetime.datetime.fromisoformat(response.json()["deadline"]) == a1.deadline
    assert a1.extensions.get().status == "pending"

    again = client_for(people.community_worker).post(
        f"{detail(a1)}extend/", {"reason": "再延", "deadline": wanted.isoformat()}, format="json"
    )
    assert again.status_code == 409

    response = client_for(people.street_officer).post(
        f"{detail(a1)}extend/", {"decision": "approve", "note": "同意"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert datetime.datetime.fromisoformat(body["deadline"]) == wanted
    assert datetime.datetime.fromisoformat(body["original_deadline"]) == a1.deadline
    assert a1.extensions.get().status == "approved"


def test_a_rejected_extension_keeps_the_deadline(people, a1):
    wanted = a1.deadline + datetime.timedelta(days=10)
    client_for(people.community_worker).post(
        f"{detail(a1)}extend/", {"reason": "需要施工", "deadline": wanted.isoformat()}, format="json"
    )
    response = client_for(people.city_admin).post(f"{detail(a1)}extend/", {"decision": "reject"}, format="json")
    assert response.status_code == 200
    assert datetime.datetime.fromisoformat(response.json()["deadline"]) == a1.deadline
    assert a1.extensions.get().status == "rejected"


def test_an_extension_decision_without_a_request_is_409(people, a1):
    response = client_for(people.street_officer).post(f"{detail(a1)}extend/", {"decision": "approve"}, format="json")
    assert response.status_code == 409


def test_an_extension_decided_by_the_community_is_403(people, a1):
    wanted = a1.deadline + datetime.timedelta(days=10)
    worker = client_for(people.community_worker)
    worker.post(f"{detail(a1)}extend/", {"reason": "需要施工", "deadline": wanted.isoformat()}, format="json")
    assert worker.post(f"{detail(a1)}extend/", {"decision": "approve"}, format="json").status_code == 403
    assert a1.extensions.get().status == "pending"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"reason": "需要施工"}, "reason"), ({"decision": "maybe"}, "decision"), ({"deadline": "soon"}, "deadline")],
)
def test_a_malformed_extension_is_400(people, a1, payload, field):
    response = client_for(people.community_worker).post(f"{detail(a1)}extend/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not a1.extensions.exists()


def test_an_extension_to_an_earlier_deadline_is_400(people, a1):
    earlier = a1.deadline - datetime.timedelta(hours=1)
    response = client_for(people.community_worker).post(
        f"{detail(a1)}extend/", {"reason": "x", "deadline": earlier.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["requested_deadline"]


# --- statistics -----------------------------------------------------------------------------------------------------


@pytest.fixture
def march(small_city):
    """March 2026: at street A three 06036, two 09006 and one 06010; at street B two 09006 and one void 06036;
    plus one 06036 at street A in April."""
    cat = {code: Category.objects.get(code=code) for code in ("06036", "09006", "06010")}
    for day, code in [(2, "06036"), (3, "06036"), (4, "06036"), (5, "09006"), (6, "09006"), (9, "06010")]:
        ProblemFactory(unit=small_city.compound_a1, category=cat[code], found_at=at(2026, 3, day, 9))
    for day in (10, 11):
        ProblemFactory(unit=small_city.community_b1, category=cat["09006"], found_at=at(2026, 3, day, 9))
    ProblemFactory(
        unit=small_city.community_b1, category=cat["06036"], found_at=at(2026, 3, 12), status="void", void_reason="x"
    )
    ProblemFactory(unit=small_city.compound_a1, category=cat["06036"], found_at=at(2026, 4, 1, 9))


IN_MARCH = at(2026, 3, 20, 12)  # "this month" is March 2026, so no ?month= is needed


def as_of(moment: datetime.datetime) -> str:
    """A month in progress is labelled up to the day (截至 D 日)."""
    local = timezone.localtime(moment)
    return gettext("Up to %(month)s/%(day)s") % {"month": local.month, "day": local.day}


def stats(user, **params):
    """GET the statistics with the clock in March 2026."""
    with mock.patch("django.utils.timezone.now", return_value=IN_MARCH):
        response = client_for(user).get(f"{PROBLEMS}stats/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_stats_give_the_total_the_categories_largest_first_and_the_rates(people, march):
    body = stats(people.city_admin)
    assert body["month"] == "2026-03"
    assert body["unit"] is None
    assert body["total"] == 8  # the void one is not counted, nor the one found in April
    assert body["by_category"] == [
        {"code": "09006", "name": "占道经营", "count": 4, "share": 50.0},
        {"code": "06036", "name": "乱堆杂物", "count": 3, "share": 37.5},
        {"code": "06010", "name": "暴露垃圾", "count": 1, "share": 12.5},
    ]
    assert body["counts"] == {
        "found": 8,
        "void": 1,
        "due": 8,
        "closed": 0,
        "closed_on_time": 0,
        "reworked": 0,
        "overdue": 8,
        "relapses": 0,
        "relapsed": 0,
    }
    # Every one is open and past its deadline (found by 12 March, two days each).
    assert body["close_rate"] == 0.0
    assert body["on_time_close_rate"] == 0.0
    assert body["rework_rate"] == 0.0
    assert body["overdue_rate"] == 100.0
    assert body["relapse_rate"] is None
    assert [(row["name"], row["found"]) for row in body["by_street"]] == [("甲街道", 6), ("乙街道", 2)]
    assert body["trend"] == [{"month": "2026-03", "found": 8, "closed": 0}]


def test_stats_for_a_unit_cover_its_subtree_and_say_it_in_a_sentence(people, small_city, march):
    body = stats(people.city_admin, unit=small_city.street_a.pk)
    assert body["unit"] == small_city.street_a.pk
    assert body["total"] == 6
    assert [(c["code"], c["count"], c["share"]) for c in body["by_category"]] == [
        ("06036", 3, 50.0),
        ("09006", 2, 33.3),
        ("06010", 1, 16.7),
    ]
    expected = gettext(
        "%(period)s %(total)s problems were found, of which %(name)s %(count)s, %(share)s%%, "
        "the most of all categories."
    ) % {"period": as_of(IN_MARCH), "total": 6, "name": "乱堆杂物", "count": 3, "share": "50.0"}
    assert body["sentence"] == expected


def test_stats_for_a_given_month_and_unit(people, small_city, march):
    response = client_for(people.city_admin).get(
        f"{PROBLEMS}stats/", {"month": "2026-03", "unit": small_city.street_a.pk}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["month"], body["unit"], body["total"]) == ("2026-03", small_city.street_a.pk, 6)
    assert [(c["code"], c["share"]) for c in body["by_category"]] == [("06036", 50.0), ("09006", 33.3), ("06010", 16.7)]
    assert body["sentence"].startswith(selectors._period_label(datetime.date(2026, 3, 1)))


def test_stats_count_only_what_the_caller_may_see(people, march):
    worker = stats(people.community_worker)
    assert worker["total"] == 6
    assert {c["code"]: c["count"] for c in worker["by_category"]} == {"06036": 3, "09006": 2, "06010": 1}
    assert [row["name"] for row in worker["by_street"]] == ["甲街道"]
    liaison = stats(people.liaison)
    assert liaison["total"] == 2
    assert liaison["counts"]["void"] == 1
    assert [row["name"] for row in liaison["by_community"]] == ["乙一社区"]
    outsider = stats(people.outsider)
    assert (outsider["total"], outsider["by_category"], outsider["by_street"]) == (0, [], [])
    assert outsider["sentence"] == gettext("%(period)s no problems were found.") % {"period": as_of(IN_MARCH)}


@pytest.mark.parametrize("month", ["2026-13", "2026-3-1", "March", "202603"])
def test_stats_for_a_malformed_month_are_400(people, month):
    response = client_for(people.city_admin).get(f"{PROBLEMS}stats/", {"month": month})
    assert response.status_code == 400
    assert list(response.json()) == ["month"]


def test_stats_for_a_malformed_unit_are_400(people):
    response = client_for(people.city_admin).get(f"{PROBLEMS}stats/", {"unit": "abc"})
    assert response.status_code == 400
    assert list(response.json()) == ["unit"]


@pytest.mark.parametrize("who", ["community_worker", "outsider"])
def test_stats_for_a_unit_outside_scope_are_404(people, small_city, who):
    response = client_for(getattr(people, who)).get(f"{PROBLEMS}stats/", {"unit": small_city.community_b1.pk})
    assert response.status_code == 404


def test_stats_without_a_month_are_for_this_month_in_beijing(people):
    # 23:30 UTC on 31 May is already 1 June in Beijing.
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime.datetime(2026, 5, 31, 23, 30, tzinfo=datetime.UTC)
    ):
        body = client_for(people.city_admin).get(f"{PROBLEMS}stats/").json()
    assert body["month"] == "2026-06"
    # The month has just begun: its figures run to 1 June (截至6月1日).
    assert body["sentence"] == gettext("%(period)s no problems were found.") % {
        "period": gettext("Up to %(month)s/%(day)s") % {"month": 6, "day": 1}
    }


# --- categories -----------------------------------------------------------------------------------------------------


def test_categories_lists_those_in_use_in_order(people):
    CategoryFactory(code="X9999", is_active=False)
    response = client_for(people.community_worker).get("/api/v1/categories/")
    assert response.status_code == 200
    rows = response.json()
    codes = [row["code"] for row in rows]
    assert "X9999" not in codes
    assert codes == list(
        Category.objects.filter(is_active=True).order_by("sort_order", "code").values_list("code", flat=True)
    )
    assert len(codes) == 23
    first = next(row for row in rows if row["code"] == "09006")
    assert first == {
        "code": "09006",
        "name": "占道经营",
        "group": "街面秩序",
        "legacy_code": "",
        "is_local": False,
        "deadline_amount": 4,
        "deadline_unit": "hours",
        "relapse_window_days": 30,
    }


def test_one_category_by_its_code(people):
    response = client_for(people.outsider).get("/api/v1/categories/L0101/")
    assert response.status_code == 200
    assert response.json()["is_local"] is True


# --- scope ----------------------------------------------------------------------------------------------------------


def test_a_community_worker_never_sees_another_streets_problem(people, a1, b1):
    client = client_for(people.community_worker)
    assert numbers(client.get(PROBLEMS)) == {a1.number}
    assert numbers(client.get(PROBLEMS, {"unit": b1.unit_id})) == set()
    assert client.get(detail(b1)).status_code == 404
    assert client.get(f"{detail(b1)}history/").status_code == 404
    photo = b1.photos.get()
    assert client.get(f"/problems/photos/{photo.pk}/full/").status_code == 404
    assert client.get(f"/problems/photos/{photo.pk}/thumb/").status_code == 404
    own = a1.photos.get()
    assert client.get(f"/problems/photos/{own.pk}/full/").status_code == 200


def test_actions_on_a_problem_outside_scope_are_404_not_403(people, b1):
    before = saved()
    client = client_for(people.community_worker)
    assert (
        client.post(f"{detail(b1)}rectify/", {"note": "x", "photos": [upload(jpeg_bytes())]}, format="multipart")
    ).status_code == 404
    assert client.post(f"{detail(b1)}void/", {"reason": "x"}, format="json").status_code == 404
    assert client.post(f"{detail(b1)}review/", {"passed": True}, format="json").status_code == 404
    assert client.post(f"{detail(b1)}extend/", {"decision": "approve"}, format="json").status_code == 404
    assert saved() == before


def test_the_outsider_sees_nothing(people, a1, b1):
    client = client_for(people.outsider)
    body = client.get(PROBLEMS).json()
    assert (body["count"], body["results"]) == (0, [])
    for problem in (a1, b1):
        assert client.get(detail(problem)).status_code == 404
        assert client.get(f"{detail(problem)}history/").status_code == 404
        assert client.post(f"{detail(problem)}void/", {"reason": "x"}, format="json").status_code == 404
        assert client.get(f"/problems/photos/{problem.photos.get().pk}/full/").status_code == 404


def test_a_liaison_sees_only_the_paired_community(people, a1, b1):
    client = client_for(people.liaison)
    assert numbers(client.get(PROBLEMS)) == {b1.number}
    assert client.get(detail(b1)).status_code == 200
    assert client.get(detail(a1)).status_code == 404
    assert client.get(f"/problems/photos/{b1.photos.get().pk}/full/").status_code == 200
    assert client.get(f"/problems/photos/{a1.photos.get().pk}/full/").status_code == 404


def test_a_liaison_only_reads(people, b1):
    submitted(b1, people)
    response = client_for(people.liaison).post(f"{detail(b1)}review/", {"passed": True}, format="json")
    assert response.status_code == 403
    assert Problem.objects.get(pk=b1.pk).status == "submitted"


def test_a_street_inspector_sees_only_their_street(people, a1, b1):
    client = client_for(people.street_inspector)
    assert numbers(client.get(PROBLEMS)) == {b1.number}
    assert client.get(detail(a1)).status_code == 404


def test_the_city_sees_both_streets(people, a1, b1):
    for who in ("city_admin", "city_leader", "inspector"):
        assert numbers(client_for(getattr(people, who)).get(PROBLEMS)) == {a1.number, b1.number}


def test_a_volunteer_sees_no_case_files(people, a1):
    client = client_for(people.volunteer)
    assert client.get(PROBLEMS).json()["count"] == 0
    assert client.get(detail(a1)).status_code == 404


def test_filtering_by_a_unit_outside_scope_finds_nothing(people, small_city, a1, b1):
    response = client_for(people.street_officer).get(PROBLEMS, {"unit": small_city.street_b.pk})
    assert numbers(response) == set()


def test_a_problem_made_for_another_city_is_invisible_even_to_the_city_admin(people, small_city):
    foreign = ProblemFactory(unit=small_city.other_community, category=CategoryFactory())
    assert client_for(people.city_admin).get(detail(foreign)).status_code == 404
