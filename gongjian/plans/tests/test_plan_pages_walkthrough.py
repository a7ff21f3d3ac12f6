"""What the browser walk-through of issue 16 found on the plan pages: owners shown by their
names, a target before the start refused, a template's copy titled for its unit, no empty
"waits for" box before the first task."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gongjian.plans import rules, services
from gongjian.plans.models import Plan

D = datetime.date
pytestmark = pytest.mark.django_db


def test_a_target_before_the_start_is_refused_on_the_page_and_nothing_is_saved(client, people, small_city):
    client.force_login(people.community_worker)
    response = client.post(
        reverse("plans:create"),
        {
            "unit": small_city.community_a1.pk,
            "kind": "year",
            "year": "2026",
            "title": "倒排测试",
            "starts_on": "2026-12-20",
            "target_date": "2026-12-01",
        },
    )
    assert response.status_code == 400
    assert "目标日期不能早于开始日期" in response.content.decode()
    assert not Plan.objects.exists()


def test_the_services_refuse_a_target_before_the_start_on_create_and_on_change(people, small_city):
    with pytest.raises(ValidationError):
        services.plan_create(
            actor=people.community_worker,
            unit=small_city.community_a1,
            year=2026,
            title="x",
            starts_on=D(2026, 12, 20),
            target_date=D(2026, 12, 1),
        )
    plan = services.plan_create(
        actor=people.community_worker, unit=small_city.community_a1, year=2026, title="x", starts_on=D(2026, 11, 1)
    )
    with pytest.raises(ValidationError):
        services.plan_update(actor=people.community_worker, plan=plan, target_date=D(2026, 10, 1))
    plan.refresh_from_db()
    assert plan.target_date is None and not Plan.objects.exclude(pk=plan.pk).exists()


def test_the_task_form_names_owners_by_their_names_not_their_user_names(client, people, small_city):
    people.community_worker.name = "黄伟勇"
    people.community_worker.save(update_fields=["name"])
    plan = services.plan_create(actor=people.community_worker, unit=small_city.community_a1, year=2026, title="x")
    client.force_login(people.community_worker)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "黄伟勇" in page and ">community_worker<" not in page


def test_the_first_task_has_no_empty_waits_for_box_and_can_be_added(client, people, small_city):
    plan = services.plan_create(actor=people.community_worker, unit=small_city.community_a1, year=2026, title="x")
    client.force_login(people.community_worker)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "plan-checks" not in page
    response = client.post(reverse("plans:task-create", args=[plan.pk]), {"name": "摸底", "duration": "2"})
    assert response.status_code == 302 and plan.tasks.get().name == "摸底"


@pytest.mark.parametrize(
    ("title", "year", "expected"),
    [
        ("2027年社区共建工作计划（样本）", 2027, "和平社区2027年社区共建工作计划"),
        ("2027年社区共建工作计划(样本)", 2028, "和平社区2028年社区共建工作计划"),
        ("和平社区2027年计划", 2027, "和平社区2027年计划"),
    ],
)
def test_a_copy_of_a_template_drops_the_template_mark_and_names_its_unit(title, year, expected):
    assert rules.copy_title(title=title, unit_name="和平社区", template_year=2027, year=year) == expected


def test_a_community_copy_is_titled_for_the_community(people, small_city):
    template = services.plan_create(
        actor=people.city_admin, unit=small_city.city, year=2026, title="2026年共建计划（样本）", is_template=True
    )
    copy = services.plan_copy_template(actor=people.community_worker, template=template, unit=small_city.community_a1)
    assert copy.title == f"{small_city.community_a1.name}2026年共建计划"


def test_a_year_plan_written_before_the_three_year_plan_rolls_up_into_it(client, people, small_city):
    """The demo's communities have 2027 year plans; a three-year plan written afterwards showed none."""
    earlier = services.plan_create(actor=people.community_worker, unit=small_city.community_a1, year=2027, title="年")
    outside = services.plan_create(actor=people.community_worker, unit=small_city.community_a1, year=2030, title="外")
    three = services.plan_create(
        actor=people.community_worker, unit=small_city.community_a1, year=2026, kind="three_year", title="三年规划"
    )
    earlier.refresh_from_db()
    outside.refresh_from_db()
    assert earlier.parent == three and outside.parent is None
    client.force_login(people.community_worker)
    page = client.get(reverse("plans:detail", args=[three.pk])).content.decode()
    assert 'id="year-plans"' in page and "2027 · 年" in page
