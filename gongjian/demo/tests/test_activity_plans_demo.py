"""The demo's upcoming activities with their 方案: awaiting street1's approval, approved (filed in
the archive), returned with the reason; community2's awaits its own street. The plan pages answer
the community and its street, and 404 another community's worker and the outsider; idempotent."""

import pytest
from django.test import Client
from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.core.models import AuditEvent
from gongjian.demo.activity_plans import build_demo_activity_plans
from gongjian.demo.city import build_demo_city
from gongjian.notices.reminders import activity_reminders
from gongjian.participation.choices import PlanStatus
from gongjian.participation.models import ActivityPlan
from gongjian.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_plans():
    build_demo_city()
    assert build_demo_activity_plans() == 5
    return {plan.activity.title: plan for plan in ActivityPlan.objects.select_related("activity__community")}


def signed_in(username_or_user) -> Client:
    user = username_or_user if isinstance(username_or_user, User) else User.objects.get(username=username_or_user)
    client = Client()
    client.force_login(user)
    return client


def test_the_plans_are_awaiting_approved_and_returned_with_a_reason(demo_plans):
    statuses = sorted(p.status for p in demo_plans.values())
    assert statuses == ["approved", "returned", "submitted", "submitted", "submitted"]
    returned = demo_plans["背街小巷大清扫"]
    assert returned.status == PlanStatus.RETURNED and "安全措施" in returned.comment
    assert returned.decided_by.username == "street1"
    assert all(p.activity.plan_required and p.activity.status == "planned" for p in demo_plans.values())
    assert AuditEvent.objects.filter(action="activity_plan.submit").count() == 5
    assert AuditEvent.objects.filter(action__in=["activity_plan.approve", "activity_plan.return"]).count() == 2


def test_street1s_queue_lists_its_communitys_awaiting_plans_and_not_another_streets(demo_plans):
    page = signed_in("street1").get("/participation/activity-plans/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "第五届邻居节“百家宴”" in text and "市民学校：垃圾分类知识讲座" in text
    assert "文明劝导进路口" not in text  # community2's, in another street
    assert "背街小巷大清扫" not in text and "志愿服务进小区" not in text  # decided already


def test_the_plan_pages_answer_the_community_and_its_street_and_404_the_others(demo_plans):
    outsider = UserFactory(username="charlie")
    for title in ("第五届邻居节“百家宴”", "志愿服务进小区：为老人义诊理发", "背街小巷大清扫"):
        url = f"/participation/activities/{demo_plans[title].activity_id}/plan/"
        for user in ("community1", "street1", "city"):
            assert signed_in(user).get(url).status_code == 200, (title, user)
        for user in ("community2", outsider):
            assert signed_in(user).get(url).status_code == 404, (title, user)
    returned = signed_in("community1").get(
        f"/participation/activities/{demo_plans['背街小巷大清扫'].activity_id}/plan/"
    )
    assert "安全措施过于笼统" in returned.content.decode()
    other = f"/participation/activities/{demo_plans['文明劝导进路口'].activity_id}/plan/"
    assert signed_in("community2").get(other).status_code == 200
    assert signed_in("street1").get(other).status_code == 404


def test_running_it_again_creates_nothing(demo_plans):
    assert build_demo_activity_plans() == 0 and ActivityPlan.objects.count() == 5


def test_the_returned_plan_three_days_ahead_gets_community1_a_reminder(demo_plans):
    sent = []
    activity_reminders(today=timezone.localdate(), notify=lambda **row: sent.append(row) or True)
    returned = demo_plans["背街小巷大清扫"].activity_id
    community1 = User.objects.get(username="community1").pk
    assert {"user_id": community1, "key": f"activity-plan-returned:{returned}"} in [
        {"user_id": r["user_id"], "key": r["key"]} for r in sent
    ]
