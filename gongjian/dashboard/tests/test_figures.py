"""The leader's figures, counted by hand on a small city: found / closed / overdue this month with
the change from last month, problems overdue now and the oldest of them (in working days), the
top categories, the ranking's top and bottom, the red flags and the six-month trend; a street
leader's figures hold only their street; they are kept briefly in Django's cache."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from gongjian.accounts.access import actor_for
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment, RedFlag, ScoreSheet
from gongjian.assessments.tests.test_importexport import make_ruleset
from gongjian.dashboard import figures
from gongjian.dashboard.figures import Facts, OverdueCase, SheetRow, compose, gather
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.tests.factories import CategoryFactory, ProblemFactory, at
from gongjian.organizations.choices import UnitLevel
from gongjian.testing.factories import UnitFactory

pytestmark = pytest.mark.django_db

NOW = at(2026, 6, 15, 12)  # a Monday


def weekdays(day: datetime.date) -> bool:
    return day.weekday() < 5


def end_of(month, day):
    return at(2026, month, day, 23, 59, 59)


@pytest.fixture
def city(small_city, people):
    """Problems of May and June 2026 in streets A and B, one in the other city:

    p1 A  found 06-02, due 06-05, still open            → found Jun, overdue Jun, overdue now
    p2 A  found 06-03, rectified 06-04, closed 06-05     → found Jun, closed Jun
    p3 A  found 05-10, due 05-15, rectified 05-20 (late), closed 06-01 → found May, overdue May, closed Jun
    p4 A  found 05-20, void                              → nowhere
    p5 A  found 06-10, due 06-20, open                   → found Jun
    p6 B  found 05-05, due 05-08, still open             → found May, overdue May, overdue now
    p7 other city, found 06-01, overdue                  → nobody here sees it
    """
    c = small_city
    litter, parking = CategoryFactory(name="乱扔垃圾"), CategoryFactory(name="乱停车")
    ProblemFactory(unit=c.compound_a1, category=litter, found_at=at(2026, 6, 2, 9), deadline=end_of(6, 5))
    ProblemFactory(
        unit=c.community_a1,
        category=litter,
        found_at=at(2026, 6, 3, 9),
        deadline=end_of(6, 8),
        status=ProblemStatus.CLOSED,
        submitted_at=at(2026, 6, 4, 9),
        closed_at=at(2026, 6, 5, 9),
    )
    ProblemFactory(
        unit=c.community_a2,
        category=parking,
        found_at=at(2026, 5, 10, 9),
        deadline=end_of(5, 15),
        status=ProblemStatus.CLOSED,
        submitted_at=at(2026, 5, 20, 9),
        closed_at=at(2026, 6, 1, 9),
    )
    ProblemFactory(
        unit=c.community_a2,
        category=parking,
        found_at=at(2026, 5, 20, 9),
        deadline=end_of(5, 22),
        status=ProblemStatus.VOID,
        void_reason="重复上报",
    )
    ProblemFactory(unit=c.compound_a1, category=parking, found_at=at(2026, 6, 10, 9), deadline=end_of(6, 20))
    ProblemFactory(
        unit=c.compound_b1, category=litter, found_at=at(2026, 5, 5, 9), deadline=end_of(5, 8), number="B-OLDEST"
    )
    ProblemFactory(unit=c.other_community, category=litter, found_at=at(2026, 6, 1, 9), deadline=end_of(6, 2))
    return c


@pytest.fixture
def may(city, people):
    """May 2026 computed: five communities' sheets (two added to the small city), one red flag."""
    c = city
    a3 = UnitFactory(name="甲三社区", level=UnitLevel.COMMUNITY, parent=c.street_a)
    b2 = UnitFactory(name="乙二社区", level=UnitLevel.COMMUNITY, parent=c.street_b)
    assessment = Assessment.objects.create(
        city=c.city,
        month=datetime.date(2026, 5, 1),
        ruleset=make_ruleset(people.city_admin, c.city),
        status=AssessmentStatus.COMPUTED,
    )
    rows = [  # unit, street, rate, rank in the city, rank in the street
        (c.community_a1, c.street_a, "0.980", 1, 1),
        (c.community_b1, c.street_b, "0.950", 2, 1),
        (a3, c.street_a, "0.900", 3, 2),
        (b2, c.street_b, "0.850", 4, 2),
        (c.community_a2, c.street_a, "0.700", 5, 3),
    ]
    sheets = {}
    for unit, street, rate, rank_city, rank_street in rows:
        sheets[unit.name] = ScoreSheet.objects.create(
            assessment=assessment,
            unit=unit,
            street=street,
            level="community",
            score=Decimal(rate) * 100,
            max_score=Decimal(100),
            rate=Decimal(rate),
            rank_city=rank_city,
            rank_street=rank_street,
        )
    RedFlag.objects.create(assessment=assessment, street=c.street_a, sheet=sheets["甲一社区"])
    RedFlag.objects.create(assessment=assessment, street=c.street_b, sheet=sheets["乙一社区"])
    return assessment


