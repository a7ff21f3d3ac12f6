"""The API skeleton: token auth, /me, scoped units, JSON errors."""

import pytest
from rest_framework.test import APIClient

from gongjian.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_token_is_issued_for_the_right_password_and_works(people):
    anonymous = APIClient()
    response = anonymous.post(
        "/api/v1/auth/token/", {"username": "community_worker", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/v1/me/").json()["username"] == "community_worker"


def test_a_wrong_password_gets_a_clear_message_in_chinese(people):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "community_worker", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "用户名或密码不正确。"}


def test_repeated_wrong_passwords_lock_the_account_even_with_the_right_one(people, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "community_worker", "password": "wrong"}, format="json")
    response = client.post("/api/v1/auth/token/", {"username": "community_worker", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "锁定" in response.json()["detail"]
    other = client.post("/api/v1/auth/token/", {"username": "street_officer", "password": PASSWORD}, format="json")
    assert other.status_code == 200, "only the attacked account is locked"


def test_a_token_request_without_fields_names_them(db):
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_me_lists_memberships_with_role_and_unit(people, small_city):
    body = client_for(people.street_officer).get("/api/v1/me/").json()
    assert body["username"] == "street_officer"
    assert body["memberships"] == [
        {
            "id": people.street_officer.memberships.get().pk,
            "role": "street_officer",
            "role_display": "街道干部",
            "unit": {
                "id": small_city.street_a.pk,
                "code": small_city.street_a.code,
                "name": "甲街道",
                "level": "street",
            },
            "cobuild_unit": None,
        }
    ]


def test_the_api_refuses_anonymous_callers(db):
    response = APIClient().get("/api/v1/units/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_units_are_paginated_and_scoped(people, small_city):
    body = client_for(people.street_officer).get("/api/v1/units/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4
    assert {u["name"] for u in body["results"]} == {"甲街道", "甲一社区", "甲二社区", "甲一小区"}
    assert set(body["results"][0]) >= {"id", "code", "name", "level", "parent"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=community", {"甲一社区", "甲二社区", "乙一社区"}),
        ("q=甲一", {"甲一社区", "甲一小区"}),
        ("level=compound&q=乙", {"乙一小区"}),
    ],
)
def test_units_can_be_filtered(people, query, expected):
    body = client_for(people.city_admin).get(f"/api/v1/units/?{query}").json()
    assert {u["name"] for u in body["results"]} == expected


def test_units_can_be_filtered_by_parent(people, small_city):
    body = client_for(people.city_admin).get(f"/api/v1/units/?parent={small_city.street_a.pk}").json()
    assert {u["name"] for u in body["results"]} == {"甲一社区", "甲二社区"}


@pytest.mark.parametrize(
    ("query", "field"),
    [("parent=abc", "parent"), ("level=planet", "level"), ("parent=-3", "parent"), ("q=" + "长" * 51, "q")],
)
def test_malformed_filters_get_400_with_the_field_named(people, query, field):
    response = client_for(people.city_admin).get(f"/api/v1/units/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_a_page_past_the_end_is_404_json(people):
    response = client_for(people.city_admin).get("/api/v1/units/?page=99")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_community_worker_gets_404_for_another_streets_community(people, small_city):
    client = client_for(people.community_worker)
    assert client.get(f"/api/v1/units/{small_city.community_a1.pk}/").status_code == 200
    response = client.get(f"/api/v1/units/{small_city.community_b1.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


@pytest.mark.parametrize("who", ["outsider", "volunteer", "compound_manager", "liaison"])
def test_people_outside_a_unit_get_404_not_403(people, small_city, who):
    response = client_for(getattr(people, who)).get(f"/api/v1/units/{small_city.street_a.pk}/")
    assert response.status_code == 404


def test_an_unknown_or_malformed_id_is_404_json(people):
    client = client_for(people.city_admin)
    for path in ("/api/v1/units/999999/", "/api/v1/units/abc/", "/api/v1/nothing-here/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json"), path


def test_the_outsider_sees_an_empty_list(people):
    assert client_for(people.outsider).get("/api/v1/units/").json()["count"] == 0


def test_the_schema_and_docs_are_served_without_a_cdn(people):
    client = client_for(people.community_worker)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/units/" in text and "/api/v1/auth/token/" in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
