"""Hand-made facts for the pure composition tests (no database)."""

from __future__ import annotations

import datetime
import io
from dataclasses import replace
from decimal import Decimal

from PIL import Image

from gongjian.documents import facts as f
from gongjian.documents.compose import Issuer
from gongjian.inspections import indicators

AUGUST = datetime.date(2026, 8, 1)
ISSUER = Issuer(
    full="青田市三创工作领导小组办公室",
    short="青田市三创办",
    organ_prefix="青三创办",
    copy_to="市委办公室，市政府办公室",
)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 500), "white").save(buffer, "PNG")
    return buffer.getvalue()


class FlatCharts:
    """Blank charts (composition and layout tests need no matplotlib)."""

    def categories(self) -> bytes:
        return png()

    def trend(self) -> bytes:
        return png()


def counts(**values) -> indicators.CohortCounts:
    return indicators.CohortCounts(**values)


def month_facts(**changes) -> f.MonthFacts:
    now = counts(found=100, due=80, closed=60, closed_on_time=50, reworked=4, overdue=30, relapses=3, relapsed=2)
    before = counts(found=120, due=90, closed=54, closed_on_time=40, reworked=6, overdue=50, relapses=5, relapsed=4)
    shares = (
        indicators.CategoryShare("06036", "乱堆杂物", 49, Decimal("49.0")),
        indicators.CategoryShare("09006", "占道经营", 21, Decimal("21.0")),
        indicators.CategoryShare("06001", "私搭乱建", 10, Decimal("10.0")),
    )
    rows = tuple(
        f.RankingRow(i + 1, i + 1, f"甲{i + 1}社区", Decimal(100 - i), Decimal("100"), Decimal(100 - i) / 100, i == 0)
        for i in range(30)
    )
    base = f.MonthFacts(
        assessment_id=1,
        city="青田市",
        month=AUGUST,
        published=True,
        published_on=datetime.date(2026, 9, 1),
        ruleset_name="社区共建工作考评细则",
        problems=f.ProblemFigures(now, indicators.rates(now), shares, before, indicators.rates(before)),
        rankings=(f.RankingTable("甲街道", "community", rows),),
        levels=("community",),
        units_assessed={"community": 30},
        red_flags=(("甲街道", ("甲1社区",)),),
        flag_level="community",
        flag_threshold=Decimal("0.9"),
        red_list={"community": (f.ListEntry("甲1社区", "甲街道", Decimal("1"), 1),)},
        black_list={"community": (f.ListEntry("甲30社区", "甲街道", Decimal("0.71"), 30),)},
        list_size=1,
        sanctions=(),
        policy=(),
        averages=((datetime.date(2026, 7, 1), {"community": Decimal("0.8")}), (AUGUST, {"community": Decimal("0.85")})),
        next_steps="",
        charts=FlatCharts(),
    )
    return replace(base, **changes)