def test_the_city_leader_s_figures_are_the_ones_counted_by_hand(people, city, may):
    result = compose(gather(actor_for(people.city_leader), now=NOW), workday=weekdays)

    assert result["month"] == "2026-06" and result["previous_month"] == "2026-05"
    assert result["found"] == {"value": 3, "previous": 2, "change": 1}
    assert result["closed"] == {"value": 2, "previous": 0, "change": 2}
    assert result["overdue"] == {"value": 1, "previous": 2, "change": -1}
    assert result["overdue_now"] == 2
    # p6 due Fri 05-08: 26 weekdays from Mon 05-11 to Mon 06-15; p1 due Fri 06-05: 6.
    assert [(c["number"], c["overdue_days"], c["deadline"]) for c in result["oldest_overdue"]] == [
        ("B-OLDEST", 26, "2026-05-08"),
        (result["oldest_overdue"][1]["number"], 6, "2026-06-05"),
    ]
    assert result["categories"] == [{"name": "乱扔垃圾", "count": 2}, {"name": "乱停车", "count": 1}]
    assert result["ranking"]["month"] == "2026-05" and result["ranking"]["published"] is False
    assert [(r["unit"], r["rate"], r["rank"]) for r in result["ranking"]["top"]] == [
        ("甲一社区", 98.0, 1),
        ("乙一社区", 95.0, 2),
        ("甲三社区", 90.0, 3),
    ]
    assert [(r["unit"], r["rank"]) for r in result["ranking"]["bottom"]] == [("甲二社区", 5), ("乙二社区", 4)]
    assert result["red_flags"] == [{"unit": "甲一社区", "street": "甲街道"}, {"unit": "乙一社区", "street": "乙街道"}]
    assert [(t["month"], t["found"], t["closed"], t["overdue"]) for t in result["trend"]] == [
        ("2026-01", 0, 0, 0),
        ("2026-02", 0, 0, 0),
        ("2026-03", 0, 0, 0),
        ("2026-04", 0, 0, 0),
        ("2026-05", 2, 0, 2),
        ("2026-06", 3, 2, 1),
    ]


def test_a_street_leader_s_figures_hold_only_their_street_ranked_within_it(people, city, may):
    result = compose(gather(actor_for(people.street_officer), now=NOW), workday=weekdays)

    assert result["found"] == {"value": 3, "previous": 1, "change": 2}
    assert result["closed"]["value"] == 2
    assert result["overdue"] == {"value": 1, "previous": 1, "change": 0}
    assert result["overdue_now"] == 1
    assert "B-OLDEST" not in {c["number"] for c in result["oldest_overdue"]}
    assert [(r["unit"], r["rank"]) for r in result["ranking"]["top"]] == [
        ("甲一社区", 1),
        ("甲三社区", 2),
        ("甲二社区", 3),
    ]
    assert result["ranking"]["bottom"] == []
    assert result["red_flags"] == [{"unit": "甲一社区", "street": "甲街道"}]


def test_the_outsider_s_figures_are_empty(people, city, may):
    result = compose(gather(actor_for(people.outsider), now=NOW), workday=weekdays)

    assert result["found"]["value"] == 0 and result["overdue_now"] == 0
    assert result["oldest_overdue"] == [] and result["ranking"]["top"] == [] and result["red_flags"] == []


def test_with_no_month_computed_the_ranking_is_empty_and_says_so(people, city):
    result = compose(gather(actor_for(people.city_leader), now=NOW), workday=weekdays)

    assert result["ranking"] == {"month": "", "published": False, "count": 0, "top": [], "bottom": []}


def test_composition_alone_is_pure_on_facts_made_by_hand():
    months = ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")
    facts = Facts(
        now=NOW,
        months=months,
        found=dict.fromkeys(months, 0) | {"2026-05": 4, "2026-06": 7},
        closed=dict.fromkeys(months, 1),
        overdue=dict.fromkeys(months, 0) | {"2026-06": 2},
        categories={"乙": 3, "甲": 3, "丙": 1, "丁": 1, "戊": 1, "己": 1},
        overdue_now=1,
        oldest_overdue=(OverdueCase(9, "X1", "某小区", "乙", end_of(6, 11)),),
        ranking_month="2026-05",
        ranking_published=True,
        sheets=(SheetRow("一", "街", Decimal("0.9"), 1), SheetRow("二", "街", Decimal("0.8"), 2)),
        red_flags=(),
    )

    result = compose(facts, workday=weekdays)

    assert result["found"] == {"value": 7, "previous": 4, "change": 3}
    assert result["closed"]["change"] == 0 and result["overdue"]["change"] == 2
    assert [c["name"] for c in result["categories"]] == ["乙", "甲", "丁", "丙", "己"]  # ties by name, five
    assert result["oldest_overdue"][0]["overdue_days"] == 2  # Thu 06-11 → Fri 06-12, Mon 06-15
    assert [r["unit"] for r in result["ranking"]["top"]] == ["一", "二"] and result["ranking"]["bottom"] == []


def test_the_figures_are_gathered_once_a_minute_per_scope(people, city, monkeypatch):
    cache.clear()
    calls = []
    real = figures.gather
    monkeypatch.setattr(figures, "gather", lambda actor, now=None: calls.append(actor) or real(actor, now=now))

    first = figures.leader_figures(actor_for(people.city_leader), now=NOW)
    again = figures.leader_figures(actor_for(people.city_admin), now=NOW)  # the same reach: the city
    street = figures.leader_figures(actor_for(people.street_officer), now=NOW)

    assert first == again and len(calls) == 2
    assert street["overdue_now"] == 1 and first["overdue_now"] == 2
