"""The volunteer import on a phone: the sheet is uploaded, its rows are checked by a background job
(run at once in tests), and the preview page shows the counts and the rejected row with its reason;
a sheet with the wrong headers is refused on the form. Screenshots go to var/screenshots/."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from gongjian.participation.models import ImportBatch, Volunteer
from gongjian.participation.tests.factories import HEADER, phone, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _phone_page(browser, base: str, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, locale="zh-CN"
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    return context.new_page()


def test_a_sheet_is_checked_in_the_background_and_previewed_on_a_phone(
    live_server, browser, small_city, people, tmp_path
):
    base = live_server.url
    page = _phone_page(browser, base, people.community_worker)
    sheet = tmp_path / "志愿者.xlsx"
    sheet.write_bytes(xlsx([HEADER, ["张一", phone(1), "", "", "", "", ""], ["李二", "123", "", "", "", "", ""]]))
    page.goto(f"{base}/participation/volunteers/import/")
    page.select_option("#id_community", str(small_city.community_a1.pk))
    page.set_input_files("#id_file", str(sheet))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-counts")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "import-preview.png"), full_page=True)
    assert page.inner_text("#valid-count") == "1" and page.inner_text("#error-count") == "1"
    assert "大陆手机号" in page.inner_text("#import-errors")
    assert ImportBatch.objects.count() == 1 and not Volunteer.objects.exists()

    wrong = tmp_path / "wrong.xlsx"
    wrong.write_bytes(xlsx([["x", "y"]]))
    page.goto(f"{base}/participation/volunteers/import/")
    page.select_option("#id_community", str(small_city.community_a1.pk))
    page.set_input_files("#id_file", str(wrong))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    page.screenshot(path=str(SCREENSHOTS / "import-refused.png"), full_page=True)
    assert "表头" in page.inner_text(".invalid-feedback")
    assert ImportBatch.objects.count() == 1
