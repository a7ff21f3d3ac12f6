"""Campaigns and activity plans on a phone (390×844, touch): the city office opens an ended 大清扫
campaign's figures and asks for its closing report; a street sees only its communities; the street
approves a community's activity plan. Screenshots go to var/screenshots/."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from gongjian.campaigns import services as campaign_services
from gongjian.inspections.tests.factories import CategoryFactory, ProblemFactory
from gongjian.participation import activity_plans
from gongjian.participation.tests.factories import activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, locale="zh-CN"
    )
    yield context
    context.close()


def _as(context, live_server, user):
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"campaigns-{name}.png"), full_page=True)


def test_the_campaign_page_the_closing_report_and_a_plan_approved_on_a_phone(live_server, phone, people, small_city):
    c = small_city
    cat = CategoryFactory(code="06036", name="乱堆物料")
    today = timezone.localdate()
    start = today - datetime.timedelta(days=20)
    found = timezone.make_aware(datetime.datetime.combine(start + datetime.timedelta(days=2), datetime.time(9)))
    ProblemFactory(
        unit=c.compound_a1, category=cat, found_at=found, status="closed", closed_at=found + datetime.timedelta(days=1)
    )
    ProblemFactory(unit=c.community_a2, category=cat, found_at=found + datetime.timedelta(days=7))
    ProblemFactory(unit=c.compound_b1, category=cat, found_at=found, rework_count=1)
    campaign = campaign_services.campaign_declare(
        user=people.city_admin,
        city=c.city,
        name="大清扫",
        starts_on=start,
        ends_on=today - datetime.timedelta(days=1),
        categories=[cat],
        level="community",
    )

    page = _as(phone, live_server, people.city_admin)
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    assert page.locator("#campaign-units tbody tr").count() == 3
    assert "3" in page.locator("#campaign-totals").inner_text()
    _shot(page, "phone-city")
    page.locator("#campaign-report").tap()
    page.wait_for_url("**/jobs/**")
    page.wait_for_selector("text=工作总结", timeout=60_000)
    _shot(page, "phone-report-job")

    street = _as(phone, live_server, people.street_officer)
    street.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    assert street.locator("#campaign-units tbody tr").count() == 2
    assert "乙一社区" not in street.content()
    _shot(street, "phone-street")

    planned = activity(
        people.community_worker,
        c.community_a1,
        status="planned",
        title="邻里节",
        when=timezone.now() + datetime.timedelta(days=3),
        now=timezone.now(),
    )
    activity_plans.plan_submit(
        user=people.community_worker,
        activity=planned,
        data=activity_plans.PlanIn(
            aim="增进邻里交流",
            schedule="上午9点",
            place="社区广场",
            people="居民",
            expected_attendance=40,
            budget="500",
            safety="专人维持秩序",
            publicity="公众号",
        ),
    )
    street.goto(f"{live_server.url}/participation/activity-plans/")
    street.locator("#plans-awaiting a").first.tap()
    street.wait_for_selector("#plan-decide")
    _shot(street, "phone-plan-decide")
    street.locator("#plan-decide button[value=approve]").tap()
    street.wait_for_selector(".alert-success")
    assert planned.plan.__class__.objects.get().status == "approved"
    _shot(street, "phone-plan-approved")
