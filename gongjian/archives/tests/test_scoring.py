"""The assessment's evidence items are scored from the archive: a community whose archive meets
the template keeps the item's points; one with missing months loses them in proportion, with a
deduction line saying which months; an evidence item the template does not cover stays manual."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from gongjian.archives.tests.factories import archive_ruleset, item, photo, published_template, record
from gongjian.assessments import services as assessments
from gongjian.assessments.choices import DeductionSource
from gongjian.assessments.models import Deduction, ItemScore

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def march_scores(people, city):
    assessment = assessments.assessment_create(user=people.city_admin, city=city, month=datetime.date(2026, 3, 1))
    assessments.assessment_compute(user=people.city_admin, assessment=assessment)
    return assessment


def score_of(assessment, unit, ruleset, code) -> ItemScore:
    return ItemScore.objects.get(sheet__assessment=assessment, sheet__unit=unit, item=item(ruleset, code))


def test_evidence_items_are_scored_from_the_archive(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场"), photo(2, "签到")])
    assessment = march_scores(people, small_city.city)

    kept = score_of(assessment, small_city.community_a1, ruleset, "3.1")
    lost = score_of(assessment, small_city.community_a2, ruleset, "3.1")
    assert kept.score == Decimal("6.00") and not kept.deductions.exists()
    assert lost.score == Decimal("0.00")
    line = lost.deductions.get()
    assert line.source == DeductionSource.ARCHIVE and line.points == Decimal("6.00")
    # One sentence naming the section, what is missing and the month, in the language of the moment.
    assert "一、共建例会" in line.reason and ("March 2026" in line.reason or "2026年3月" in line.reason)
    assert line.reason.endswith((".", "。"))


def test_a_meeting_with_an_uncaptioned_photo_does_not_keep_the_points(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场"), photo(2, "")])
    assessment = march_scores(people, small_city.city)
    assert score_of(assessment, small_city.community_a1, ruleset, "3.1").score == Decimal("0.00")


def test_without_a_published_template_evidence_items_wait_for_a_manual_score(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    assessment = march_scores(people, small_city.city)
    score = score_of(assessment, small_city.community_a1, ruleset, "3.1")
    assert list(score.deductions.values_list("source", flat=True)) == [DeductionSource.NOT_ASSESSED]
    assert not Deduction.objects.filter(source=DeductionSource.ARCHIVE).exists()


def test_archive_evidence_added_after_the_computation_makes_the_month_stale(people, small_city):
    from gongjian.assessments.freshness import changes_since_computed

    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    assessment = march_scores(people, small_city.city)
    assessment.refresh_from_db()
    assert not changes_since_computed(assessment).stale
    record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场"), photo(2, "签到")])
    assert [(c.kind, c.count) for c in changes_since_computed(assessment).changes] == [("evidence", 1)]
