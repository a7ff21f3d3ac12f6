"""Reminders for rectifications and activities: a rectification due tomorrow or overdue, an activity
soon without an approved plan (方案), an activity past its day still planned — each reaches the
people of its unit (and, where the step is theirs, the level above) once per stage, nobody else;
and goes out to the group robot (a local receiver the test starts) and by email like every
notification, failures retried."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation

from gongjian.accounts.models import Role
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Problem
from gongjian.inspections.tests.factories import ProblemFactory
from gongjian.notices.delivery import deliveries_retry
from gongjian.notices.models import Delivery, Notification
from gongjian.notices.notifications import reminders_send
from gongjian.notices.tests.test_delivery import receiver  # noqa: F401 (the fixture)
from gongjian.participation import activity_plans, services
from gongjian.participation.tests.factories import activity
from gongjian.testing.factories import user_with_role

pytestmark = pytest.mark.django_db


def reminded(*users, prefix: str) -> dict[str, int]:
    """{username: how many notifications with keys starting with ``prefix``} for the given users."""
    return {u.username: Notification.objects.filter(user=u, key__startswith=prefix).count() for u in users}


def everyone(people, small_city):
    """The people fixture, plus a worker of the other community of the same street and an officer
    of the other street: neither may hear of community_a1's things."""
    neighbour = user_with_role(Role.COMMUNITY_WORKER, unit=small_city.community_a2, username="neighbour")
    other_street = user_with_role(Role.STREET_OFFICER, unit=small_city.street_b, username="other_street")
    return [
        people.city_admin,
        people.city_leader,
        people.street_officer,
        people.community_worker,
        people.compound_manager,
        people.inspector,
        people.street_inspector,
        people.liaison,
        people.volunteer,
        people.outsider,
        neighbour,
        other_street,
    ]


# --- rectifications -------------------------------------------------------------------------------


def test_a_rectification_due_tomorrow_reaches_the_units_rectifiers_once(people, small_city):
    now = timezone.now()
    problem = ProblemFactory(unit=small_city.compound_a1, deadline=now + datetime.timedelta(days=1))
    users = everyone(people, small_city)
    assert reminders_send(now=now)["rectifications"] == 2
    assert {name for name, n in reminded(*users, prefix="rectify-").items() if n} == {
        "community_worker",
        "compound_manager",
    }
    item = Notification.objects.get(user=people.compound_manager)
    assert problem.number in item.title and item.url == f"/problems/{problem.pk}/"
    assert reminders_send(now=now)["rectifications"] == 0


def test_an_overdue_rectification_also_reaches_the_streets_officers(people, small_city):
    now = timezone.now()
    ProblemFactory(unit=small_city.compound_a1, deadline=now - datetime.timedelta(days=2))
    users = everyone(people, small_city)
    assert reminders_send(now=now)["rectifications"] == 3
    assert {name for name, n in reminded(*users, prefix="rectify-overdue").items() if n} == {
        "community_worker",
        "compound_manager",
        "street_officer",
    }
    assert reminders_send(now=now + datetime.timedelta(days=1))["rectifications"] == 0


def test_a_new_deadline_is_a_new_stage(people, small_city):
    now = timezone.now()
    problem = ProblemFactory(unit=small_city.community_a1, deadline=now - datetime.timedelta(hours=3))
    reminders_send(now=now)
    Problem.objects.filter(pk=problem.pk).update(deadline=now + datetime.timedelta(hours=20))  # extended
    assert reminders_send(now=now)["rectifications"] == 1  # due soon, to the community's worker
    later = now + datetime.timedelta(days=1)
    assert reminders_send(now=later)["rectifications"] == 2  # overdue again: worker and street
    assert reminded(people.community_worker, prefix="rectify-")["community_worker"] == 3


@pytest.mark.parametrize(
    ("status", "due_in_days"),
    [(ProblemStatus.SUBMITTED, -1), (ProblemStatus.CLOSED, -1), (ProblemStatus.VOID, -1), (ProblemStatus.OPEN, 3)],
)
def test_rectified_closed_void_or_far_off_problems_are_not_reminded(people, small_city, status, due_in_days):
    now = timezone.now()
    ProblemFactory(
        unit=small_city.community_a1,
        status=status,
        deadline=now + datetime.timedelta(days=due_in_days),
        void_reason="重复" if status == ProblemStatus.VOID else "",
    )
    assert reminders_send(now=now)["rectifications"] == 0


# --- activities -----------------------------------------------------------------------------------


