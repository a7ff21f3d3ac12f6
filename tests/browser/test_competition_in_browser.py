"""The environment competition in a real browser, on a desktop (1280 px) and a phone (390×844,
touch): an inspector enters one unit's results item by item, the city office computes and publishes,
and the ranking shows the tie (1, 2, 2, 4). Screenshots go to var/screenshots/."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from gongjian.competitions.models import Competition, Entry
from gongjian.competitions.tests.helpers import make_competition, score

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


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


def _press(page, locator, screen):
    locator.tap() if screen == "phone" else locator.click()


def _fits(page):
    """Nothing wider than the screen: wide tables scroll inside their own box."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_entry_compute_publish_and_the_ranking(browser, live_server, people, small_city, screen):
    setup = make_competition(people, small_city)
    score(people.inspector, setup, setup.a2, "A3", "12", reason="绿化带缺株")
    score(people.inspector, setup, setup.own, "A1", 7)
    score(people.inspector, setup, setup.own, "A2", 3)
    context = browser.new_context(locale="zh-CN", **SCREENS[screen])
    base = live_server.url
    pk = setup.competition.pk

    page = _as(context, live_server, people.inspector)
    page.goto(f"{base}/competitions/{pk}/")
    _fits(page)
    _press(page, page.locator("#competition-ranking tr[data-unit='甲一企业'] a.btn"), screen)
    page.wait_for_url(f"**/units/{setup.a1.pk}/entry/")
    _fits(page)
    first = page.locator("form.entry-form[data-item='A1']")
    first.locator("input[name$='-value']").fill("2")
    first.locator("textarea[name$='-reason']").fill("门前堆物两处")
    _press(page, first.locator("button[type=submit]"), screen)
    page.wait_for_selector(".alert-success")
    second = page.locator("form.entry-form[data-item='A2']")
    second.locator("select[name$='-value']").select_option("1")
    second.locator("textarea[name$='-reason']").fill("楼道有杂物")
    _press(page, second.locator("button[type=submit]"), screen)
    page.wait_for_selector("text=A2：结果已录入。")
    assert Entry.objects.filter(participant=setup.a1).count() == 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"competition-entry-{screen}.png"), full_page=True)

    page = _as(context, live_server, people.city_admin)
    page.goto(f"{base}/competitions/{pk}/")
    _press(page, page.locator("#competition-compute"), screen)
    page.wait_for_selector("text=总分和排名已计算。")
    _press(page, page.locator("#competition-publish"), screen)
    page.wait_for_selector("text=竞赛已发布，结果为最终结果。")
    assert Competition.objects.get().status == "published"
    ranks = {
        row.get_attribute("data-unit"): row.locator("td.rank").inner_text()
        for row in page.locator("#competition-ranking tbody tr").all()
    }
    assert ranks == {"乙一企业": "1", "甲一企业": "2", "甲二机关": "2", setup.own.cobuild_unit.name: "4"}
    assert page.locator("#competition-compute").count() == 0
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / f"competition-ranking-{screen}.png"), full_page=True)

    _press(page, page.locator("#competition-ranking a", has_text="甲一企业"), screen)
    page.wait_for_url(f"**/units/{setup.a1.pk}/")
    assert "88.00 / 100.00" in page.locator("#sheet-totals").inner_text()
    assert "门前堆物两处" in page.locator("#sheet-lines").inner_text()
    _fits(page)
    context.close()
