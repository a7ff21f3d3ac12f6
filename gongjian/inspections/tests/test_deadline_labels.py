"""How far a problem's deadline is, in working days, where a problem is shown on its own: the map's
popup ("超期 3 个工作日" from the GeoJSON) and the problem's page (the same badge as the homes)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from freezegun import freeze_time

from gongjian.inspections.tests.factories import ProblemFactory, at

pytestmark = pytest.mark.django_db

HERE = {"latitude": Decimal("29.300000"), "longitude": Decimal("120.080000")}


def signed_in(user, language) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def problems(small_city):
    # Deadline Wednesday 4 March 2026, 18:00.
    deadline = at(2026, 3, 4, 18)
    return {
        status: ProblemFactory(
            number=f"DL-{status}", unit=small_city.compound_a1, status=status, deadline=deadline, **HERE
        )
        for status in ("open", "submitted")
    }


def map_labels(client) -> dict[str, str]:
    response = client.get("/problems/map/map.json")
    assert response.status_code == 200
    return {f["properties"]["number"]: f["properties"]["deadline_label"] for f in response.json()["features"]}


@pytest.mark.parametrize(
    ("moment", "language", "expected"),
    [
        # Monday 9 March: Thursday, Friday and Monday have passed since the deadline's day.
        (at(2026, 3, 9, 10), "en", "Overdue by 3 working days"),
        (at(2026, 3, 9, 10), "zh-hans", "超期 3 个工作日"),
        (at(2026, 3, 2, 10), "en", "2 working days left"),
        (at(2026, 3, 4, 10), "zh-hans", "今天到期"),
    ],
)
def test_the_map_popup_says_how_many_working_days_a_problem_is_overdue_or_has_left(
    people, problems, moment, language, expected
):
    with freeze_time(moment):
        labels = map_labels(signed_in(people.community_worker, language))
    assert labels["DL-open"] == expected
    # Awaiting re-check: the deadline no longer runs.
    assert labels["DL-submitted"] == ""


def test_the_problem_page_shows_the_working_day_badge_once_and_not_a_second_overdue_badge(people, problems):
    with freeze_time(at(2026, 3, 9, 10)):
        page = signed_in(people.community_worker, "zh-hans").get(f"/problems/{problems['open'].pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("超期 3 个工作日") == 1
    assert ">已超期<" not in html and ">超期<" not in html


def test_a_problem_awaiting_re_check_has_no_deadline_badge(people, problems):
    with freeze_time(at(2026, 3, 9, 10)):
        page = signed_in(people.community_worker, "zh-hans").get(f"/problems/{problems['submitted'].pk}/")
    assert page.status_code == 200
    assert "deadline-badge" not in page.content.decode()


def test_a_problem_reopened_by_its_resident_reads_as_such_on_its_timeline_never_as_a_code(people, small_city):
    from gongjian.inspections import services

    problem = ProblemFactory(number="DL-REOPEN", unit=small_city.compound_a1, status="closed", **HERE)
    services.problem_reopen(problem=problem, note="家具又堆回来了")

    html = signed_in(people.community_worker, "zh-hans").get(f"/problems/{problem.pk}/").content.decode()

    assert "problem.reopen" not in html.replace('data-action="problem.reopen"', "")
    assert "重新交办" in html and "· 居民" in html
