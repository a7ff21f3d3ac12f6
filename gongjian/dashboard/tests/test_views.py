"""The overview, the 大屏 and their JSON endpoint: for those who lead, scoped to their reach, the
same figures on all three; everyone else is refused, the outsider included."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from gongjian.inspections.tests.factories import ProblemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(small_city):
    now = timezone.now()
    return {
        "a": ProblemFactory(
            unit=small_city.compound_a1, found_at=now, deadline=now - datetime.timedelta(days=12), number="LATE-A"
        ),
        "b": ProblemFactory(
            unit=small_city.compound_b1, found_at=now, deadline=now - datetime.timedelta(days=30), number="LATE-B"
        ),
    }


@pytest.mark.parametrize("who", ["city_admin", "city_leader", "street_officer"])
@pytest.mark.parametrize("url", ["/overview/", "/overview/wall/"])
def test_those_who_lead_open_the_overview_and_the_big_screen(client, people, late, who, url):
    client.force_login(getattr(people, who))

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="overview-data"' in html and "vendor/echarts/echarts.min.js" in html and "js/dashboard.js" in html
    assert "<script>" not in html  # CSP: data only in json_script blocks


@pytest.mark.parametrize(
    "who", ["community_worker", "compound_manager", "inspector", "liaison", "volunteer", "outsider"]
)
@pytest.mark.parametrize("url", ["/overview/", "/overview/wall/", "/overview/figures.json"])
def test_everyone_else_is_refused(client, people, late, who, url):
    client.force_login(getattr(people, who))

    response = client.get(url)

    assert response.status_code == 403
    assert "LATE-A" not in response.content.decode()


def test_the_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/overview/figures.json")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_json_figures_are_the_city_s_for_the_city_and_the_street_s_for_the_street(client, people, late):
    client.force_login(people.city_leader)
    city = client.get("/overview/figures.json").json()
    client.force_login(people.street_officer)
    street = client.get("/overview/figures.json").json()

    assert [c["number"] for c in city["oldest_overdue"]] == ["LATE-B", "LATE-A"]
    assert city["overdue_now"] == 2 and city["found"]["value"] == 2
    assert [c["number"] for c in street["oldest_overdue"]] == ["LATE-A"]
    assert street["overdue_now"] == 1
    assert street["oldest_overdue"][0]["label"].startswith("超期")


def test_the_overview_shows_the_oldest_overdue_case_in_working_days(client, people, late):
    client.force_login(people.city_leader)

    html = client.get("/overview/").content.decode()

    assert f'href="/problems/{late["b"].pk}/"' in html and "个工作日" in html


def test_the_work_queue_says_how_many_working_days_are_left_or_overdue(client, people, small_city, late):
    now = timezone.now()
    ProblemFactory(unit=small_city.compound_a1, found_at=now, deadline=now + datetime.timedelta(days=10))
    client.force_login(people.community_worker)

    html = client.get("/problems/queue/").content.decode()

    assert re.search(r"超期 \d+ 个工作日", html) and re.search(r"剩 \d+ 个工作日", html)


@pytest.mark.parametrize("url", ["/overview/", "/overview/wall/", "/overview/figures.json"])
def test_only_get_is_answered(client, people, url):
    client.force_login(people.city_leader)

    assert client.post(url).status_code == 405


@pytest.mark.parametrize(
    ("given", "seconds"), [("", 60), ("30", 30), ("0", 1), ("99999", 3600), ("abc", 60), ("1e3", 60), ("-5", 1)]
)
def test_the_big_screen_refreshes_every_minute_unless_told_otherwise_within_bounds(client, people, given, seconds):
    client.force_login(people.city_leader)

    html = client.get("/overview/wall/", {"refresh": given}).content.decode()

    assert f'data-refresh-seconds="{seconds}"' in html
