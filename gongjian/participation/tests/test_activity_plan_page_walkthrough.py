"""What the browser walk-through of issue 16 found on a held activity's plan page: the columns read
计划中 / 处理经过 (a status and a problem's history) and the head count 参与率 (a rate)."""

import pytest

from gongjian.participation import activity_plans
from gongjian.participation.models import ActivityPlan
from gongjian.participation.tests.test_activity_plans import client_for, data, hold, planned  # noqa: F401

pytestmark = pytest.mark.django_db


def test_plan_against_what_happened_reads_plan_actual_and_head_count(people, planned):  # noqa: F811
    plan = activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    activity_plans.plan_decide(user=people.street_officer, plan=plan, approve=True)
    hold(people, planned, n=28)
    page = client_for(people.community_worker).get(f"/participation/activities/{planned.pk}/plan/").content.decode()
    table = page[page.index('id="plan-vs-held"') :]
    assert "<th>方案</th><th>实际</th>" in table and "参加人数" in table
    assert "计划中" not in table and "处理经过" not in table and "参与率" not in table
    assert ActivityPlan.objects.get().status == "approved"
