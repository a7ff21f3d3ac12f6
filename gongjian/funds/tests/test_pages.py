"""The funds page: each sees its scope; the outsider gets 404. (The creation pages: gongjian/creation/tests.)"""

import datetime

import pytest
from django.test import Client

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
