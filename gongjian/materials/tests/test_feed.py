"""Propaganda positions feed a `rate` item of the assessment (indicator positions_fresh_rate):
judged as of the month's last day with the updates dated by then, whenever they were recorded; a
position update recorded or removed afterwards that counts for the month makes its computation
stale; rule sets carry the indicator through JSON and Excel."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongjian.accounts.models import Role
from gongjian.archives.tests.factories import jpeg
from gongjian.assessments import importexport, services
from gongjian.assessments.freshness import changes_since_computed
from gongjian.assessments.models import ItemScore
from gongjian.assessments.rulespec import parse_ruleset
from gongjian.core.errors import NotPermitted
from gongjian.core.models import AuditEvent
from gongjian.materials import feed, positions
from gongjian.materials.models import Position, PositionUpdate
from gongjian.testing.factories import user_with_role

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)
APRIL_1 = datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)

RULES = {
    "name": "宣传阵地细则",
    "version": 1,
    "effective_from": "2026-01",
    "total_points": 10,
    "levels": ["community"],
    "flag_level": "community",
    "items": [
        {"code": "1", "name": "宣传阵地按期更新", "points": 10, "method": "rate", "indicator": "positions_fresh_rate",
         "threshold": 100, "per_point": "0.1", "level": "community"},
    ],
}  # fmt: skip


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def a_position(people, unit, kind, name, *, registered=datetime.date(2026, 1, 10), updates=(), actor=None):
    actor = actor or people.city_admin
    position = positions.position_register(actor=actor, unit=unit, kind=kind, name=name)
    Position.objects.filter(pk=position.pk).update(created_at=at(registered))
    for n, day in enumerate(updates):
        record(people, position, day, seed=n, actor=actor)
    return position


def record(people, position, day, *, seed=0, actor=None):
    actor = actor or people.city_admin
    photo = jpeg(seed=seed + 10)
    return positions.position_record_update(
        actor=actor, position=position, updated_on=day, theme="创建宣传", photo=photo
    )


@pytest.fixture
def city(people, small_city, monkeypatch):
    """甲一 (as of 31 March):
      黑板报A, blackboard (31 days), updated 20 March → due 20 April: fresh;
      宣传栏B, notice board (31 days), updated 20 February (due 23 March) and 5 April: stale in March;
      电子屏C, screen (7 days), updated 26 March → due 2 April: fresh;
      宣传牌D, sign (366 days), never updated, registered 10 January → due January 2027: fresh;
      黑板报E, registered 3 April: not counted in March.
    → 3 of 4 = 75.0 %: 25 points short of 100 % × 0.1 = 2.5 lost → 7.50.
    甲二: 黑板报F registered 10 January, never updated (due 10 February): stale → 0 of 1 = 0 %:
    100 points short × 0.1 = 10 lost, capped at the item's 10 → 0.00.
    乙一: no positions → nothing to judge → full points, 10.00."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: datetime.date(2026, 6, 15))
    c = small_city
    a_position(people, c.community_a1, "blackboard", "黑板报A", updates=[datetime.date(2026, 3, 20)])
    b = a_position(
        people, c.community_a1, "board", "宣传栏B", updates=[datetime.date(2026, 2, 20), datetime.date(2026, 4, 5)]
    )
    a_position(people, c.community_a1, "screen", "电子屏C", updates=[datetime.date(2026, 3, 26)])
    a_position(people, c.community_a1, "sign", "宣传牌D")
    a_position(people, c.community_a1, "blackboard", "黑板报E", registered=datetime.date(2026, 4, 3))
    a_position(people, c.community_a2, "blackboard", "黑板报F")
    spec = parse_ruleset(RULES, known_categories=set())
    services.ruleset_create(user=people.city_admin, city=c.city, spec=spec)
    assessment = services.assessment_create(user=people.city_admin, city=c.city, month=MARCH)
    services.assessment_compute(user=people.city_admin, assessment=assessment, as_of=APRIL_1)
    return assessment, b


def score_of(assessment, unit):
    return ItemScore.objects.get(sheet__assessment=assessment, sheet__unit=unit, item__code="1")


def recompute(people, assessment, as_of=APRIL_1):
    assessment.refresh_from_db()
    services.assessment_compute(user=people.city_admin, assessment=assessment, as_of=as_of)
    assessment.refresh_from_db()
    return assessment


def test_the_fresh_rate_is_scored_as_worked_out_by_hand(city, small_city):
    assessment, _b = city
    assert score_of(assessment, small_city.community_a1).score == D("7.50")
    assert score_of(assessment, small_city.community_a2).score == D("0.00")
    assert score_of(assessment, small_city.community_b1).score == D("10.00")


def test_the_deduction_names_the_stale_positions_and_their_last_update(city, small_city):
    assessment, _b = city
    line = score_of(assessment, small_city.community_a1).deductions.get()
    assert line.source == "rate" and line.points == D("2.50")
    assert line.reason.startswith("positions_fresh_rate 75.0% / 100.00% · 3/4 · ")
    assert "宣传栏B（2026-02-20）" in line.reason and "黑板报A" not in line.reason
    assert "黑板报F" in score_of(assessment, small_city.community_a2).deductions.get().reason


