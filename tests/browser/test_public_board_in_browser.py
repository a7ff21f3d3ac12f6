"""The public board on a 390 px phone, without an account: the published month's red flags, red and
black lists, ranking and the month's solved problems fit the screen; on a 1366 px screen the same
board reads in two columns. Screenshots in /tmp/boards-shots."""

from pathlib import Path

import pytest
from django.utils import timezone

from gongjian.assessments import services as assessments
from gongjian.assessments.tests.test_views import march, problems, ruleset  # noqa: F401  (fixtures)
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/boards-shots")


@pytest.fixture
def published_board(people, small_city, march):  # noqa: F811
    assessments.assessment_publish(user=people.city_admin, assessment=march)
    for unit in (small_city.compound_a1, small_city.compound_a1, small_city.compound_b1):
        ProblemFactory(
            unit=unit,
            category=Category.objects.get(code="06036"),
            status=ProblemStatus.CLOSED,
            closed_at=timezone.now(),
        )
    return small_city.city


def test_a_resident_reads_the_board_on_a_phone_and_on_a_wide_screen(browser, live_server, published_board):
    SHOTS.mkdir(exist_ok=True)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, locale="zh-CN")
    page = phone.new_page()
    page.goto(f"{live_server.url}/board/{published_board.pk}/")
    assert "公示栏" in page.inner_text("#board-title")
    assert "2026-03" in page.inner_text("#board-month")
    assert "甲一小区" in page.inner_text("#board-ranking")
    assert page.inner_text("#board-closed-total") == "3"
    assert page.is_visible("#board-volunteer a")
    # Nothing wider than the phone: the page never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "board-390.png"), full_page=True)
    page.click("#board-volunteer a")
    page.wait_for_url("**/participation/volunteers/sign-up/")
    phone.close()

    wide = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = wide.new_page()
    page.goto(f"{live_server.url}/board/{published_board.pk}/")
    flags, lists = page.locator("#board-red-flags").bounding_box(), page.locator("#board-lists").bounding_box()
    assert flags["y"] == lists["y"] and flags["x"] < lists["x"]  # side by side
    page.screenshot(path=str(SHOTS / "board-1366.png"), full_page=True)
    wide.close()
