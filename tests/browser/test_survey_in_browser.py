"""群众满意度问卷 on a 390 px phone: a resident opens the community's link, answers, and the city
office sees the response counted for that community."""

from pathlib import Path

import pytest
from captcha.models import CaptchaStore

from gongjian.surveys.models import Response
from gongjian.surveys.tests.factories import a_survey, link_of
from gongjian.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/surveys-shots")


def _shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _phone(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, locale="zh-CN")


def test_a_resident_answers_through_the_community_link_and_the_office_sees_the_count(
    live_server, browser, people, small_city
):
    base = live_server.url
    survey = a_survey(user=people.city_admin, city=small_city.city, communities=[small_city.community_a1])
    link = link_of(survey, small_city.community_a1)

    resident = _phone(browser)
    page = resident.new_page()
    page.goto(f"{base}/surveys/s/{link.token}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("比较满意").check()
    page.get_by_label("停车").check()
    page.get_by_label("4", exact=True).check()
    page.fill("textarea", "希望多装几盏路灯")
    page.fill("#id_phone", "13912345678")
    key = page.input_value("input[name=captcha_0]")
    page.fill("input[name=captcha_1]", CaptchaStore.objects.get(hashkey=key).response)
    _shot(page, "1-answer")
    page.click("#survey-submit")
    page.wait_for_selector("#survey-thanks")
    _shot(page, "2-thanks")
    assert Response.objects.get().community == small_city.community_a1
    # The same phone again: already answered, no second form.
    page.goto(f"{base}/surveys/s/{link.token}/")
    assert "已经填写过" in page.inner_text("#survey-message")
    assert not page.is_visible("#survey-form")
    resident.close()

    office = _phone(browser)
    staff = office.new_page()
    staff.goto(f"{base}/accounts/login/")
    staff.fill("#id_username", people.city_admin.username)
    staff.fill("#id_password", PASSWORD)
    staff.click("button[type=submit]")
    staff.wait_for_url(f"{base}/")
    staff.goto(f"{base}/surveys/office/{survey.pk}/results/")
    row = staff.locator("#community-results tbody tr", has_text="甲一社区")
    assert row.locator(".response-count").inner_text() == "1"
    assert "100.00%" in row.inner_text()
    _shot(staff, "3-results")
    # The survey's page: each community's link and its QR code, drawn by the server.
    staff.goto(f"{base}/surveys/office/{survey.pk}/")
    assert link.token in staff.inner_text("#survey-links")
    assert staff.evaluate("document.querySelector('.survey-qr').naturalWidth") > 0
    _shot(staff, "4-links")
    office.close()
