"""Activity plans (方案) through the API, scoped like the pages: the community submits the plan of
a planned activity, the street (the level above) approves it or returns it with a comment, anyone
who sees the activity reads it (and, once held, the plan against what happened); bad input is
refused in Chinese and changes nothing; the outsider gets 404."""

import pytest
from django.utils import timezone

from gongjian.core.models import AuditEvent
from gongjian.participation import activity_plans, services
from gongjian.participation.models import ActivityPlan
from gongjian.participation.tests.factories import activity
from gongjian.participation.tests.test_activity_plans import _yesterday_at_nine, client_for, data

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(small_city, people):
    return activity(
        people.community_worker,
        small_city.community_a1,
        status="planned",
        when=_yesterday_at_nine(),
        now=timezone.now(),
        title="邻里节",
        place="社区广场",
    )


def body(**kw):
    values = dict(data().__dict__)
    values.update(kw)
    return values


def test_the_community_submits_the_street_approves_and_everyone_in_scope_reads_it(people, planned):
    worker, street = client_for(people.community_worker), client_for(people.street_officer)
    url = f"/api/v1/activities/{planned.pk}/plan/"
    assert worker.get(url).status_code == 404  # no plan yet
    submitted = worker.post(url, body(), content_type="application/json")
    assert submitted.status_code == 201, submitted.content
    plan = submitted.json()
    assert plan["status"] == "submitted" and plan["budget"] == "500.00" and plan["submitted_by"] == "community_worker"
    assert plan["can_submit"] is True and plan["can_decide"] is False
    assert street.get(url).json()["can_decide"] is True
    awaiting = street.get("/api/v1/activity-plans/?awaiting=true").json()
    assert [p["activity_title"] for p in awaiting["results"]] == ["邻里节"]
    assert worker.get("/api/v1/activity-plans/?awaiting=true").json()["count"] == 0
    decided = street.post(f"{url}decision/", {"decision": "approve"}, content_type="application/json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert decided.json()["decided_by"] == "street_officer"
    assert street.get("/api/v1/activity-plans/?awaiting=true").json()["count"] == 0
    assert street.get("/api/v1/activity-plans/?status=approved").json()["count"] == 1
    actions = sorted(AuditEvent.objects.filter(action__startswith="activity_plan.").values_list("action", flat=True))
    assert actions == ["activity_plan.approve", "activity_plan.submit"]


def test_a_decided_plan_is_not_decided_twice(people, planned):
    street = client_for(people.street_officer)
    activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    url = f"/api/v1/activities/{planned.pk}/plan/decision/"
    assert street.post(url, {"decision": "approve"}, content_type="application/json").status_code == 200
    again = street.post(url, {"decision": "return", "comment": "重来"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["detail"] == "该方案不在待审批状态。"
    assert ActivityPlan.objects.get().status == "approved"
    assert AuditEvent.objects.filter(action__in=["activity_plan.approve", "activity_plan.return"]).count() == 1


def test_returning_needs_a_reason_and_a_rewritten_plan_waits_for_a_new_decision(people, planned):
    worker, street = client_for(people.community_worker), client_for(people.street_officer)
    activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    url = f"/api/v1/activities/{planned.pk}/plan/"
    no_reason = street.post(f"{url}decision/", {"decision": "return"}, content_type="application/json")
    assert no_reason.status_code == 400 and no_reason.json()["comment"] == ["请说明退回的理由，以便社区修改。"]
    assert ActivityPlan.objects.get().status == "submitted"
    returned = street.post(
        f"{url}decision/", {"decision": "return", "comment": "预算偏高"}, content_type="application/json"
    )
    assert returned.json()["status"] == "returned" and returned.json()["comment"] == "预算偏高"
    rewritten = worker.post(url, body(budget="300"), content_type="application/json")
    assert rewritten.status_code == 200 and rewritten.json()["status"] == "submitted"
    assert rewritten.json()["budget"] == "300.00" and rewritten.json()["comment"] == ""


@pytest.mark.parametrize(
    ("change", "field"),
    [({"aim": " "}, "aim"), ({"budget": "-1"}, "budget"), ({"expected_attendance": 0}, "expected_attendance")],
)
def test_bad_plans_are_refused_in_chinese_and_nothing_is_saved(people, planned, change, field):
    response = client_for(people.community_worker).post(
        f"/api/v1/activities/{planned.pk}/plan/", body(**change), content_type="application/json"
    )
    assert response.status_code == 400 and field in response.json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()[field][0])
    assert not ActivityPlan.objects.exists() and not AuditEvent.objects.filter(action="activity_plan.submit").exists()


def test_the_wrong_people_are_refused_and_the_outsider_sees_nothing(people, planned, small_city):
    url = f"/api/v1/activities/{planned.pk}/plan/"
    street = client_for(people.street_officer)
    refused = street.post(url, body(), content_type="application/json")  # the street approves, it does not write
    assert refused.status_code == 403 and refused.json()["detail"] == "您不能对该社区进行此操作。"
    activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    self_approval = client_for(people.community_worker).post(
        f"{url}decision/", {"decision": "approve"}, content_type="application/json"
    )
    assert self_approval.status_code == 403 and self_approval.json()["detail"] == "活动方案由社区的上级（街道）审批。"
    for someone in (people.outsider, people.street_inspector):
        other = client_for(someone)
        assert other.get(url).status_code == 404
        assert other.post(url, body(), content_type="application/json").status_code == 404
        assert (
            other.post(f"{url}decision/", {"decision": "approve"}, content_type="application/json").status_code == 404
        )
        assert other.get("/api/v1/activity-plans/").json()["count"] == 0
    assert ActivityPlan.objects.get().status == "submitted"


def test_a_held_activity_shows_its_plan_against_what_happened_and_its_plan_is_closed(people, planned):
    plan = activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    activity_plans.plan_decide(user=people.street_officer, plan=plan, approve=True)
    services.activity_hold(user=people.community_worker, activity=planned, held_on=timezone.localdate(), attendance=28)
    worker = client_for(people.community_worker)
    shown = worker.get(f"/api/v1/activities/{planned.pk}/plan/").json()
    assert [(r["planned"], r["happened"], r["differs"]) for r in shown["comparison"]][1:] == [
        ("40", "28", True),
        ("社区广场", "社区广场", False),
    ]
    assert shown["can_submit"] is False
    late = worker.post(f"/api/v1/activities/{planned.pk}/plan/", body(), content_type="application/json")
    assert late.status_code == 409 and late.json()["detail"] == "只有计划中的活动可以编写方案。"
