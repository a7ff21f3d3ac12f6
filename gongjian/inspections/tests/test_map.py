"""The map of problems: its GeoJSON (scoped like the list, filtered by the list's own filter, capped
with a message), the unit boundaries it draws, the popup's facts and the base-map settings."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongjian.inspections.tests.factories import CategoryFactory, ProblemFactory, at, reported
from gongjian.organizations.boundaries import ring_around
from gongjian.testing.factories import UnitBoundaryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HERE = {"latitude": Decimal("29.300000"), "longitude": Decimal("120.080000")}


def signed_in(user, language="en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def mapped(small_city):
    litter = CategoryFactory(code="M0001", name="乱扔垃圾")
    parking = CategoryFactory(code="M0002", name="乱停车")
    rows = [
        ("MAP-A-OPEN", small_city.compound_a1, "open", litter, at(2026, 3, 2, 9), HERE),
        ("MAP-A-SUBMITTED", small_city.community_a1, "submitted", parking, at(2026, 4, 10, 9), HERE),
        ("MAP-A-CLOSED", small_city.compound_a1, "closed", litter, at(2026, 3, 5, 9), HERE),
        ("MAP-A-VOID", small_city.compound_a1, "void", litter, at(2026, 3, 5, 9), {**HERE, "void_reason": "误报"}),
        ("MAP-A-NO-POSITION", small_city.compound_a1, "open", litter, at(2026, 3, 2, 9), {}),
        ("MAP-B-OPEN", small_city.community_b1, "open", parking, at(2026, 3, 2, 9), HERE),
        ("MAP-OTHER-CITY", small_city.other_community, "open", litter, at(2026, 3, 2, 9), HERE),
    ]
    for number, unit, status, category, found_at, extra in rows:
        ProblemFactory(number=number, unit=unit, status=status, category=category, found_at=found_at, **extra)


def features(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return {f["properties"]["number"]: f for f in body["features"]}


def numbers(client, query="") -> set[str]:
    return set(features(client.get(f"/problems/map/map.json{query}")))


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("community_worker", {"MAP-A-OPEN", "MAP-A-SUBMITTED"}),
        ("compound_manager", {"MAP-A-OPEN"}),
        ("street_officer", {"MAP-A-OPEN", "MAP-A-SUBMITTED"}),
        ("street_inspector", {"MAP-B-OPEN"}),
        ("liaison", {"MAP-B-OPEN"}),
        ("inspector", {"MAP-A-OPEN", "MAP-A-SUBMITTED", "MAP-B-OPEN"}),
        ("city_leader", {"MAP-A-OPEN", "MAP-A-SUBMITTED", "MAP-B-OPEN"}),
    ],
)
def test_the_map_shows_only_problems_still_being_worked_on_in_scope_with_a_position(people, mapped, who, expected):
    assert numbers(signed_in(getattr(people, who))) == expected


@pytest.mark.parametrize("who", ["volunteer", "outsider"])
def test_people_without_case_files_get_no_map_and_no_data(people, mapped, who):
    client = signed_in(getattr(people, who))
    assert client.get("/problems/map/").status_code == 403
    assert client.get("/problems/map/map.json").status_code == 403
    assert client.get("/problems/map/boundaries.json").status_code == 403


def test_an_anonymous_visitor_gets_no_map_data(db):
    assert Client().get("/problems/map/map.json").status_code == 302
    assert Client().get("/problems/map/boundaries.json").status_code == 302


def test_a_unit_filter_outside_ones_scope_shows_nothing(people, mapped, small_city):
    client = signed_in(people.community_worker)
    assert numbers(client, f"?unit={small_city.community_b1.pk}") == set()


# --- the list's filter ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=closed", {"MAP-A-CLOSED"}),
        ("?status=void", {"MAP-A-VOID"}),
        ("?status=submitted", {"MAP-A-SUBMITTED"}),
        ("?category=M0001", {"MAP-A-OPEN"}),
        ("?category=M0001&status=closed", {"MAP-A-CLOSED"}),
        ("?found_after=2026-04-01", {"MAP-A-SUBMITTED"}),
        ("?found_before=2026-03-31", {"MAP-A-OPEN", "MAP-B-OPEN"}),
        ("?found_after=2026-03-01&found_before=2026-03-03", {"MAP-A-OPEN", "MAP-B-OPEN"}),
        ("?found_after=2026-03-01&found_before=2026-03-31&status=closed", {"MAP-A-CLOSED"}),
        ("?overdue=true", {"MAP-A-OPEN", "MAP-B-OPEN"}),
        ("?overdue=false", {"MAP-A-SUBMITTED"}),
        ("?q=MAP-B", {"MAP-B-OPEN"}),
    ],
)
def test_the_map_follows_the_lists_filter(people, mapped, query, expected):
    assert numbers(signed_in(people.inspector), query) == expected


@pytest.mark.parametrize(
    "query",
    ["?unit=abc", "?status=bogus", "?found_after=2026-13-45", "?found_after=2026-05-01&found_before=2026-04-01"],
)
def test_a_malformed_map_filter_is_a_400_for_the_data_and_the_page(people, mapped, query):
    client = signed_in(people.community_worker)
    response = client.get(f"/problems/map/map.json{query}")
    assert response.status_code == 400 and response.json()["detail"] == "The filter could not be understood."
    page = client.get(f"/problems/map/{query}")
    assert page.status_code == 400 and "The filter could not be understood" in page.content.decode()


def test_the_map_page_passes_its_filter_to_the_data_the_list_and_the_export(people, mapped):
    response = signed_in(people.community_worker).get("/problems/map/?status=open&category=M0001")
    assert response.status_code == 200
    assert response.context["map_config"]["dataUrl"] == "/problems/map/map.json?status=open&category=M0001"
    page = response.content.decode()
    assert 'href="/problems/?status=open&amp;category=M0001"' in page
    assert 'href="/problems/export.xlsx?status=open&amp;category=M0001"' in page
    assert '<option value="M0001" selected>' in page


# --- what a point carries ----------------------------------------------------------------------------


def test_a_point_carries_its_position_status_overdue_flag_and_popup_facts(people, mapped):
    points = features(signed_in(people.community_worker).get("/problems/map/map.json"))
    point = points["MAP-A-OPEN"]
    assert point["geometry"] == {"type": "Point", "coordinates": [120.08, 29.3]}
    props = point["properties"]
    assert (props["status"], props["overdue"]) == ("open", True)  # found 2 March 2026, two days to fix it
    assert (props["category"], props["unit"], props["deadline"]) == ("乱扔垃圾", "甲一小区", "2026-03-04")
    assert props["status_label"] == "Being rectified"
    assert props["url"] == f"/problems/{props['id']}/"
    assert props["thumb"] is None  # made without a photo
    assert points["MAP-A-SUBMITTED"]["properties"]["overdue"] is False


def test_a_popup_shows_the_first_photo_as_found_and_the_photo_is_served_in_scope(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1, **HERE)
    points = features(signed_in(people.community_worker).get("/problems/map/map.json"))
    thumb = points[problem.number]["properties"]["thumb"]
    first = problem.photos.order_by("id").first()
    assert thumb == f"/problems/photos/{first.pk}/thumb/"
    assert signed_in(people.community_worker).get(thumb).status_code == 200
    assert signed_in(people.outsider).get(thumb).status_code == 404


def test_the_counts_say_how_many_matched_and_how_many_have_no_position(people, mapped):
    body = signed_in(people.community_worker).get("/problems/map/map.json").json()
    assert (body["total"], body["shown"], body["unplaced"], body["truncated"]) == (2, 2, 1, False)
    assert "message" not in body


def test_above_the_cap_the_most_recent_are_shown_with_a_message(people, mapped, settings):
    settings.MAP_MAX_PROBLEMS = 1
    body = signed_in(people.inspector).get("/problems/map/map.json").json()
    assert [f["properties"]["number"] for f in body["features"]] == ["MAP-A-SUBMITTED"]  # found last
    assert (body["total"], body["shown"], body["truncated"]) == (3, 1, True)
    assert body["message"] == "Showing the 1 most recent of 3 problems; narrow the filter to see the others."


def test_the_data_costs_the_same_few_queries_for_ten_problems_as_for_one(people, small_city):
    def count_queries() -> int:
        client = signed_in(people.inspector)
        client.get("/problems/map/map.json")  # the session and the actor are read once
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/problems/map/map.json").status_code == 200
        return len(captured.captured_queries)

    reported(people.inspector, small_city.compound_a1, **HERE)
    one = count_queries()
    for day in range(9):
        reported(people.inspector, small_city.compound_b1, now=at(2026, 3, 10 + day, 9), **HERE)
    assert count_queries() == one


# --- boundaries ----------------------------------------------------------------------------------------


@pytest.fixture
def bounded(small_city):
    for unit in (small_city.street_a, small_city.community_a1, small_city.compound_a1, small_city.community_b1,
                 small_city.other_community):  # fmt: skip
        UnitBoundaryFactory(unit=unit, geometry=ring_around(29.3, 120.08, radius=0.002), vertex_count=7)


def boundary_names(client) -> set[str]:
    response = client.get("/problems/map/boundaries.json")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["shown"] == len(body["features"])
    return {f["properties"]["name"] for f in body["features"]}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("community_worker", {"甲一社区", "甲一小区"}),
        ("compound_manager", {"甲一小区"}),
        ("street_officer", {"甲街道", "甲一社区", "甲一小区"}),
        ("liaison", {"乙一社区"}),
        ("city_admin", {"甲街道", "甲一社区", "甲一小区", "乙一社区"}),
    ],
)
def test_the_map_draws_the_boundaries_of_the_units_one_sees(people, bounded, who, expected):
    assert boundary_names(signed_in(getattr(people, who))) == expected


def test_a_boundary_feature_carries_the_units_name_code_level_and_shape(people, bounded, small_city):
    body = signed_in(people.compound_manager).get("/problems/map/boundaries.json").json()
    (feature,) = body["features"]
    assert feature["properties"] == {
        "unit": small_city.compound_a1.pk,
        "code": small_city.compound_a1.code,
        "name": "甲一小区",
        "level": "compound",
    }
    assert feature["geometry"]["type"] == "Polygon"


def test_above_the_boundary_cap_a_message_says_how_many_are_left_out(people, bounded, settings):
    settings.MAP_MAX_BOUNDARIES = 2
    body = signed_in(people.city_admin).get("/problems/map/boundaries.json").json()
    assert (body["shown"], body["total"]) == (2, 4)
    assert body["message"] == "Showing 2 of 4 unit boundaries."


# --- the base map ----------------------------------------------------------------------------------------


def test_without_a_tile_server_the_page_says_the_map_is_drawn_on_a_plain_background(people, settings):
    settings.MAP_TILE_URL = ""
    response = signed_in(people.community_worker).get("/problems/map/")
    page = response.content.decode()
    assert response.context["map_config"]["tileUrl"] == ""
    assert 'class="map-plain"' in page and "drawn on a plain background" in page


def test_the_configured_tile_server_reaches_the_page(people, settings):
    settings.MAP_TILE_URL = "https://tiles.intranet.example/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "市测绘院"
    settings.MAP_TILE_MAX_ZOOM = 17
    config = signed_in(people.community_worker).get("/problems/map/").context["map_config"]
    assert (config["tileUrl"], config["attribution"], config["maxZoom"]) == (
        "https://tiles.intranet.example/{z}/{x}/{y}.png",
        "市测绘院",
        17,
    )


def test_the_map_page_offers_the_boundary_upload_only_to_the_city_office(people):
    assert 'href="/units/boundaries/"' in signed_in(people.city_admin).get("/problems/map/").content.decode()
    assert 'href="/units/boundaries/"' not in signed_in(people.inspector).get("/problems/map/").content.decode()


def test_the_map_data_is_the_same_for_the_page_and_a_repeated_request(people, mapped):
    client = signed_in(people.inspector)
    assert client.get("/problems/map/map.json").json() == client.get("/problems/map/map.json").json()


def test_deadlines_are_given_as_the_citys_local_date(people, small_city):
    ProblemFactory(
        number="MAP-LATE-EVENING",
        unit=small_city.compound_a1,
        found_at=at(2026, 3, 2, 9),
        deadline=at(2026, 3, 4, 23, 30),
        **HERE,
    )
    props = features(signed_in(people.community_worker).get("/problems/map/map.json"))["MAP-LATE-EVENING"]["properties"]
    assert props["deadline"] == "2026-03-04"
    assert datetime.date.fromisoformat(props["deadline"])


# --- the API -------------------------------------------------------------------------------------------------


def api_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("community_worker", {"MAP-A-OPEN", "MAP-A-SUBMITTED"}),
        ("liaison", {"MAP-B-OPEN"}),
        ("outsider", set()),
        ("volunteer", set()),
    ],
)
def test_the_api_gives_the_same_geojson_within_the_same_scope(people, mapped, who, expected):
    response = api_for(getattr(people, who)).get("/api/v1/problems/map/")
    assert response.status_code == 200
    assert {f["properties"]["number"] for f in response.json()["features"]} == expected


def test_the_api_map_follows_the_filter_and_refuses_a_malformed_one(people, mapped):
    client = api_for(people.inspector)
    response = client.get("/api/v1/problems/map/?status=closed&category=M0001")
    assert {f["properties"]["number"] for f in response.json()["features"]} == {"MAP-A-CLOSED"}
    bad = client.get("/api/v1/problems/map/?found_after=someday")
    assert bad.status_code == 400 and "found_after" in bad.json()


def test_the_api_map_needs_a_signed_in_user(db):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/problems/map/").status_code == 401
