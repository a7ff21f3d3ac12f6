"""Activity plans (方案): a planned activity cannot be held before the street approved its plan;
submitting, approving and returning (with a comment) are audited and refused to the wrong people;
a held activity shows its plan against what happened; the outsider sees nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from gongjian.core.errors import NotPermitted
from gongjian.core.models import AuditEvent
from gongjian.participation import activity_plans, services
from gongjian.participation.models import ActivityPlan
from gongjian.participation.tests.factories import activity

pytestmark = pytest.mark.django_db


def _yesterday_at_nine():
    day = timezone.localdate() - datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


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


def data(**kw):
    values = {
        "aim": "增进邻里交流",
        "schedule": "上午9点至11点",
        "place": "社区广场",
        "people": "居民、志愿者、共建单位",
        "expected_attendance": 40,
        "budget": "500",
        "safety": "专人维持秩序",
        "publicity": "社区公众号提前三天发布",
    }
    values.update(kw)
    return activity_plans.PlanIn(**values)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hold(people, activity_, **kw):
    return services.activity_hold(
        user=people.community_worker, activity=activity_, held_on=timezone.localdate(), attendance=kw.get("n", 35)
    )


def test_a_planned_activity_cannot_be_held_until_the_street_approves_its_plan(people, planned):
    assert planned.plan_required
    with pytest.raises(ValidationError) as refused:
        hold(people, planned)
    assert "plan" in refused.value.message_dict
    plan = activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    with pytest.raises(ValidationError):
        hold(people, planned)
    activity_plans.plan_decide(user=people.street_officer, plan=plan, approve=True)
    held = hold(people, planned)
    assert held.status == "held"
    actions = list(AuditEvent.objects.filter(action__startswith="activity_plan.").values_list("action", flat=True))
    assert sorted(actions) == ["activity_plan.approve", "activity_plan.submit"]


def test_a_returned_plan_needs_a_comment_and_goes_back_for_a_new_decision(people, planned):
    plan = activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    with pytest.raises(ValidationError):
        activity_plans.plan_decide(user=people.street_officer, plan=plan, approve=False, comment=" ")
    plan = activity_plans.plan_decide(user=people.street_officer, plan=plan, approve=False, comment="预算偏高")
    assert plan.status == "returned" and plan.comment == "预算偏高"
    event = AuditEvent.objects.get(action="activity_plan.return")
    assert event.note == "预算偏高"
    with pytest.raises(ValidationError) as refused:
        hold(people, planned)
    assert "returned" in str(refused.value) or "退回" in str(refused.value)
    again = activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data(budget="300"))
    assert again.pk == plan.pk and again.status == "submitted" and again.comment == ""


def test_only_the_level_above_decides_and_only_the_community_submits(people, planned):
    for user in (people.outsider, people.street_officer):
        with pytest.raises(NotPermitted):
            activity_plans.plan_submit(user=user, activity=planned, data=data())
    plan = activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    for user in (people.community_worker, people.outsider):
        with pytest.raises(NotPermitted):
            activity_plans.plan_decide(user=user, plan=plan, approve=True)
    assert ActivityPlan.objects.get().status == "submitted"


def test_bad_input_is_refused_and_nothing_is_saved(people, planned):
    for bad in ({"aim": " "}, {"budget": "-1"}, {"budget": "abc"}, {"expected_attendance": 0}):
        with pytest.raises(ValidationError):
            activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data(**bad))
    assert not ActivityPlan.objects.exists()


def test_activities_recorded_as_held_or_planned_with_the_setting_off_need_no_plan(people, small_city, settings):
    settings.ACTIVITY_PLAN_REQUIRED = False
    free = activity(
        people.community_worker,
        small_city.community_a1,
        status="planned",
        when=_yesterday_at_nine(),
        now=timezone.now(),
    )
    assert not free.plan_required and hold(people, free).status == "held"
    recorded = activity(people.community_worker, small_city.community_a1)
    assert recorded.status == "held" and not recorded.plan_required


def test_the_pages_submit_approve_and_show_the_plan_against_what_happened(people, planned):
    worker, street = client_for(people.community_worker), client_for(people.street_officer)
    url = f"/participation/activities/{planned.pk}/plan/"
    response = worker.get(f"/participation/activities/{planned.pk}/held/")
    assert response.status_code == 302 and response["Location"] == url
    form = {**data().__dict__}
    assert worker.post(url, {**form, "aim": ""}).status_code == 400
    assert worker.post(url, form).status_code == 302
    assert "邻里节" in street.get("/participation/activity-plans/").content.decode()
    assert client_for(people.outsider).get(url).status_code == 404
    assert client_for(people.outsider).post(f"{url}decide/", {"decision": "approve"}).status_code == 404
    assert worker.post(f"{url}decide/", {"decision": "approve"}).status_code == 403
    assert street.post(f"{url}decide/", {"decision": "approve"}).status_code == 302
    assert ActivityPlan.objects.get().status == "approved"
    hold(people, planned, n=28)
    page = worker.get(url).content.decode()
    assert 'id="plan-vs-held"' in page and "40" in page and "28" in page
    rows = activity_plans.plan_vs_held(planned.__class__.objects.get(pk=planned.pk), ActivityPlan.objects.get())
    assert [(r.planned, r.happened, r.differs) for r in rows][1:] == [
        ("40", "28", True),
        ("社区广场", "社区广场", False),
    ]


def test_an_approved_plan_files_itself_in_the_communitys_archive(people, small_city, planned):
    from gongjian.archives.models import Evidence
    from gongjian.archives.tests.factories import archive_ruleset, published_template

    published_template(people.city_admin, archive_ruleset(people.city_admin, small_city.city))
    plan = activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    assert not Evidence.objects.filter(source="act_plan").exists()
    activity_plans.plan_decide(user=people.street_officer, plan=plan, approve=True)
    record = Evidence.objects.get(source="act_plan", source_id=plan.pk, is_current=True)
    assert record.unit == small_city.community_a1 and "增进邻里交流" in record.text


def test_the_api_refuses_to_hold_an_activity_without_an_approved_plan_and_says_why(people, planned):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(people.community_worker)
    refused = api.post(
        f"/api/v1/activities/{planned.pk}/hold/",
        {"held_on": timezone.localdate().isoformat(), "attendance": "12", "version": "1"},
        format="multipart",
    )
    assert refused.status_code == 400 and "plan" in refused.json(), refused.json()
    assert planned.__class__.objects.get(pk=planned.pk).status == "planned"
