"""Materials in a real browser on a phone (390 px): the city office has distributed a loudspeaker
recording (小喇叭); community1 (甲一社区) opens it, the <audio> element loads the latest version
(served with Range requests) and community1 confirms receipt; the city sees the receipt and who
has not confirmed. Screenshots go to var/screenshots/."""

from pathlib import Path

import pytest

from gongjian.archives.services import FileIn
from gongjian.materials import services
from gongjian.materials.audio import tone_wav
from gongjian.materials.models import MaterialReceipt
from gongjian.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


def _sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"materials-{name}.png"), full_page=True)


def test_a_community_plays_the_latest_recording_and_confirms_receipt_on_a_phone(
    browser, live_server, people, small_city
):
    material = services.material_create(
        actor=people.city_admin,
        owner_unit=small_city.city,
        kind="audio",
        title="小喇叭用语",
        file=FileIn("v1.wav", tone_wav(seconds=1.0)),
    )
    latest = services.material_add_version(
        actor=people.city_admin, material=material, file=FileIn("v2.wav", tone_wav(seconds=2.0, frequency=523))
    )
    base = live_server.url
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    try:
        _sign_in(page, base, people.community_worker.username)
        page.goto(f"{base}/materials/")
        page.click(f"a[href='/materials/{material.pk}/']")
        page.wait_for_url(f"{base}/materials/{material.pk}/")
        audio = page.locator("#latest-audio")
        assert audio.get_attribute("src").endswith(f"/versions/{latest.pk}/file/")
        page.wait_for_function(
            "(() => { const a = document.querySelector('#latest-audio'); return a && a.readyState > 0; })()",
            timeout=20000,
        )
        duration = page.evaluate("document.querySelector('#latest-audio').duration")
        assert 1.9 < duration < 2.1  # the latest version (two seconds), not the first
        # the page fits the phone: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "community-before")
        page.click("#confirm")
        page.wait_for_selector("#own-confirmed")
        _shot(page, "community-confirmed")
        assert MaterialReceipt.objects.filter(version=latest, unit=small_city.community_a1).exists()

        _sign_in(page, base, people.city_admin.username)
        page.goto(f"{base}/materials/{material.pk}/")
        confirmed = page.locator("#receipts tr[data-unit='甲一社区'] td").nth(1).inner_text()
        assert confirmed != "未签收"
        assert page.locator("#receipts tr[data-unit='甲二社区'] td").nth(1).inner_text() == "未签收"
        assert "2 个单位未签收" in page.locator("#missing-count").inner_text()
        _shot(page, "office-receipts")
    finally:
        context.close()


def test_the_register_of_positions_flags_the_stale_one_on_a_phone(browser, live_server, people, small_city):
    import datetime

    from django.utils import timezone

    from gongjian.archives.tests.factories import jpeg
    from gongjian.materials import positions
    from gongjian.materials.models import Position

    old = positions.position_register(
        actor=people.community_worker, unit=small_city.community_a1, kind="blackboard", name="东门黑板报"
    )
    Position.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=60))
    fresh = positions.position_register(
        actor=people.community_worker, unit=small_city.community_a1, kind="screen", name="服务中心电子屏"
    )
    positions.position_record_update(
        actor=people.community_worker,
        position=fresh,
        updated_on=timezone.localdate(),
        theme="垃圾分类",
        photo=jpeg(seed=8),
    )
    base = live_server.url
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    try:
        _sign_in(page, base, people.community_worker.username)
        page.goto(f"{base}/materials/positions/")
        assert page.locator("#positions tr[data-name='东门黑板报']").get_attribute("data-stale") == "1"
        assert page.locator("#positions tr[data-name='服务中心电子屏']").get_attribute("data-stale") == "0"
        _shot(page, "positions")
        page.goto(f"{base}/materials/positions/{fresh.pk}/")
        page.wait_for_function("document.querySelector('#updates img').naturalWidth > 0")
        _shot(page, "position-detail")
    finally:
        context.close()
