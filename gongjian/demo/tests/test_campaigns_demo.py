"""The demo's running 大清扫 campaign tags the problems already found in it; idempotent."""

import datetime

import pytest
from django.utils import timezone

from gongjian.campaigns.models import Campaign
from gongjian.demo.campaigns import build_demo_campaigns
from gongjian.demo.city import build_demo_city
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory
from gongjian.organizations.models import Unit

pytestmark = pytest.mark.django_db


def test_a_running_cleanup_campaign_tags_the_problems_found_in_it():
    build_demo_city()
    compound = Unit.objects.filter(level="compound", code__startswith="3399").order_by("code").first()
    now = timezone.now()
    inside = ProblemFactory(unit=compound, category=Category.objects.get(code="06036"), found_at=now)
    ProblemFactory(
        unit=compound, category=Category.objects.get(code="06036"), found_at=now - datetime.timedelta(weeks=8)
    )
    assert build_demo_campaigns() == 1
    campaign = Campaign.objects.get(name="大清扫")
    assert campaign.state() == "running" and list(campaign.problems.all()) == [inside]
    assert build_demo_campaigns() == 0 and Campaign.objects.count() == 1