def at_nine(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def planned(people, small_city, *, in_days: int, title="邻里节"):
    return activity(
        people.community_worker,
        small_city.community_a1,
        status="planned",
        when=at_nine(timezone.localdate() + datetime.timedelta(days=in_days)),
        now=timezone.now(),
        title=title,
    )


def plan_data():
    return activity_plans.PlanIn(
        aim="增进邻里交流",
        schedule="上午9点至11点",
        place="社区广场",
        people="居民、志愿者",
        expected_attendance=40,
        budget="500",
        safety="专人维持秩序",
        publicity="公众号提前发布",
    )


def test_an_activity_soon_without_a_plan_reminds_the_community_then_the_street_until_approved(people, small_city):
    soon = planned(people, small_city, in_days=2)
    planned(people, small_city, in_days=10, title="十天后")  # too far off yet
    users = everyone(people, small_city)
    assert reminders_send()["activities"] == 1
    assert {name for name, n in reminded(*users, prefix="activity-").items() if n} == {"community_worker"}
    assert "邻里节" in Notification.objects.get(user=people.community_worker).title

    plan = activity_plans.plan_submit(user=people.community_worker, activity=soon, data=plan_data())
    assert reminders_send()["activities"] == 1
    assert reminded(*users, prefix="activity-plan-submitted") == {
        u.username: int(u == people.street_officer) for u in users
    }

    activity_plans.plan_decide(user=people.street_officer, plan=plan, approve=False, comment="预算写明细")
    assert reminders_send()["activities"] == 1
    assert reminded(people.community_worker, prefix="activity-plan-returned")["community_worker"] == 1

    plan = activity_plans.plan_submit(user=people.community_worker, activity=soon, data=plan_data())
    activity_plans.plan_decide(user=people.street_officer, plan=plan, approve=True)
    assert reminders_send()["activities"] == 0


def test_an_activity_past_its_day_still_planned_reminds_the_community_once(people, small_city):
    past = planned(people, small_city, in_days=-1)
    cancelled = planned(people, small_city, in_days=-2, title="取消了")
    services.activity_cancel(user=people.community_worker, activity=cancelled, reason="下雨")
    users = everyone(people, small_city)
    assert reminders_send()["activities"] == 1
    assert {name for name, n in reminded(*users, prefix="activity-unrecorded").items() if n} == {"community_worker"}
    item = Notification.objects.get(user=people.community_worker, key=f"activity-unrecorded:{past.pk}")
    assert item.url == f"/participation/activities/{past.pk}/"
    assert reminders_send()["activities"] == 0


# --- outside the app ------------------------------------------------------------------------------


def test_a_reminder_run_reaches_the_group_robot_as_one_summary_and_a_failure_is_retried(
    settings,
    receiver,  # noqa: F811
    people,
    small_city,
    django_capture_on_commit_callbacks,
):
    """A robot takes ~20 messages a minute: a city's hundreds of daily reminders would be refused. The run
    posts one summary counted per case (not per person), linked to the inbox; a later run with nothing new
    posts nothing."""
    settings.NOTIFY_WEBHOOK_URL = receiver["url"]
    settings.SITE_URL = "https://gongjian.example"
    now = timezone.now()
    for _ in range(3):
        ProblemFactory(unit=small_city.compound_a1, deadline=now - datetime.timedelta(days=1))
    planned(people, small_city, in_days=-1)
    receiver["fail"] = 1
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        counts = reminders_send(now=now)
    # Three people hear of each rectification and one of the activity: ten inbox messages, one summary.
    assert (counts["rectifications"], counts["activities"]) == (9, 1)
    summary = Delivery.objects.get()
    assert summary.status == "pending" and summary.attempts == 1 and not receiver["bodies"]
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(now=now)["retried"] == 1
    assert Delivery.objects.get().status == "sent" and len(receiver["bodies"]) == 1
    content = receiver["bodies"][0]["text"]["content"]
    assert "4 cases" in content and "Rectifications past their deadline: 3" in content
    assert "Activities not recorded as held or cancelled: 1" in content
    assert content.endswith("https://gongjian.example/notices/inbox/")
    assert deliveries_retry() == 0


def test_the_summary_reads_in_chinese_and_names_every_kind_of_reminder():
    from gongjian.notices.notifications import REMINDER_KINDS, digest_text, reminder_kind

    assert reminder_kind("activity-plan-returned:7") == "activity-plan"
    assert reminder_kind("rectify-due:5:202612061200") == "rectify-due"
    assert reminder_kind("notice:3") == "other"
    with translation.override("zh-hans"):
        text = digest_text({"rectify-overdue": 2, "task-start": 1, "other": 1})
    assert text.startswith("今日提醒") and "4" in text and "整改已超期" in text
    assert len(REMINDER_KINDS) == 8


def test_reminders_are_emailed_to_people_with_an_address_when_switched_on(
    settings, people, small_city, django_capture_on_commit_callbacks
):
    settings.NOTIFY_EMAIL = True
    people.community_worker.email = "worker@example.com"
    people.community_worker.save(update_fields=["email"])
    people.outsider.email = "charlie@example.com"
    people.outsider.save(update_fields=["email"])
    problem = ProblemFactory(unit=small_city.community_a1, deadline=timezone.now() + datetime.timedelta(hours=5))
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send()
    assert [m.to for m in mail.outbox] == [["worker@example.com"]] and problem.number in mail.outbox[0].subject
