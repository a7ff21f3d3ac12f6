"""The field app on a phone (390×844, touch): a problem reported in at most six taps from a
GPS-tagged photo; a report made without signal waits on the phone and is sent exactly once when
the connection returns; rectify with an after-photo; a re-check that fails with a reason and a
photo (the timeline says 不通过 and why, the rejected after-photo is labelled) and one that passes."""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from gongjian.inspections import services
from gongjian.inspections.models import Problem
from gongjian.inspections.tests.factories import CategoryFactory, ProblemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "Field-app-2026!"
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "locale": "zh-CN"}
DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
# Where compound_a1 is: the photo is taken some 20 m from it.
COMPOUND = (29.300200, 120.080000)
TAKEN_AT = (29.300020, 120.080010)


def _dms(value: float):
    total = round(abs(value) * 360_000)
    degrees, rest = divmod(total, 360_000)
    minutes, hundredths = divmod(rest, 6_000)
    return IFDRational(degrees), IFDRational(minutes), IFDRational(hundredths, 100)


def gps_jpeg(path: Path, lat: float, lng: float, colour=(150, 120, 90)) -> Path:
    """A JPEG as a phone writes it: the position in the EXIF GPS block."""
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"
    exif.get_ifd(0x8825).update({1: "N", 2: _dms(lat), 3: "E", 4: _dms(lng)})
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(buffer, "JPEG", exif=exif, quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def plain_jpeg(path: Path, colour) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


class Taps:
    """Every tap the test makes goes through here, so the test can count them."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def tap(self, selector: str) -> None:
        self.count += 1
        self.page.locator(selector).first.tap()

    def take_photo(self, selector: str, path: Path) -> None:
        # Opening the camera and pressing the shutter: one tap in the form.
        self.count += 1
        self.page.set_input_files(selector, str(path))


@pytest.fixture
def field(people, small_city):
    for user in (people.inspector, people.community_worker):
        user.set_password(PASSWORD)
        user.save()
    for unit, (lat, lng) in (
        (small_city.compound_a1, COMPOUND),
        (small_city.community_a1, (29.301500, 120.081000)),
        (small_city.compound_b1, (29.320000, 120.100000)),
    ):
        unit.latitude, unit.longitude = Decimal(str(lat)), Decimal(str(lng))
        unit.save()
    CategoryFactory(code="06036", name="乱堆乱放", group="市容环境")
    frequent = CategoryFactory(code="09006", name="楼道堆物", group="小区管理")
    CategoryFactory(code="06010", name="占道经营", group="市容环境")
    # The city reports 楼道堆物 most often, so it is offered first.
    for n in range(3):
        ProblemFactory(number=f"HIST-{n}", unit=small_city.compound_b1, category=frequent)
    return small_city


def phone(browser, live_server, username, options=PHONE):
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_a_problem_is_reported_in_six_taps_or_fewer_from_a_gps_tagged_photo(
    browser, live_server, people, field, tmp_path
):
    context, page = phone(browser, live_server, "inspector")
    page.goto(f"{live_server.url}/problems/report/")
    taps = Taps(page)

    taps.take_photo("#id_photos", gps_jpeg(tmp_path / "found.jpg", *TAKEN_AT))
    page.wait_for_selector(".photo-preview[data-state=sent]")
    nearest = page.locator(".nearby-unit").first
    nearest.wait_for()
    assert nearest.get_attribute("data-unit") == str(field.compound_a1.pk), "the compound where the photo was taken"
    taps.tap(".nearby-unit")
    first_category = page.locator("[data-name=category] .pick-option input").first
    assert first_category.get_attribute("value") == "09006", "the city's most frequent category first"
    taps.tap("[data-name=category] .pick-option")
    taps.tap("#id_description")
    page.keyboard.type("3幢楼道堆放纸箱")
    shot(page, "field-report-390.png")
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll(
              '.field-page button, .field-page .btn, .field-page .pick-option, .field-page textarea,'
              + ' .field-page input[type=search], .field-page summary'))
            .filter((el) => el.offsetParent !== null)
            .map((el) => [el.className || el.tagName, Math.round(el.getBoundingClientRect().height)])
            .filter(([, height]) => height < 44)"""
    )
    assert small == [], f"tap targets under 44 px: {small}"
    taps.tap(".js-submit")
    page.wait_for_url(re.compile(r"/problems/\d+/$"))

    assert taps.count <= 6, f"{taps.count} taps"
    problem = Problem.objects.exclude(number__startswith="HIST").get()
    assert (problem.unit, problem.category.code, problem.reporter) == (field.compound_a1, "09006", people.inspector)
    # The photo's position (read on the phone to suggest the place, within a metre of the EXIF's).
    assert float(problem.latitude) == pytest.approx(TAKEN_AT[0], abs=1e-5)
    assert float(problem.longitude) == pytest.approx(TAKEN_AT[1], abs=1e-5)
    assert problem.photos.count() == 1 and problem.description == "3幢楼道堆放纸箱"
    assert page.locator(".alert-success").is_visible()
    shot(page, "field-problem-390.png")
    context.close()


