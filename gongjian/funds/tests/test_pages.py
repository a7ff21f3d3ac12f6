"""The funds and creation pages: each sees its scope; the outsider gets 404."""

import datetime

import pytest
from django.test import Client

from gongjian.creation import services as creation
from gongjian.funds import services

pytestmark = pytest.mark.django_db


def page(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def test_the_funds_page_shows_the_scopes_totals_and_entries(people, small_city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for community, user in (
            (small_city.community_a1, people.community_worker),
            (small_city.community_a2, people.street_officer),
        ):
            services.fund_entry_record(
                user=user,
                community=community,
                kind="income",
                source="donation",
                amount="1234.5",
                date=datetime.date(2025, 5, 1),
            )
    mine = page(people.community_worker, "/funds/?year=2025").content.decode()
    assert "甲一社区" in mine and "甲二社区" not in mine and "1,234.50" in mine
    street = page(people.street_officer, "/funds/?year=2025").content.decode()
    assert "甲一社区" in street and "甲二社区" in street and "2,469.00" in street
    assert page(people.outsider, "/funds/").status_code == 404
    assert page(people.volunteer, "/funds/").status_code == 404


def test_the_creation_page_shows_targets_and_the_citys_progress(people, small_city):
    creation.target_apply(
        user=people.community_worker, community=small_city.community_a1, kind="civ_community", year=2026
    )
    creation.goal_set(user=people.city_admin, city=small_city.city, year=2026, kind="civ_community", count=5)
    city = page(people.city_leader, "/funds/creation/?year=2026").content.decode()
    assert "creation-progress" in city and "甲一社区" in city
    sibling = page(people.street_officer, "/funds/creation/?year=2026").content.decode()
    assert "甲一社区" in sibling and "creation-progress" not in sibling
    assert page(people.outsider, "/funds/creation/").status_code == 404
