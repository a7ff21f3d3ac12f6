"""What the browser walk-through of issue 16 found: the page of activity plans (方案) awaiting the
street's approval was linked from nowhere; a street officer could not find what to approve."""

import pytest
from django.test import Client
from django.urls import reverse

from gongjian.participation import activity_plans
from gongjian.participation.tests.test_activity_plans import data, planned  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_street_officer_finds_the_plan_to_approve_in_the_menu_and_on_the_home_page(people, planned):  # noqa: F811
    activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    page = signed_in(people.street_officer).get("/").content.decode()
    assert f'href="{reverse("participation:plans-awaiting")}"' in page
    assert 'id="home-activity-plans"' in page and "1 个活动方案待您审批" in page


def test_the_community_that_submits_gets_no_approval_menu(people, planned):  # noqa: F811
    activity_plans.plan_submit(user=people.community_worker, activity=planned, data=data())
    page = signed_in(people.community_worker).get("/").content.decode()
    assert reverse("participation:plans-awaiting") not in page


def test_no_plan_waiting_no_line_on_the_street_home(people):
    page = signed_in(people.street_officer).get("/").content.decode()
    assert 'id="home-activity-plans"' not in page
