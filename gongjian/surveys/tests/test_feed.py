"""A community's satisfaction rate feeds a `rate` item of the assessment (indicator
satisfaction_rate), and the deduction names the survey and its period."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest

from gongjian.assessments import services
from gongjian.assessments.models import ItemScore
from gongjian.assessments.rulespec import parse_ruleset
from gongjian.inspections.models import Category
from gongjian.surveys.tests.factories import a_survey, respond

MARCH = datetime.date(2026, 3, 1)

RULES = {
    "name": "满意度细则",
    "version": 1,
    "effective_from": "2026-01",
    "total_points": 10,
    "levels": ["community"],
    "flag_level": "community",
    "items": [
        {"code": "1", "name": "群众满意度", "points": 10, "method": "rate", "indicator": "satisfaction_rate",
         "threshold": 90, "per_point": "0.2", "level": "community"},
    ],
}  # fmt: skip


@pytest.fixture
def assessed(people, small_city, monkeypatch):
    """甲一: 8 answers, 6 satisfied → 75 %: 15 points short of 90 % × 0.2 = 3 lost → 7.
    甲二: 10 answers, all satisfied → 100 %: 10. 乙一: not surveyed → full points (no case to judge)."""
    c = small_city
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: datetime.date(2026, 3, 15))
    survey = a_survey(
        user=people.city_admin,
        city=c.city,
        communities=[c.community_a1, c.community_a2],
        start=datetime.date(2026, 3, 1),
        end=datetime.date(2026, 3, 31),
    )
    respond(survey, c.community_a1, times=6, satisfaction="比较满意")
    respond(survey, c.community_a1, times=2, satisfaction="不满意")
    respond(survey, c.community_a2, times=10, satisfaction="满意")
    spec = parse_ruleset(RULES, known_categories=set(Category.objects.values_list("code", flat=True)))
    services.ruleset_create(user=people.city_admin, city=c.city, spec=spec)
    assessment = services.assessment_create(user=people.city_admin, city=c.city, month=MARCH)
    services.assessment_compute(
        user=people.city_admin, assessment=assessment, as_of=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
    )
    return assessment, survey


def score_of(assessment, unit):
    return ItemScore.objects.get(sheet__assessment=assessment, sheet__unit=unit, item__code="1")


def test_the_satisfaction_rate_is_scored_as_worked_out_by_hand(assessed, small_city):
    assessment, _survey = assessed
    assert score_of(assessment, small_city.community_a1).score == D("7.00")
    assert score_of(assessment, small_city.community_a2).score == D("10.00")
    assert score_of(assessment, small_city.community_b1).score == D("10.00")


def test_the_deduction_names_the_survey_and_its_period(assessed, small_city):
    assessment, survey = assessed
    line = score_of(assessment, small_city.community_a1).deductions.get()
    assert line.source == "rate" and line.points == D("3.00")
    assert "satisfaction_rate 75.00% / 90.00%" in line.reason
    assert f"《{survey.title}》v1 2026-03-01–2026-03-31 n=8" in line.reason


def test_a_survey_of_another_month_does_not_feed_this_one(people, small_city):
    from gongjian.surveys.feed import rates

    assert rates(city_id=small_city.city.pk, month=MARCH, unit_ids=[small_city.community_a1.pk]) == {}


def test_the_rule_set_accepts_the_satisfaction_indicator():
    spec = parse_ruleset(RULES, known_categories=set())
    assert spec.items[0].indicator == "satisfaction_rate"
