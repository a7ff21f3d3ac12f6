"""The demo's fund ledgers and creation targets: made through the services, every stage shown, idempotent."""

import pytest

from gongjian.creation.models import CreationGoal, CreationTarget
from gongjian.demo.city import build_demo_city
from gongjian.demo.funds import build_demo_creation, build_demo_funds
from gongjian.funds.models import FundEntry, FundReceipt

pytestmark = pytest.mark.django_db


def test_the_demo_has_fund_ledgers_and_creation_targets_at_every_stage():
    build_demo_city()
    created = build_demo_funds()
    assert created == FundEntry.objects.count() > 10
    assert FundEntry.objects.filter(reverses__isnull=False).count() == 1 and FundReceipt.objects.count() == 1
    assert FundEntry.objects.filter(source="contribution", pairing__isnull=False).exists()
    assert FundEntry.objects.values("community").distinct().count() >= 2
    made = build_demo_creation()
    assert made == CreationTarget.objects.count() >= 5
    assert set(CreationTarget.objects.values_list("stage", flat=True)) == {
        "applied",
        "self_assessed",
        "passed",
        "failed",
    }
    assert CreationTarget.objects.filter(cobuild_unit__isnull=False).exists() and CreationGoal.objects.count() == 4
    assert CreationTarget.objects.filter(stage="passed").exclude(certificate="").exists()
    assert build_demo_funds() == 0 and build_demo_creation() == 0
