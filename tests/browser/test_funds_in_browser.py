"""The fund ledgers and creation status in a real browser: street officer sees its communities' yearly
totals and entries (a reversing entry marked); the city leader sees the progress towards the year's
creation targets. Desktop (1366 px) and phone (390 px); screenshots go to var/screenshots/."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from gongjian.creation import services as creation
from gongjian.funds import services
from gongjian.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


def _sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_street_sees_its_ledgers_and_the_city_its_creation_progress(
    browser, live_server, people, small_city, screen
):
    year = timezone.localdate().year
    day = datetime.date(year, 1, 15)
    pairing = small_city.community_b1.pairings.get()
    services.fund_entry_record(
        user=people.community_worker,
        community=small_city.community_a1,
        kind="income",
        source="allocation",
        amount="5000",
        date=day,
    )
    wrong = services.fund_entry_record(
        user=people.community_worker,
        community=small_city.community_a1,
        kind="spending",
        purpose="activity",
        amount="860",
        date=day,
        note="清扫工具",
    )
    services.fund_entry_reverse(user=people.community_worker, entry=wrong, reason="金额录错")
    services.fund_entry_record(
        user=people.street_officer,
        community=small_city.community_a2,
        kind="spending",
        purpose="publicity",
        amount="120.30",
        date=day,
    )
    services.fund_entry_record(
        user=people.city_admin,
        community=small_city.community_b1,
        kind="income",
        source="contribution",
        pairing=pairing,
        amount="9000",
        date=day,
    )
    target = creation.target_apply(
        user=people.community_worker, community=small_city.community_a1, kind="civ_community", year=year
    )
    creation.target_self_assess(user=people.community_worker, target=target, answers=[True] * len(target.checklist))
    creation.target_apply(
        user=people.street_officer, community=small_city.community_a2, kind="san_community", year=year
    )
    creation.goal_set(user=people.city_admin, city=small_city.city, year=year, kind="civ_community", count=3)

    context = browser.new_context(**VIEWPORTS[screen])
    page = context.new_page()
    base = live_server.url
    _sign_in(page, base, people.street_officer.username)
    page.goto(f"{base}/funds/")
    totals = page.locator("#fund-totals tbody").inner_text()
    assert "甲一社区" in totals and "甲二社区" in totals and "乙一社区" not in totals
    assert "5,000.00" in totals
    assert page.locator("#fund-entries .table-warning").count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"funds-{screen}.png"), full_page=True)

    _sign_in(page, base, people.city_leader.username)
    page.goto(f"{base}/creation/")
    progress = page.locator("#creation-progress tbody").inner_text()
    assert "文明社区" in progress and "3" in progress
    page.screenshot(path=str(SCREENSHOTS / f"creation-{screen}.png"), full_page=True)
    context.close()
