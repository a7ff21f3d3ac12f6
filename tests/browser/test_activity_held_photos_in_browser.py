"""The activity "held" page on a phone (390×844, touch): a chosen photo shows a preview at once;
after a refused submit (no attendance) the photo is still there, shown from the server, and the
second try records it with its caption without choosing it again."""

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from gongjian.participation.tests.factories import activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Held-photos-2026!"
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "locale": "zh-CN"}


def _jpeg(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 200)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_photo_is_previewed_and_survives_a_refused_submit(
    browser, live_server, people, small_city, tmp_path, settings
):
    settings.ACTIVITY_PLAN_REQUIRED = False  # the plan (方案) before holding: test_participation_in_browser.py
    worker = people.community_worker
    worker.set_password(PASSWORD)
    worker.save()
    day = timezone.localdate() - datetime.timedelta(days=1)
    planned = activity(
        worker,
        small_city.community_a1,
        status="planned",
        when=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9))),
        now=timezone.now(),
        title="邻里节",
    )
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", worker.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/participation/activities/{planned.pk}/held/")
    first = page.locator(".js-hold-photo").first
    assert not first.locator(".js-hold-preview").is_visible()
    page.set_input_files("#id_photo_1", str(_jpeg(tmp_path / "held.jpg")))
    first.locator(".js-hold-preview").wait_for()
    page.wait_for_function("() => document.querySelector('.js-hold-preview-img').naturalWidth > 0")
    page.fill("#id_caption_1", "居民一起包粽子")
    page.fill("#id_attendance", "")
    page.locator("#hold-submit").tap()

    page.wait_for_selector(".js-hold-kept")
    page.wait_for_function("() => document.querySelector('.js-hold-preview-img').naturalWidth > 0")
    assert page.input_value("input[name=photo_token_1]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/field14/held-kept.png", full_page=True)

    page.fill("#id_attendance", "40")
    page.locator("#hold-submit").tap()
    page.wait_for_url(f"{live_server.url}/participation/activities/{planned.pk}/")
    planned.refresh_from_db()
    assert planned.status == "held"
    assert [p.caption for p in planned.photos.all()] == ["居民一起包粽子"]
    context.close()
