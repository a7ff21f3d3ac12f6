"""A small competition on the small city: four co-construction units, three items, and a helper to
record results through the service (the same path as the pages and inspectors take)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from gongjian.competitions import services
from gongjian.competitions.models import Competition, Participant
from gongjian.testing.factories import CobuildUnitFactory

ITEMS = (
    "A1 | 门前三包责任落实 | 20 | deduct | 3\nA2 | 内部环境卫生 | 30 | grade | 1,0.8,0.6,0\nA3 | 绿化养护 | 50 | points"
)


@dataclass
class Setup:
    competition: Competition
    a1: Participant  # 甲一企业, enterprise in 甲一社区 (甲街道)
    a2: Participant  # 甲二机关, agency in 甲二社区 (甲街道)
    b1: Participant  # 乙一企业, enterprise in 乙一社区 (乙街道)
    own: Participant  # the liaison's own unit (agency), paired with 乙一社区, no location

    def item(self, code):
        return self.competition.items.get(code=code)


def make_competition(people, small_city, name="2026年企事业单位内外环境管理达标竞赛") -> Setup:
    a1 = CobuildUnitFactory(name="甲一企业", kind="enterprise", located_in=small_city.community_a1)
    a2 = CobuildUnitFactory(name="甲二机关", kind="agency", located_in=small_city.community_a2)
    b1 = CobuildUnitFactory(name="乙一企业", kind="enterprise", located_in=small_city.community_b1)
    own = people.liaison.memberships.get().cobuild_unit
    competition = services.competition_create(
        user=people.city_admin,
        city=small_city.city,
        name=name,
        starts_on=datetime.date(2026, 4, 1),
        ends_on=datetime.date(2026, 9, 30),
        items_text=ITEMS,
        cobuild_units=[a1, a2, b1, own],
    )
    by_unit = {p.cobuild_unit_id: p for p in competition.participants.all()}
    return Setup(competition, by_unit[a1.pk], by_unit[a2.pk], by_unit[b1.pk], by_unit[own.pk])


def score(user, setup: Setup, participant, code, value, reason="检查发现问题", **kwargs):
    return services.entry_set(
        user=user, participant=participant, item=setup.item(code), value=value, reason=reason, **kwargs
    )


def score_the_hand_computed_case(people, setup: Setup) -> None:
    """甲一企业 88 (A1 ×2 −6, A2 良 −6), 甲二机关 88 (A3 −12), 乙一企业 100, the liaison's unit 50
    (A1 ×7 −20 floor, A2 差 −30)."""
    inspector = people.inspector
    score(inspector, setup, setup.a1, "A1", 2)
    score(inspector, setup, setup.a1, "A2", 1)
    score(inspector, setup, setup.a2, "A3", "12")
    score(inspector, setup, setup.b1, "A2", 0, reason="")
    score(inspector, setup, setup.own, "A1", 7)
    score(inspector, setup, setup.own, "A2", 3)
