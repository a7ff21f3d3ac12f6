"""Work plans: reverse scheduling stored on the tasks, the missing parts flagged, circles refused,
templates copied, progress, overdue tasks for their owner, scope (the outsider and a sibling
community), the API and the archive."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time

from gongjian.archives.models import Evidence
from gongjian.archives.tests.factories import archive_ruleset, item
from gongjian.plans import services
from gongjian.plans.choices import SPEECH_CRITICISM
from gongjian.plans.models import Plan

D = datetime.date
pytestmark = pytest.mark.django_db


def a1_plan(people, small_city, **kw):
    defaults = {
        "year": 2025,
        "title": "甲一社区2025年共建计划",
        "goals": "创建文明社区",
        "requirements": "每月例会",
        "measures": "包片到人",
        "target_date": D(2025, 10, 13),
    }
    defaults.update(kw)
    return services.plan_create(actor=people.community_worker, unit=small_city.community_a1, **defaults)


def add(people, plan, name, duration, *after, **kw):
    return services.task_add(
        actor=people.community_worker, plan=plan, name=name, duration=duration, predecessors=after, **kw
    )


@freeze_time("2025-09-01 09:00:00+08:00")
def test_tasks_are_scheduled_back_from_the_target_and_follow_it_when_it_moves(people, small_city):
    plan = a1_plan(people, small_city)
    a = add(people, plan, "摸底", 2)
    b = add(people, plan, "整治", 3, a)
    c = add(people, plan, "迎检", 2, a, b)
    for task in (a, b, c):
        task.refresh_from_db()
    assert (c.latest_start, c.latest_finish) == (D(2025, 10, 11), D(2025, 10, 13))
    assert (b.latest_start, b.latest_finish) == (D(2025, 9, 30), D(2025, 10, 10))
    assert (a.latest_start, a.latest_finish) == (D(2025, 9, 28), D(2025, 9, 29))
    assert a.critical and b.critical and c.critical

    services.plan_set_target(actor=people.community_worker, plan=plan, target_date=D(2025, 10, 20))
    a.refresh_from_db()
    assert (a.latest_start, a.latest_finish) == (D(2025, 10, 11), D(2025, 10, 13))


@freeze_time("2025-10-01 09:00:00+08:00")
def test_a_plan_that_cannot_be_met_names_the_task_that_does_not_fit(client, people, small_city):
    plan = a1_plan(people, small_city)
    a = add(people, plan, "摸底", 2)
    add(people, plan, "整治", 3, a)
    client.force_login(people.community_worker)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "schedule-misfits" in page and "摸底" in page and "2025-09-30" in page


def test_a_plan_missing_measures_is_flagged_with_the_speech(client, people, small_city):
    plan = a1_plan(people, small_city, measures="")
    with translation.override("zh-hans"):
        assert plan.missing_parts == ["措施"]
    client.force_login(people.community_worker)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert SPEECH_CRITICISM in page and "plan-missing" in page
    listing = client.get(reverse("plans:index")).content.decode()
    assert "plan-flag" in listing


def test_tasks_waiting_for_each_other_are_refused_and_nothing_changes(people, small_city):
    plan = a1_plan(people, small_city)
    a = add(people, plan, "摸底", 2)
    b = add(people, plan, "整治", 3, a)
    with pytest.raises(ValidationError, match="摸底"):
        services.task_set_predecessors(actor=people.community_worker, task=a, predecessors=[b])
    assert list(a.predecessors.all()) == []


def test_a_predecessor_from_another_plan_is_refused(people, small_city):
    plan = a1_plan(people, small_city)
    other = a1_plan(people, small_city, year=2026, title="2026")
    foreign = add(people, other, "外部", 1)
    with pytest.raises(ValidationError):
        add(people, plan, "整治", 3, foreign)
    assert not plan.tasks.exists()


def test_the_city_issues_a_template_that_a_community_copies_and_adapts(people, small_city):
    template = services.plan_create(
        actor=people.city_admin,
        unit=small_city.city,
        year=2026,
        title="社区共建计划样本",
        goals="目标",
        is_template=True,
    )
    first = services.task_add(actor=people.city_admin, plan=template, name="摸底", duration=2)
    services.task_add(actor=people.city_admin, plan=template, name="整治", duration=3, predecessors=[first])
    copy = services.plan_copy_template(actor=people.community_worker, template=template, unit=small_city.community_a1)
    assert copy.template == template and copy.unit == small_city.community_a1 and not copy.is_template
    names = {t.name: [p.name for p in t.predecessors.all()] for t in copy.tasks.all()}
    assert names == {"摸底": [], "整治": ["摸底"]}
    services.plan_update(actor=people.community_worker, plan=copy, title="甲一社区2026年计划")
    template.refresh_from_db()
    assert template.title == "社区共建计划样本"


def test_only_the_city_issues_templates(people, small_city):
    with pytest.raises(ValidationError):
        services.plan_create(
            actor=people.community_worker, unit=small_city.community_a1, year=2026, title="x", is_template=True
        )


def test_a_year_plan_rolls_up_into_the_three_year_plan(people, small_city):
    three = services.plan_create(
        actor=people.community_worker, unit=small_city.community_a1, year=2025, kind="three_year", title="三年规划"
    )
    year = a1_plan(people, small_city, year=2026)
    assert year.parent == three
    first = add(people, year, "摸底", 1)
    add(people, year, "整治", 3, first)
    services.task_progress(actor=people.community_worker, task=first, progress=100)
    assert year.progress == 25  # one working day of four done


@freeze_time("2025-10-15 09:00:00+08:00")
def test_overdue_tasks_are_listed_for_their_owner_and_in_the_queue(client, people, small_city):
    plan = a1_plan(people, small_city)
    add(people, plan, "迎检准备", 2, owner=people.community_worker)
    client.force_login(people.community_worker)
    page = client.get(reverse("plans:mine")).content.decode()
    assert "overdue-tasks" in page and "迎检准备" in page
    queue = client.get(reverse("problems:queue")).content.decode()
    assert "queue-overdue-tasks" in queue and "迎检准备" in queue


def test_progress_is_recorded_and_audited(client, people, small_city):
    plan = a1_plan(people, small_city)
    task = add(people, plan, "摸底", 2)
    client.force_login(people.community_worker)
    response = client.post(reverse("plans:task-progress", args=[task.pk]), {"progress": "60"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.progress == 60
    bad = client.post(reverse("plans:task-progress", args=[task.pk]), {"progress": "160"})
    task.refresh_from_db()
    assert bad.status_code == 302 and task.progress == 60


def test_the_street_reads_but_a_sibling_community_and_the_outsider_get_404(client, people, small_city):
    plan = a1_plan(people, small_city)
    url = reverse("plans:detail", args=[plan.pk])
    client.force_login(people.street_officer)
    assert client.get(url).status_code == 200
    sibling = services_user(small_city.community_a2)
    for user in (sibling, people.outsider, people.street_inspector):
        client.force_login(user)
        assert client.get(url).status_code == 404


def services_user(unit):
    from gongjian.accounts.choices import Role
    from gongjian.testing.factories import user_with_role

    return user_with_role(Role.COMMUNITY_WORKER, unit=unit, username=f"worker-{unit.pk}")


def test_a_task_added_on_the_page_is_scheduled(client, people, small_city):
    plan = a1_plan(people, small_city)
    client.force_login(people.community_worker)
    response = client.post(reverse("plans:task-create", args=[plan.pk]), {"name": "自查", "duration": "2"})
    assert response.status_code == 302
    assert plan.tasks.get().latest_finish == D(2025, 10, 13)
    refused = client.post(reverse("plans:task-create", args=[plan.pk]), {"name": "", "duration": "0"})
    assert refused.status_code == 400 and plan.tasks.count() == 1


def test_the_api_gives_tasks_with_computed_dates_in_scope(client, people, small_city):
    plan = a1_plan(people, small_city)
    a = add(people, plan, "摸底", 2)
    add(people, plan, "整治", 3, a)
    assert client.get("/api/v1/plans/").status_code == 401
    client.force_login(people.community_worker)
    body = client.get("/api/v1/plans/", {"year": 2025}).json()
    row = body["results"][0] if "results" in body else body[0]
    assert row["title"] == plan.title and row["critical_path"] == [t.pk for t in plan.tasks.order_by("id")]
    assert {t["name"]: t["latest_finish"] for t in row["tasks"]} == {"摸底": "2025-10-09", "整治": "2025-10-13"}
    assert client.get("/api/v1/plans/", {"year": "abc"}).status_code == 400
    client.force_login(people.outsider)
    assert client.get(f"/api/v1/plans/{plan.pk}/").status_code == 404


def test_a_plan_files_itself_in_the_archive_counted_for_its_rule_items(
    people, small_city, django_capture_on_commit_callbacks
):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    with django_capture_on_commit_callbacks(execute=True):
        plan = a1_plan(people, small_city)
        add(people, plan, "年度计划", 2, rule_item=item(ruleset, "3.2"))
    record = Evidence.objects.get(source="plan", source_id=plan.pk, is_current=True)
    assert record.unit == small_city.community_a1 and "年度计划" in record.text
    assert list(record.rule_items.values_list("code", flat=True)) == ["3.2"]
    assert Plan.objects.count() == 1


@pytest.mark.parametrize("path", ["/plans/{big}/", "/api/v1/plans/{big}/", "/notices/{big}/", "/api/v1/notices/{big}/"])
def test_an_id_too_large_for_the_database_is_a_404(client, people, path):
    client.force_login(people.community_worker)
    assert client.get(path.format(big=10**30)).status_code == 404


def test_a_community_copies_the_citys_template_on_its_page(client, people, small_city):
    template = services.plan_create(
        actor=people.city_admin, unit=small_city.city, year=2026, title="样本", goals="目标", is_template=True
    )
    services.task_add(actor=people.city_admin, plan=template, name="摸底", duration=2)
    client.force_login(people.community_worker)
    page = client.get(reverse("plans:detail", args=[template.pk])).content.decode()
    assert "copy-form" in page
    response = client.post(
        reverse("plans:copy", args=[template.pk]), {"unit": small_city.community_a1.pk, "year": "2026"}
    )
    copy = Plan.objects.get(is_template=False)
    assert response.status_code == 302 and copy.unit == small_city.community_a1 and copy.tasks.count() == 1
    refused = client.post(
        reverse("plans:copy", args=[template.pk]), {"unit": small_city.community_b1.pk, "year": "2026"}
    )
    assert refused.status_code == 400 and Plan.objects.filter(is_template=False).count() == 1