def test_a_community_counts_the_positions_of_its_compounds(people, city, small_city):
    assessment, _b = city
    a_position(people, small_city.compound_a1, "board", "小区宣传栏", updates=[datetime.date(2026, 3, 30)])
    assessment = recompute(people, assessment)
    # 4 of 5 = 80 %: 20 short × 0.1 = 2 lost.
    assert score_of(assessment, small_city.community_a1).score == D("8.00")


def test_the_month_is_judged_as_of_its_last_day_not_today(people, city, small_city):
    """Computing March again in December (no as_of) gives the same scores as on 1 April."""
    assessment = recompute(people, city[0], as_of=None)
    assert score_of(assessment, small_city.community_a1).score == D("7.50")
    result = feed.freshness(city_id=small_city.city.pk, on=datetime.date(2026, 3, 31))
    assert result[small_city.community_a1.pk][:2] == (3, 4)
    # On 4 April: 宣传栏B's update of the 5th is not there yet, 电子屏C is past its week, 黑板报E
    # (registered the 3rd) counts and is fresh: A, D and E of 5.
    result = feed.freshness(city_id=small_city.city.pk, on=datetime.date(2026, 4, 4))
    assert result[small_city.community_a1.pk][:2] == (3, 5)


def test_an_update_dated_in_the_month_recorded_later_makes_the_month_stale(people, city, small_city):
    assessment, b = city
    assert not changes_since_computed(assessment).stale
    record(people, b, datetime.date(2026, 3, 28), seed=5)
    changes = changes_since_computed(assessment)
    assert changes.stale and [(c.kind, c.count) for c in changes.changes] == [("positions", 1)]
    assessment = recompute(people, assessment)
    assert score_of(assessment, small_city.community_a1).score == D("10.00")
    assert not changes_since_computed(assessment).stale


def test_removing_an_update_that_counted_makes_the_month_stale(people, city, small_city):
    assessment, _b = city
    update = PositionUpdate.objects.get(position__name="黑板报A")
    positions.position_update_remove(actor=people.community_worker, update=update, reason="记错了阵地")
    assert [(c.kind, c.count) for c in changes_since_computed(assessment).changes] == [("positions", 1)]
    event = AuditEvent.objects.get(action="position.update_remove")
    assert event.from_state == "2026-03-20" and event.note == "记错了阵地"
    assessment = recompute(people, assessment)
    # 2 of 4 = 50 %: 5 lost.
    assert score_of(assessment, small_city.community_a1).score == D("5.00")


def test_updates_out_of_the_months_reach_or_of_another_city_do_not_make_it_stale(people, city, small_city):
    assessment, b = city
    record(people, b, datetime.date(2026, 5, 2), seed=6)  # after March
    record(people, b, datetime.date(2025, 12, 1), seed=7)  # more than a period before March
    their_admin = user_with_role(Role.CITY_ADMIN, unit=small_city.other_city)
    elsewhere = a_position(people, small_city.other_community, "board", "邻市宣传栏", actor=their_admin)
    record(people, elsewhere, datetime.date(2026, 3, 15), seed=8, actor=their_admin)
    assert not changes_since_computed(assessment).stale


def test_only_the_units_keepers_remove_an_update_and_they_say_why(people, city):
    _assessment, b = city
    update = b.updates.first()
    for outsider in (people.outsider, people.compound_manager):
        with pytest.raises(NotPermitted):
            positions.position_update_remove(actor=outsider, update=update, reason="不对")
    with pytest.raises(ValidationError) as caught:
        positions.position_update_remove(actor=people.community_worker, update=update, reason=" ")
    assert "reason" in caught.value.message_dict
    assert PositionUpdate.objects.filter(pk=update.pk).exists()
    assert not AuditEvent.objects.filter(action="position.update_remove").exists()


def test_a_rule_set_without_the_indicator_never_asks_for_positions(people, small_city, settings):
    settings.ASSESSMENT_POSITION_FRESHNESS = "gongjian.nowhere.freshness"  # would fail if read
    settings.ASSESSMENT_POSITION_CHANGES = "gongjian.nowhere.changes_since"
    rules = {**RULES, "items": [{**RULES["items"][0], "indicator": "close_rate"}]}
    spec = parse_ruleset(rules, known_categories=set())
    services.ruleset_create(user=people.city_admin, city=small_city.city, spec=spec)
    assessment = services.assessment_create(user=people.city_admin, city=small_city.city, month=MARCH)
    services.assessment_compute(user=people.city_admin, assessment=assessment, as_of=APRIL_1)
    assessment.refresh_from_db()
    assert assessment.status == "computed" and not changes_since_computed(assessment).stale


def test_the_rule_set_carries_the_indicator_through_json_and_excel(people, small_city):
    spec = parse_ruleset(RULES, known_categories=set())
    ruleset = services.ruleset_create(user=people.city_admin, city=small_city.city, spec=spec)
    as_json = importexport.ruleset_from_json(json.dumps(importexport.ruleset_to_json(ruleset)).encode())
    from_excel = importexport.ruleset_from_xlsx(importexport.ruleset_to_xlsx(ruleset))
    for data in (as_json, from_excel):
        [item] = parse_ruleset(data, known_categories=set()).items
        assert (item.method, item.indicator, item.threshold, item.per_point) == (
            "rate",
            "positions_fresh_rate",
            D("100"),
            D("0.1"),
        )