def test_a_report_made_without_signal_waits_on_the_phone_and_is_sent_once(browser, live_server, field, tmp_path):
    context, page = phone(browser, live_server, "inspector")
    page.goto(f"{live_server.url}/problems/report/")
    page.evaluate("navigator.serviceWorker.ready")  # installed: the page and its scripts work offline
    context.set_offline(True)

    page.set_input_files("#id_photos", str(gps_jpeg(tmp_path / "offline.jpg", *TAKEN_AT)))
    page.wait_for_selector(".photo-preview[data-state=kept]")
    page.locator(".nearby-unit").first.wait_for()  # the position read on the phone, the units it carries
    page.locator(".nearby-unit").first.tap()
    page.locator("[data-name=category] .pick-option").first.tap()
    page.fill("#id_description", "地下室通道堆物（无信号）")
    page.locator(".js-submit").tap()

    page.wait_for_selector(".js-outbox:not([hidden])")
    assert page.inner_text(".js-outbox-count") == "1"
    assert "地下室通道堆物" in page.inner_text(".js-outbox-list")
    assert page.locator(".js-field-notice").is_visible()
    assert not Problem.objects.exclude(number__startswith="HIST").exists()
    shot(page, "field-outbox-390.png")

    # Offline, the report page still opens (the service worker's copy).
    page.reload()
    page.wait_for_selector(".js-outbox:not([hidden])")
    assert page.inner_text(".js-outbox-count") == "1"

    context.set_offline(False)
    page.wait_for_selector(".js-outbox", state="hidden", timeout=30_000)
    problems = Problem.objects.exclude(number__startswith="HIST")
    assert problems.count() == 1
    problem = problems.get()
    assert problem.photos.count() == 1 and problem.unit == field.compound_a1
    assert problem.number in page.inner_text(".js-field-notice")
    page.reload()  # nothing is left to send, and nothing more is recorded
    page.wait_for_load_state("networkidle")
    assert page.locator(".js-outbox").is_hidden()
    assert problems.count() == 1
    context.close()


