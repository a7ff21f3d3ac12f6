"""The monthly assessment in a real browser, on a phone-sized screen: the city office creates the month, computes
it, publishes it after ticking the confirmation, opens community1's score sheet and follows a deduction to the
problem that caused it, whose photo loads."""

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from gongjian.accounts.models import User
from gongjian.assessments import services as assessment_services
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment, Deduction, ScoreSheet
from gongjian.assessments.rulespec import parse_ruleset
from gongjian.demo.assessments import demo_rules
from gongjian.demo.city import DEMO_PASSWORD, build_demo_city
from gongjian.inspections import services as inspection_services
from gongjian.inspections.choices import PointType
from gongjian.inspections.models import Category
from gongjian.organizations.models import Unit
from tests.browser.jobs import follow_job_back

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ALL_LOADED = "els => els.length > 0 && els.every(i => i.complete && i.naturalWidth > 0)"


def _jpeg(colour, seed: int) -> bytes:
    """A photo-like JPEG: a wall, a doorway and some boxes, so thumbnails are recognisable."""
    image = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((520, 120, 700, 600), fill=(90, 70, 60))
    for k in range(3 + seed):
        x = 80 + 110 * k
        draw.rectangle((x, 380 - 30 * (k % 2), x + 100, 560), fill=(160 - 20 * k, 120, 70), outline=(60, 40, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _open_menu(page) -> None:
    if page.locator(".navbar-toggler").is_visible():  # a phone: open the menu first
        page.click(".navbar-toggler")
        page.wait_for_selector("#main-nav.collapse.show")  # the slide-down animation has finished


def _record(errors: list, url: str, message) -> None:
    """Console errors of the assessment pages. Left out: htmx's own indicator <style>, which it injects on every
    page of the site (base.html's affair), and the 400 of the publication refused on purpose."""
    if message.type != "error":
        return
    if message.location.get("url", "").endswith("/vendor/htmx/htmx.min.js"):
        return
    if "status of 400" in message.text and url.endswith("/publish/"):
        return
    errors.append((url, message.text))


def _setup() -> dict:
    build_demo_city()
    # Last month: a month is published only once it has ended (the assessment calendar).
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    found_at = timezone.make_aware(datetime.datetime.combine(month.replace(day=12), datetime.time(10)))
    city = Unit.objects.get(level="city", code="339900")
    admin = User.objects.get(username="city")
    inspector = User.objects.get(username="inspector1")
    community1 = User.objects.get(username="community1").memberships.get().unit
    compounds = list(community1.children.order_by("code")[:2])
    found = [
        ("06036", compounds[0], "3幢楼道口", "楼道口堆放废旧家具", (170, 160, 150)),
        ("06036", compounds[0], "5幢车棚旁", "车棚旁堆放纸箱", (180, 175, 160)),
        ("07001", compounds[1], "东门宣传栏", "宣传栏张贴小广告", (200, 190, 170)),
    ]
    problems = [
        inspection_services.problem_report(
            user=inspector,
            category=Category.objects.get(code=code),
            unit=unit,
            description=description,
            address=f"{unit.name}{address}",
            point_type=PointType.COMPOUND,
            photos=[_jpeg(colour, index)],
            found_at=found_at + datetime.timedelta(minutes=index),
        )
        for index, (code, unit, address, description, colour) in enumerate(found)
    ]
    spec = parse_ruleset(demo_rules(month), known_categories=set(Category.objects.values_list("code", flat=True)))
    ruleset = assessment_services.ruleset_create(user=admin, city=city, spec=spec)
    return {"month": month, "community1": community1, "problems": problems, "ruleset": ruleset}


def test_the_city_office_publishes_a_month_and_traces_a_deduction_to_its_photo(live_server, page):
    data = _setup()
    base, label, community1 = live_server.url, f"{data['month']:%Y-%m}", data["community1"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_default_timeout(60_000)  # computing the whole demo city takes a few seconds
    console_errors = []
    page.on("console", lambda message: _record(console_errors, page.url, message))

    _sign_in(page, base, "city")
    _open_menu(page)
    page.click('#main-nav a[href="/assessments/"]')
    page.wait_for_url(f"{base}/assessments/")

    # Create the month.
    page.fill("#id_month", label)
    page.click("#month-create button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert page.locator(f'[data-month="{label}"] .assessment-status').get_attribute("data-status") == "draft"

    # Compute it.
    page.click(f'[data-month="{label}"] .js-compute')
    follow_job_back(page)
    assessment = Assessment.objects.get(month=data["month"])
    assert assessment.status == AssessmentStatus.COMPUTED
    unscored = int(page.locator(f'[data-month="{label}"] .unscored').get_attribute("data-count"))
    assert unscored > 0  # the demo rules have manual items nobody has scored
    page.screenshot(path=str(SCREENSHOTS / "assessment-months.png"), full_page=True)

    # Publish: without the box ticked nothing happens; ticked, the month is final.
    page.click(f'[data-month="{label}"] .js-publish')
    page.wait_for_url(f"{base}/assessments/{label}/publish/")
    assert int(page.locator("#unscored").get_attribute("data-count")) == unscored
    page.click("#publish-form button[type=submit]")
    page.wait_for_selector("#publish-form .invalid-feedback")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.COMPUTED
    page.screenshot(path=str(SCREENSHOTS / "assessment-publish.png"), full_page=True)
    page.check("#id_confirm")
    page.click("#publish-form button[type=submit]")
    page.wait_for_url(f"{base}/assessments/{label}/")
    page.wait_for_selector(".alert-success")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.PUBLISHED
    assert page.locator("#red-flags").is_visible() and page.locator("#sanctions").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "assessment-month.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "assessment-month-desktop.png"))
    page.set_viewport_size({"width": 375, "height": 740})

    # community1's sheet, from the ranking.
    page.click(f'#rankings a[href="/assessments/{label}/units/{community1.pk}/"]')
    page.wait_for_url(f"{base}/assessments/{label}/units/{community1.pk}/")
    sheet = ScoreSheet.objects.get(assessment=assessment, unit=community1)
    lines = Deduction.objects.filter(item_score__sheet=sheet, problem__isnull=False)
    assert {line.problem_id for line in lines} == {p.pk for p in data["problems"]}
    assert page.locator('.deduction[data-source="problem"]').count() == lines.filter(source="problem").count()
    assert page.locator("#final-score").inner_text().startswith(f"{sheet.score}")
    thumbnails = page.locator(".deduction img")
    thumbnails.last.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.deduction img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    page.wait_for_selector("#sheet-trend canvas")
    page.locator("#sheet-trend").scroll_into_view_if_needed()
    page.hover("#sheet-trend canvas")  # the tooltip too must live with the CSP
    page.wait_for_timeout(300)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "assessment-sheet.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_timeout(300)  # the chart follows the resize
    page.screenshot(path=str(SCREENSHOTS / "assessment-sheet-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 740})

    assert console_errors == []  # no script or style of these pages refused by the CSP, no JavaScript error

    # Follow the first deduction to its problem: the page and its before-photo load.
    first = page.locator(".deduction .problem-link").first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_url(f"{base}{href}")
    number = next(p.number for p in data["problems"] if href == f"/problems/{p.pk}/")
    assert number in page.inner_text("main")
    photos = page.locator(".before-after img")
    photos.first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.before-after img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert photos.first.evaluate("img => img.naturalWidth") > 0

    # The rule set's item tree reads well on the phone too.
    page.goto(f"{base}/assessments/rules/{data['ruleset'].pk}/")
    assert page.locator(".rule-item").count() == data["ruleset"].items.exclude(parent=None).count()
    page.screenshot(path=str(SCREENSHOTS / "assessment-rules.png"), full_page=True)
