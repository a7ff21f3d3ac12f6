"""The audit read from the database: a photo borrowed from a neighbouring community is caught,
and the ranking puts the community with the fuller archive first."""

from __future__ import annotations

import datetime

import pytest

from gongjian.archives import periods, selectors
from gongjian.archives.tests.factories import archive_ruleset, photo, published_template, record

pytestmark = pytest.mark.django_db
END_OF_MARCH = datetime.date(2026, 3, 31)


@pytest.fixture
def ruleset(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    return ruleset


def test_a_photo_borrowed_from_another_community_is_flagged_in_the_borrowers_archive(people, small_city, ruleset):
    record(
        people.community_worker,
        small_city.community_a1,
        ruleset,
        title="甲一社区三月例会",
        files=[photo(1, "会场"), photo(2, "签到")],
    )
    record(people.street_officer, small_city.community_a2, ruleset, files=[photo(1, "我们的会场"), photo(3, "签到")])
    audit = selectors.audit_unit(small_city.community_a2, periods.parse("2026-03"), today=END_OF_MARCH)
    reused = [f for f in audit.findings if f.code == "reused_photo"]
    assert len(reused) == 1 and "IMG_0001.jpg" in reused[0].message
    # The other community's record is not named: its titles are outside the borrower's scope.
    assert "甲一社区三月例会" not in reused[0].message


def test_the_ranking_puts_the_fuller_archive_first(people, small_city, ruleset):
    for day in (datetime.date(2026, 1, 9), datetime.date(2026, 2, 9), datetime.date(2026, 3, 9)):
        record(
            people.community_worker,
            small_city.community_a1,
            ruleset,
            day=day,
            files=[photo(day.month * 10, "会场"), photo(day.month * 10 + 1, "签到")],
        )
    record(people.street_officer, small_city.community_a2, ruleset, files=[photo(7, "会场"), photo(8, "签到")])
    ranked = selectors.ranking(
        [small_city.community_a2, small_city.community_a1], periods.parse("2026-Q1"), today=END_OF_MARCH
    )
    assert [unit for unit, _audit in ranked] == [small_city.community_a1, small_city.community_a2]
    assert [audit.percent for _unit, audit in ranked] == [100, 33]