def test_rectify_fail_with_reason_and_photo_then_pass(browser, live_server, people, field, tmp_path):
    problem = services.problem_report(
        user=people.inspector,
        category=Problem._meta.get_field("category").related_model.objects.get(code="06036"),
        unit=field.compound_a1,
        description="楼道口堆放废旧家具",
        address="3幢",
        point_type="compound",
        photos=[gps_jpeg(tmp_path / "before.jpg", *TAKEN_AT).read_bytes()],
    )
    detail = f"{live_server.url}/problems/{problem.pk}/"

    def rectify(page, colour, note):
        page.goto(detail)
        page.locator("#rectify").tap()
        # The page's script must be running before the photo is chosen (it sends the photo ahead).
        page.wait_for_url(f"{detail}rectify/")
        page.set_input_files("#id_photos", str(plain_jpeg(tmp_path / f"after-{colour[0]}.jpg", colour)))
        page.wait_for_selector(".photo-preview[data-state=sent]")
        page.locator("#id_note").tap()
        page.keyboard.type(note)
        page.locator(".js-submit").tap()
        page.wait_for_url(detail)

    worker, worker_page = phone(browser, live_server, "community_worker")
    rectify(worker_page, (200, 200, 190), "已清理杂物")
    problem.refresh_from_db()
    assert problem.status == "submitted" and problem.photos.filter(stage="after").count() == 1

    inspector, page = phone(browser, live_server, "inspector")
    page.goto(detail)
    page.locator("#review").tap()
    page.wait_for_url(f"{detail}review/")
    page.locator("label[for=review-fail]").tap()
    page.locator(".js-submit").tap()  # no reason, no photo: both named at once
    errors = page.inner_text(".js-form-error-list")
    assert "照片" in errors and page.locator(".js-error[data-for=note]").inner_text()
    page.fill("#id_note", "仍有纸箱未清理")
    page.set_input_files("#id_photos", str(plain_jpeg(tmp_path / "still.jpg", (90, 60, 30))))
    page.wait_for_selector(".photo-preview[data-state=sent]")
    shot(page, "field-recheck-390.png")
    page.locator(".js-submit").tap()
    page.wait_for_url(detail)
    problem.refresh_from_db()
    assert (problem.status, problem.rework_count) == ("open", 1)
    assert problem.photos.filter(stage="review").count() == 1
    failed = page.locator(".timeline-outcome[data-outcome=failed]")
    assert failed.inner_text() == "不通过"
    assert "仍有纸箱未清理" in page.inner_text(".timeline")
    assert page.locator(".timeline .photo-rejected").count() == 1
    assert page.locator(".before-after .photo-rejected .photo-label").count() == 1
    shot(page, "field-timeline-390.png")

    rectify(worker_page, (230, 230, 230), "纸箱已全部清运")
    page.goto(detail)
    page.locator("#review").tap()
    page.wait_for_url(f"{detail}review/")
    page.locator("label[for=review-pass]").tap()
    page.locator(".js-submit").tap()
    page.wait_for_url(detail)
    problem.refresh_from_db()
    assert problem.status == "closed"
    assert page.locator(".timeline-outcome[data-outcome=passed]").count() == 1
    worker.close()
    inspector.close()

    desk, desk_page = phone(browser, live_server, "inspector", options=DESK)
    desk_page.goto(detail)
    shot(desk_page, "field-timeline-1366.png")
    desk_page.goto(f"{live_server.url}/problems/report/")
    shot(desk_page, "field-report-1366.png")
    desk.close()


def test_a_rectification_made_without_signal_is_sent_once_when_the_connection_returns(
    browser, live_server, people, field, tmp_path
):
    problem = services.problem_report(
        user=people.inspector,
        category=Problem._meta.get_field("category").related_model.objects.get(code="06036"),
        unit=field.compound_a1,
        description="地下室堆放杂物",
        address="5幢地下室",
        point_type="compound",
        photos=[gps_jpeg(tmp_path / "before.jpg", *TAKEN_AT).read_bytes()],
    )
    context, page = phone(browser, live_server, "community_worker")
    page.goto(f"{live_server.url}/problems/{problem.pk}/rectify/")
    page.evaluate("navigator.serviceWorker.ready")
    context.set_offline(True)
    page.set_input_files("#id_photos", str(plain_jpeg(tmp_path / "after.jpg", (220, 220, 215))))
    page.wait_for_selector(".photo-preview[data-state=kept]")
    page.fill("#id_note", "杂物已清运（地下室无信号）")
    page.locator(".js-submit").tap()
    page.wait_for_selector(".js-outbox:not([hidden])")
    assert page.inner_text(".js-outbox-count") == "1"
    problem.refresh_from_db()
    assert problem.status == "open"

    context.set_offline(False)
    page.wait_for_selector(".js-outbox", state="hidden", timeout=30_000)
    problem.refresh_from_db()
    assert problem.status == "submitted"
    assert problem.rectifications.count() == 1 and problem.photos.filter(stage="after").count() == 1
    context.close()
