"""创建达标 in a real browser, at 1280 px and on a phone (390×844, touch): community1's worker applies
for 园林社区 and answers the self-assessment checklist item by item; the city office reviews it
(达标), attaches the certificate and sets the year's goal; the overview shows the progress towards
it. Screenshots go to var/screenshots/."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from gongjian.archives.tests.factories import jpeg
from gongjian.creation.models import CreationTarget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
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


def _fits(page) -> bool:
    """Nothing sticks out sideways (wide tables scroll inside their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"creation-{name}.png"), full_page=True)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_apply_self_assess_review_certify_and_see_the_progress(
    browser, live_server, people, small_city, tmp_path, screen
):
    year = timezone.localdate().year
    context = browser.new_context(locale="zh-CN", **SCREENS[screen])
    touch = screen == "phone"

    # The community applies and answers the checklist.
    page = _as(context, live_server, people.community_worker)
    page.goto(f"{live_server.url}/creation/")
    page.click("#creation-apply")
    page.select_option("#id_subject", f"community:{small_city.community_a1.pk}")
    page.select_option("#id_kind", "gar_community")
    page.click("#creation-apply-form button[type=submit]")
    page.wait_for_url("**/creation/*/")
    target = CreationTarget.objects.get(community=small_city.community_a1, kind="gar_community")
    assert page.locator('[data-step="self_assessed"]').get_attribute("data-state") == "current"
    page.click("#creation-self-assess")
    items = page.locator(".creation-item")
    assert items.count() == len(target.checklist)
    for i in range(items.count()):
        radio = page.locator(f"#id_met_{i}_0")
        radio.tap() if touch else radio.check()
        page.fill(f"#id_note_{i}", f"第{i + 1}项已落实")
    page.fill("#id_text", "对照标准逐项自查")
    assert _fits(page)
    _shot(page, f"self-assess-{screen}")
    page.click("#creation-self-assess-form button[type=submit]")
    page.wait_for_url(f"**/creation/{target.pk}/")
    assert page.locator('[data-stage="self_assessed"]').first.is_visible()
    assert "第1项已落实" in page.locator("#creation-checklist").inner_text()

    # The city office reviews it, attaches the certificate and sets the year's goal.
    page = _as(context, live_server, people.city_admin)
    page.goto(f"{live_server.url}/creation/{target.pk}/")
    pass_radio = page.locator("#id_action_0")
    pass_radio.tap() if touch else pass_radio.check()
    page.fill("#id_note", "复核达标")
    page.click("#creation-review-form button[type=submit]")
    page.wait_for_url(f"**/creation/{target.pk}/")
    assert "复核达标" in page.locator("#creation-review").inner_text()
    scan = tmp_path / "园林社区证书.jpg"
    scan.write_bytes(jpeg(seed=7))
    page.set_input_files("#id_file", str(scan))
    page.click("#creation-certificate-form button[type=submit]")
    page.wait_for_url(f"**/creation/{target.pk}/")
    assert "园林社区证书.jpg" in page.locator("#creation-certificate").inner_text()
    assert page.locator('[data-step="certificate"]').get_attribute("data-state") == "done"
    assert _fits(page)
    _shot(page, f"target-{screen}")
    with page.expect_response(lambda r: "/certificate/file/" in r.url) as streamed:
        page.goto(f"{live_server.url}/creation/{target.pk}/certificate/file/")
    assert streamed.value.status == 200 and streamed.value.headers["content-type"] == "image/jpeg"

    page.goto(f"{live_server.url}/creation/goals/?year={year}")
    page.fill("#id_count_gar_community", "2")
    page.click("#creation-goals-form button[type=submit]")
    page.wait_for_url(f"**/creation/?year={year}")
    row = page.locator('#creation-progress tr[data-kind="gar_community"]')
    assert row.locator('[data-col="goal"]').inner_text() == "2"
    assert row.locator('[data-col="passed"]').inner_text() == "1"
    assert "1/2 · 50%" in row.locator('[data-col="share"]').inner_text()
    assert _fits(page)
    _shot(page, f"overview-{screen}")
    context.close()
