"""The speech's facts read from the database: the units that led, the red-flag holders, the idle
co-construction units, the coming inspection and the weakest item — each with its page."""

from __future__ import annotations

import datetime

import pytest

from gongjian.archives.periods import parse
from gongjian.documents.speech import compose_speech
from gongjian.documents.speech_facts import speech_facts
from gongjian.documents.tests.test_bulletin import city_with_months, clock  # noqa: F401  (fixtures)
from gongjian.inspections.models import Inspection
from gongjian.participation.models import ActivityUnit
from gongjian.participation.tests.factories import activity
from gongjian.testing.factories import CobuildUnitFactory, PairingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners(small_city, people):
    """The power company is paired with 乙一社区 and took part in nothing in August; the school,
    paired with 甲一社区, joined its clean-up on 20 August."""
    idle = PairingFactory(cobuild_unit=CobuildUnitFactory(name="市供电公司"), community=small_city.community_b1)
    busy = PairingFactory(cobuild_unit=CobuildUnitFactory(name="实验小学"), community=small_city.community_a1)
    held = activity(
        people.community_worker,
        small_city.community_a1,
        when=datetime.datetime(2026, 8, 20, 9, tzinfo=datetime.UTC),
        now=datetime.datetime(2026, 8, 20, 18, tzinfo=datetime.UTC),
    )
    ActivityUnit.objects.create(activity=held, cobuild_unit=busy.cobuild_unit, attendees=3)
    return idle, busy


def test_the_facts_of_august_come_from_its_published_sheets_flags_pairings_and_rounds(
    city_with_months,  # noqa: F811
    partners,
    small_city,
    people,
):
    Inspection.objects.create(
        kind="announced", title="省文明城市复评", date=datetime.date(2026, 10, 15), organiser=small_city.city
    )
    facts = speech_facts(city=small_city.city, period=parse("2026-08"))
    assert facts.counts.found == 10 and facts.previous_counts.found == 6
    assert facts.shares[0].name == "乱堆杂物" and facts.shares[0].count == 7
    assert [(u.name, u.figure) for u in facts.flag_holders] == [("乙一小区", 1)]
    assert facts.leaders[0].name == "乙一社区" and facts.leaders[0].link.startswith("/assessments/2026-08/units/")
    idle = {(p.name, p.extra): p.link for p in facts.idle_partners}
    assert idle[("市供电公司", "乙一社区")] == f"/participation/pairings/{partners[0].pk}/"
    assert "实验小学" not in {name for name, _community in idle}  # it joined a held activity
    assert facts.next_inspection.name == "省文明城市复评" and facts.next_inspection.figure == "2026年10月15日"
    assert facts.weak_items and facts.weak_items[0].link == "/assessments/2026-08/"
    assert facts.relapse_units[0].name == "甲一小区"

    said = "".join(s.text for s in compose_speech(facts).sentences)
    assert "乱堆杂物问题7处，占本次检查发现问题的70%，居所有问题的第一位。" in said
    assert "共建单位市供电公司2026年8月未参加乙一社区的共建活动" in said
    assert "实验小学" not in said
    assert "省文明城市复评定于2026年10月15日进行" in said


def test_a_quarter_adds_up_its_months_and_counts_the_flags_each_unit_held(city_with_months, small_city):  # noqa: F811
    facts = speech_facts(city=small_city.city, period=parse("2026-Q3"))
    assert facts.counts.found == 16  # July's 6 and August's 10
    assert facts.months_assessed == 2
    # 乙一小区 held street B's flag in July (100%) and in August (95%).
    assert [(u.name, u.figure) for u in facts.flag_holders] == [("乙一小区", 2)]
    said = "".join(s.text for s in compose_speech(facts).sentences)
    assert "乙街道乙一小区2026年第三季度2次获得流动红旗。" in said
