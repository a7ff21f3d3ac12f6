"""随手拍 on a 390 px phone: a resident reports with a photo and their position, gets a number and a
link; the street accepts it; the community rectifies and the inspector passes it (services: their
pages belong to the inspections app); the resident says "没有" and it comes back as a rework."""

import io
import re
from pathlib import Path

import pytest
from captcha.models import CaptchaStore
from PIL import Image

from gongjian.accounts.models import User
from gongjian.demo.city import DEMO_PASSWORD, build_demo_city
from gongjian.inspections import services as inspections
from gongjian.inspections.choices import ProblemSource, ProblemStatus
from gongjian.residents.models import ResidentReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/residents-shots")


def _jpeg(path: Path, colour) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _solve_captcha(page):
    key = page.input_value("input[name=captcha_0]")
    page.fill("input[name=captcha_1]", CaptchaStore.objects.get(hashkey=key).response)


@pytest.fixture
def phone(browser):
    community1 = User.objects.get(username="community1").memberships.get().unit
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        locale="zh-CN",
        geolocation={"latitude": float(community1.latitude), "longitude": float(community1.longitude)},
        permissions=["geolocation"],
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo_city(transactional_db):
    build_demo_city()


def test_a_resident_reports_follows_and_says_not_solved_which_comes_back_as_a_rework(
    demo_city, live_server, phone, browser, tmp_path
):
    base = live_server.url
    page = phone
    community1 = User.objects.get(username="community1").memberships.get().unit
    compound = community1.children.order_by("code").first()

    # The resident, without an account, on a phone.
    page.goto(f"{base}/residents/report/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.select_option("#id_category", "clutter")
    page.set_input_files("#id_photos", str(_jpeg(tmp_path / "before.jpg", (150, 120, 90))))
    page.click("#resident-locate")
    page.wait_for_selector(".js-resident-locate-status:has-text('已定位')")
    page.fill("#id_address", "小区北门")
    page.fill("#id_description", "北门口堆了很多旧家具")
    page.fill("#id_phone", "13912345678")
    _solve_captcha(page)
    _shot(page, "1-report")
    page.click("#report-submit")
    page.wait_for_selector("#report-number")
    number = page.inner_text("#report-number")
    follow_url = page.url
    assert re.fullmatch(r"SP\d{12}", number)
    assert "13912345678" not in page.content()
    _shot(page, "2-number")

    # The street accepts it, on its own phone.
    office = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, locale="zh-CN")
    staff = office.new_page()
    staff.goto(f"{base}/accounts/login/")
    staff.fill("#id_username", "street1")
    staff.fill("#id_password", DEMO_PASSWORD)
    staff.click("button[type=submit]")
    staff.wait_for_url(f"{base}/")
    staff.goto(f"{base}/residents/office/")
    staff.click(f"text={number}")
    assert "139****5678" in staff.inner_text("#masked-phone")
    staff.select_option("#id_unit", str(compound.pk))
    _shot(staff, "3-moderation")
    staff.click("#accept-submit")
    staff.wait_for_selector(".alert-success")
    office.close()

    report = ResidentReport.objects.get(number=number)
    problem = report.problem
    assert problem.source == ProblemSource.RESIDENT and problem.unit == compound

    # The community rectifies and the inspector passes it.
    inspections.rectification_submit(
        user=User.objects.get(username="community1"),
        problem=problem,
        note="已清走",
        photos=[_jpeg(tmp_path / "after.jpg", (200, 200, 190)).read_bytes()],
    )
    inspections.rectification_review(user=User.objects.get(username="inspector1"), problem=problem, passed=True)

    # The resident follows the link: closed, with the after-photo; "解决了吗？" — "没有".
    page.goto(follow_url)
    page.wait_for_selector("#ask-solved")
    assert page.locator("#after-photos img").count() == 1
    assert page.evaluate("document.querySelector('#after-photos img').naturalWidth") > 0
    _shot(page, "4-closed")
    page.fill("#id_note", "家具又被堆回来了")
    page.click("#answer-not-solved")
    page.wait_for_selector(".alert-success")
    _shot(page, "5-not-solved")
    assert page.locator("#ask-solved").count() == 0

    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN and problem.rework_count == 1
    assert "责任单位整改中" in page.inner_text("#public-status")
