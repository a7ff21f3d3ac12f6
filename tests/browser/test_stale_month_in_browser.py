"""A month whose records changed after it was computed, in a real browser on a phone-sized screen: the city
office is told "data changed since computed" with the problem that changed, cannot publish, recomputes from the
warning, and then publishes; the sheet has the new problem's deduction."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.assessments import services as assessment_services
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment, Deduction
from gongjian.assessments.rulespec import parse_ruleset
from gongjian.demo.assessments import demo_rules
from gongjian.demo.city import build_demo_city
from gongjian.inspections import services as inspection_services
from gongjian.inspections.choices import PointType
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import jpeg_bytes
from gongjian.organizations.models import Unit
from tests.browser.jobs import follow_job_back
from tests.browser.test_assessment_in_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_the_city_office_sees_the_data_changed_recomputes_and_publishes(live_server, page):
    build_demo_city()
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    label = f"{month:%Y-%m}"
    city = Unit.objects.get(level="city", code="339900")
    admin, inspector = User.objects.get(username="city"), User.objects.get(username="inspector1")
    compound = User.objects.get(username="community1").memberships.get().unit.children.order_by("code").first()
    known = set(Category.objects.values_list("code", flat=True))
    assessment_services.ruleset_create(
        user=admin, city=city, spec=parse_ruleset(demo_rules(month), known_categories=known)
    )
    assessment = assessment_services.assessment_create(user=admin, city=city, month=month)
    assessment_services.assessment_compute(user=admin, assessment=assessment)
    # After the computation, a problem found in that month is entered.
    problem = inspection_services.problem_report(
        user=inspector,
        category=Category.objects.get(code="06036"),
        unit=compound,
        description="楼道口堆放废旧家具",
        address=f"{compound.name}3幢楼道口",
        point_type=PointType.COMPOUND,
        photos=[jpeg_bytes(size=(320, 240))],
        found_at=timezone.make_aware(datetime.datetime.combine(month.replace(day=20), datetime.time(10))),
    )

    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_default_timeout(60_000)  # computing the whole demo city takes a few seconds
    _sign_in(page, base, "city")
    page.goto(f"{base}/assessments/{label}/")
    warning = page.locator("#stale")
    assert warning.is_visible()
    assert warning.get_attribute("data-count") == "1"
    assert page.locator(f'#stale a[href="/problems/{problem.pk}/"]').inner_text() == problem.number
    page.screenshot(path=str(SCREENSHOTS / "assessment-stale.png"), full_page=True)

    # The publish page refuses, saying why.
    page.click("#publish-link")
    page.wait_for_url(f"{base}/assessments/{label}/publish/")
    assert page.locator("#publish-refused").is_visible()
    assert page.locator("#publish-button").is_disabled()

    # Recompute from the warning: it goes, and publishing works.
    page.click("#recompute-stale")
    follow_job_back(page)
    assert page.locator("#stale").count() == 0
    assert not page.locator("#publish-button").is_disabled()
    page.check("#id_confirm")
    page.click("#publish-button")
    page.wait_for_url(f"{base}/assessments/{label}/")
    page.wait_for_selector(".alert-success")
    page.screenshot(path=str(SCREENSHOTS / "assessment-stale-published.png"), full_page=True)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.PUBLISHED
    assert Deduction.objects.filter(
        item_score__sheet__assessment=Assessment.objects.get(month=month), problem=problem, source="problem"
    ).exists()
