"""The demo's plans and notices: a year plan per community, some without measures; an inspection
notice whose recipients' plans are scheduled back; receipts partly missing, one overdue; idempotent."""

import pytest

from gongjian.demo.city import build_demo_city
from gongjian.demo.plans import build_demo_plans
from gongjian.notices.models import Notice, Receipt
from gongjian.organizations.models import Unit
from gongjian.plans.models import Plan

pytestmark = pytest.mark.django_db


def test_every_community_has_a_year_plan_some_without_measures_and_receipts_are_partly_missing():
    build_demo_city()
    created = build_demo_plans()
    communities = Unit.objects.filter(level="community").exclude(parent__level="city")
    plans = Plan.objects.filter(is_template=False)
    assert created == plans.count() >= communities.filter(code__startswith="3399").count() > 0
    assert any(p.missing_parts for p in plans) and any(not p.missing_parts for p in plans)
    community1 = Plan.objects.get(unit__memberships__user__username="community1")
    assert community1.target_date and community1.tasks.filter(latest_finish__isnull=False).count() == 5
    receipts = Receipt.objects.all()
    assert receipts.filter(replied_at__isnull=False).exists() and receipts.filter(acknowledged_at__isnull=True).exists()
    assert any(r.is_overdue for r in receipts.select_related("notice"))
    assert build_demo_plans() == 0 and Notice.objects.count() == 3
