"""A task's progress through the API: its owner (or whoever keeps the unit's plans) records it, the
plan is rescheduled and the answer carries the new dates; bad input is refused in Chinese and
changes nothing; the same progress again records nothing; others get 403 or (out of scope) 404."""

import datetime

import pytest
from freezegun import freeze_time

from gongjian.core.models import AuditEvent
from gongjian.plans import services
from gongjian.plans.models import PlanTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_plan(people, small_city):
    """Inspection on Monday 2025-10-13; the two-day task should have begun on Saturday 10-11 (a
    make-up working day): on the 13th it no longer fits unless it is under way."""
    with freeze_time("2025-10-09 09:00:00+08:00"):
        plan = services.plan_create(
            actor=people.community_worker,
            unit=small_city.community_a1,
            year=2025,
            title="迎检计划",
            goals="g",
            requirements="r",
            measures="m",
            target_date=datetime.date(2025, 10, 13),
        )
        task = services.task_add(
            actor=people.community_worker, plan=plan, name="迎检准备", duration=2, owner=people.inspector
        )
    return plan, task


def url(plan, task):
    return f"/api/v1/plans/{plan.pk}/tasks/{task.pk}/progress/"


@freeze_time("2025-10-13 09:00:00+08:00")
def test_the_owner_records_progress_and_gets_the_plan_rescheduled(client, people, late_plan):
    """GIVEN a task that no longer fits because it has not begun
    WHEN its owner (an inspector, who does not keep the community's plans) records 40%
    THEN the task is under way, the plan has no misfit left, and the answer says so with the dates."""
    plan, task = late_plan
    client.force_login(people.inspector)
    before = client.get(f"/api/v1/plans/{plan.pk}/").json()
    assert [m["task"] for m in before["misfits"]] == [task.pk]
    response = client.post(url(plan, task), {"progress": 40}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["task"]["progress"] == 40 and body["task"]["latest_finish"] == "2025-10-13"
    assert body["task"]["latest_start"] == before["tasks"][0]["latest_start"]
    assert body["plan"]["misfits"] == [] and body["plan"]["critical_path"] == [task.pk]
    assert PlanTask.objects.get(pk=task.pk).progress == 40
    again = client.post(url(plan, task), {"progress": 40}, content_type="application/json")
    assert again.status_code == 200 and again.json()["task"] == body["task"]
    assert AuditEvent.objects.filter(action="plan.task.progress").count() == 1


@freeze_time("2025-10-13 09:00:00+08:00")
def test_the_communitys_keeper_records_progress_too(client, people, late_plan):
    plan, task = late_plan
    client.force_login(people.community_worker)
    response = client.post(url(plan, task), {"progress": 100}, content_type="application/json")
    assert response.status_code == 200 and response.json()["task"]["overdue"] is False


@pytest.mark.parametrize(
    ("value", "message"), [(160, "进度为0到100之间的整数。"), (-1, "进度为0到100之间的整数。"), ("一半", None)]
)
def test_bad_progress_is_refused_in_chinese_and_changes_nothing(client, people, late_plan, value, message):
    plan, task = late_plan
    client.force_login(people.inspector)
    response = client.post(url(plan, task), {"progress": value}, content_type="application/json")
    assert response.status_code == 400
    text = response.json()["progress"]
    assert (text == [message]) if message else any("\u4e00" <= ch <= "\u9fff" for ch in text[0])
    assert PlanTask.objects.get(pk=task.pk).progress == 0
    assert not AuditEvent.objects.filter(action="plan.task.progress").exists()


def test_a_reader_who_does_not_own_the_task_gets_403_and_others_404(client, people, late_plan, small_city):
    plan, task = late_plan
    assert client.post(url(plan, task), {"progress": 10}, content_type="application/json").status_code == 401
    client.force_login(people.city_leader)  # reads every plan of the city, keeps none, owns nothing
    refused = client.post(url(plan, task), {"progress": 10}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["detail"] == "您不能修改该单位的计划。"
    for someone in (people.outsider, people.street_inspector):  # street_b: not community_a1's street
        client.force_login(someone)
        assert client.post(url(plan, task), {"progress": 10}, content_type="application/json").status_code == 404
    other = services.plan_create(
        actor=people.community_worker, unit=small_city.community_a1, year=2026, title="另一计划"
    )
    client.force_login(people.community_worker)
    assert client.post(url(other, task), {"progress": 10}, content_type="application/json").status_code == 404
    assert PlanTask.objects.get(pk=task.pk).progress == 0


def test_the_plan_page_gives_the_owner_the_progress_form_and_accepts_it(client, people, late_plan):
    plan, task = late_plan
    client.force_login(people.inspector)
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert f"/plans/tasks/{task.pk}/progress/" in page
    assert client.post(f"/plans/tasks/{task.pk}/progress/", {"progress": "30"}).status_code == 302
    assert PlanTask.objects.get(pk=task.pk).progress == 30
    client.force_login(people.city_leader)
    assert f"/plans/tasks/{task.pk}/progress/" not in client.get(f"/plans/{plan.pk}/").content.decode()
