"""评选 on a 390 px phone: a resident reads the nominees with their stories and photos, solves the
captcha and votes; a second vote the same day is refused in plain words. Screenshots in
/tmp/boards-shots."""

import datetime
from pathlib import Path

import pytest
from captcha.models import CaptchaStore
from django.utils import timezone

from gongjian.inspections.tests.factories import jpeg_bytes
from gongjian.selections import services
from gongjian.selections.models import Vote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/boards-shots")


@pytest.fixture
def voting(people, small_city):
    today = timezone.localdate()
    selection = services.selection_create(
        user=people.city_admin,
        city=small_city.city,
        title="2026年文明家庭评选",
        kinds=["family"],
        nomination_from=today - datetime.timedelta(days=2),
        nomination_until=today,
        voting_from=today,
        voting_until=today + datetime.timedelta(days=5),
    )
    family = selection.categories.get()
    for name in ("张家", "李家"):
        nominee = services.nominee_submit(
            user=people.community_worker,
            category=family,
            community=small_city.community_a1,
            name=name,
            story="三代同堂，孝老爱亲，邻里和睦，常年义务打扫楼道。",
            photos=[jpeg_bytes(size=(320, 240))],
        )
        services.nominee_decide(user=people.city_admin, nominee=nominee, approve=True)
    return selection


def _solve(page):
    key = page.input_value("input[name$=captcha_0]")
    page.fill("input[name$=captcha_1]", CaptchaStore.objects.get(hashkey=key).response)


def test_a_resident_votes_once_on_a_phone(browser, live_server, voting):
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/selections/{voting.pk}/")
    assert "张家" in page.inner_text("#category-family")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.check("label:has-text('张家') input")
    _solve(page)
    page.screenshot(path=str(SHOTS / "vote-390.png"), full_page=True)
    page.click(".vote-form button[type=submit]")
    page.wait_for_load_state()
    assert "您的投票已计入" in page.content()
    page.check("label:has-text('李家') input")
    _solve(page)
    page.click(".vote-form button[type=submit]")
    assert "请明天再来" in page.inner_text("#category-family")
    page.screenshot(path=str(SHOTS / "vote-again-390.png"), full_page=True)
    assert Vote.objects.count() == 1
    context.close()
