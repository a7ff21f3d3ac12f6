"""Each role's home, the leader overview on a 390×844 phone with touch (the essentials above the
fold: bounding boxes inside 844 px), and the 大屏 at 1920×1080 (nothing scrolls, the charts are
drawn, the figures are fetched again on their own). Screenshots land in var/screenshots/homes/."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment, RedFlag, ScoreSheet
from gongjian.assessments.tests.test_importexport import make_ruleset
from gongjian.demo.city import DEMO_PASSWORD, build_demo_city
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory
from gongjian.organizations.models import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "homes"
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "locale": "zh-CN"}
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}
WALL = {"viewport": {"width": 1920, "height": 1080}, "locale": "zh-CN"}


def _city() -> None:
    """The demo city's tree and accounts, with problems in street1 and elsewhere (some overdue,
    some awaiting re-check) and last month computed with red flags."""
    build_demo_city()
    now = timezone.now()
    admin = User.objects.get(username="city")
    city = admin.memberships.get().unit
    street1 = User.objects.get(username="street1").memberships.get().unit
    community1 = User.objects.get(username="community1").memberships.get().unit
    compound1 = User.objects.get(username="compound1").memberships.get().unit
    communities = list(Unit.objects.filter(level="community").order_by("code")[:12])
    categories = list(Category.objects.filter(is_active=True).order_by("sort_order", "code")[:6])
    for index in range(36):
        unit = compound1 if index % 4 == 0 else communities[index % len(communities)]
        found = now - datetime.timedelta(days=index * 4 % 40, hours=1)
        status = [ProblemStatus.OPEN, ProblemStatus.SUBMITTED, ProblemStatus.CLOSED][index % 3]
        ProblemFactory(
            unit=unit,
            category=categories[index * 7 % len(categories)],
            found_at=found,
            deadline=found + datetime.timedelta(days=3 + index % 5),
            status=status,
            submitted_at=found + datetime.timedelta(days=2) if status != ProblemStatus.OPEN else None,
            closed_at=found + datetime.timedelta(days=4) if status == ProblemStatus.CLOSED else None,
            address=f"{unit.name}{index + 1}号楼",
        )
    ProblemFactory(
        unit=community1,
        category=categories[0],
        found_at=now,
        deadline=now + datetime.timedelta(days=6),
        address="社区活动中心",
    )
    month = (now.date().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    assessment = Assessment.objects.create(
        city=city, month=month, ruleset=make_ruleset(admin, city), status=AssessmentStatus.PUBLISHED
    )
    for rank, unit in enumerate(Unit.objects.filter(level="community").order_by("code")[:20], start=1):
        sheet = ScoreSheet.objects.create(
            assessment=assessment,
            unit=unit,
            street=unit.parent,
            level="community",
            score=Decimal(99 - rank * 1.5),
            max_score=Decimal(100),
            rate=Decimal(99 - rank * 1.5) / 100,
            rank_city=rank,
            rank_street=rank,
        )
        if rank in (1, 6):
            RedFlag.objects.create(assessment=assessment, street=unit.parent, sheet=sheet)
    assert street1.pk and community1.pk


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _above_the_fold(page, selector: str, height: int) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{selector} ends at {box['y'] + box['height']}"


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


HOMES = [
    ("inspector1", "inspector", "待复查"),
    ("community1", "community_worker", "待整改"),
    ("compound1", "compound_manager", "待整改"),
    ("street1", "street_officer", "社区"),
    ("unit1", "cobuild_liaison", "结对"),
    ("volunteer1", "volunteer", "活动"),
    ("leader1", "city_leader", "本月发现"),
]


def test_each_role_lands_on_its_work_on_a_phone(live_server, browser):
    _city()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        for username, role, words in HOMES:
            _sign_in(page, live_server.url, username)
            section = page.locator(f"section.home-section[data-role={role}]").first
            section.wait_for()
            header = section.locator(".card-header").bounding_box()
            assert header["y"] + header["height"] <= 844, (username, header)
            assert words in section.inner_text(), (username, section.inner_text()[:200])
            # A row to tap is at least 44 px high.
            rows = section.locator(".home-row")
            if rows.count():
                assert rows.first.bounding_box()["height"] >= 44
            _shot(page, f"home-{username}-390")
            if username == "community1":  # the work queue says it in working days too
                page.goto(f"{live_server.url}/problems/queue/")
                badges = page.locator(".deadline-badge")
                assert badges.count() >= 2 and "个工作日" in badges.first.inner_text()
                _shot(page, "queue-community1-390")
            context.clear_cookies()
    finally:
        context.close()


def test_the_overview_shows_the_essentials_in_the_first_screen_of_a_phone(live_server, browser):
    _city()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, "leader1")
        page.goto(f"{live_server.url}/overview/")
        page.wait_for_selector("#chart-trend canvas")
        for essential in (
            "#overview-figures",
            "#overview-ranking",
            "#overview-flags",
            "#overview-categories",
            "#overview-oldest",
            "#overview-trend",
        ):
            _above_the_fold(page, essential, 844)
        text = page.inner_text("main")
        assert "流动红旗" in text and "超期最久" in text and "个工作日" in text
        _shot(page, "overview-leader1-390")
        page.set_viewport_size({"width": 1366, "height": 768})
        page.reload()
        page.wait_for_selector("#chart-trend canvas")
        _shot(page, "overview-leader1-1366")
    finally:
        context.close()


def test_a_street_leader_s_overview_holds_its_street(live_server, browser):
    _city()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, "street1")
        page.goto(f"{live_server.url}/overview/")
        page.wait_for_selector("#chart-trend canvas")
        _above_the_fold(page, "#overview-oldest", 844)
        street = User.objects.get(username="street1").memberships.get().unit
        outside = Unit.objects.filter(level="community").exclude(parent=street).values_list("name", flat=True)
        ranking = page.inner_text("#overview-ranking")
        assert not any(name in ranking for name in outside)
        _shot(page, "overview-street1-390")
    finally:
        context.close()


def test_the_big_screen_fills_1920_by_1080_and_fetches_its_figures_again(live_server, browser):
    _city()
    context = browser.new_context(**WALL)
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, "leader1")
        page.goto(f"{live_server.url}/overview/wall/?refresh=2")
        page.wait_for_selector("#wall-chart-trend canvas")
        page.wait_for_selector("#wall-chart-categories canvas")
        for panel in (".wall-figures", ".wall-ranking", ".wall-trend", ".wall-categories", ".wall-oldest"):
            _above_the_fold(page, panel, 1080)
        assert page.evaluate("document.scrollingElement.scrollHeight") <= 1080
        for chart, panel in (("#wall-chart-trend", ".wall-trend"), ("#wall-chart-categories", ".wall-categories")):
            drawn, frame = page.locator(f"{chart} canvas").bounding_box(), page.locator(panel).bounding_box()
            assert drawn["y"] + drawn["height"] <= frame["y"] + frame["height"], (chart, drawn, frame)
        assert int(page.inner_text(".js-wall-found")) >= 1
        assert "个工作日" in page.inner_text(".js-wall-oldest")
        # A problem found now shows on the wall at its next fetch (the cached figures dropped).
        before = int(page.inner_text(".js-wall-found"))
        community1 = User.objects.get(username="community1").memberships.get().unit
        ProblemFactory(unit=community1, found_at=timezone.now(), deadline=timezone.now() + datetime.timedelta(days=3))
        cache.clear()
        # The page asks again on its own within the refresh interval.
        page.wait_for_event("response", lambda r: r.url.endswith("/overview/figures.json") and r.status == 200)
        page.wait_for_function(f"document.querySelector('.js-wall-found').textContent === '{before + 1}'")
        _shot(page, "wall-leader1-1920")
    finally:
        context.close()


def test_the_home_at_laptop_width(live_server, browser):
    _city()
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    try:
        for username in ("community1", "street1"):
            _sign_in(page, live_server.url, username)
            page.wait_for_selector("section.home-section")
            _shot(page, f"home-{username}-1366")
            context.clear_cookies()
    finally:
        context.close()
