"""The demo city's environment competition (企事业单位内外环境管理达标竞赛), made through the real
services with the demo accounts: the city office declares it for this year with three items and
eight co-construction units (unit1's 市财政局 among them), inspector1 records every unit's results
(two units tie), the city office computes and publishes it (the ranking is filed in the archive).
Idempotent: nothing is created when this year's competition exists."""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.competitions import services
from gongjian.competitions.models import Competition
from gongjian.organizations.models import CobuildUnit

ITEMS = (
    "A1 | 门前三包责任落实 | 30 | deduct | 3\n"
    "A2 | 单位内部环境卫生 | 40 | grade | 1,0.8,0.6,0\n"
    "A3 | 绿化养护与周边秩序 | 30 | points"
)
# (occurrences for A1, grade for A2, points lost for A3, reason) per unit, in the order chosen.
RESULTS = [
    (0, 0, "0", ""),
    (2, 1, "4", "门前有堆物两处；内部楼道有杂物；绿化带缺株"),
    (1, 0, "0", "门前有一处乱停放"),
    (2, 1, "4", "门前有堆物两处；内部楼道有杂物；绿化带缺株"),  # ties with the second
    (4, 2, "10", "门前三包未落实；内部卫生差；周边秩序乱"),
    (0, 1, "2", "内部卫生一般"),
    (3, 3, "15", "门前乱堆乱放；院内垃圾未清；绿地被占种菜"),
    (1, 1, "0", "门前一处小广告；内部卫生一般"),
]


def build_demo_competitions() -> int:
    """Return the number of competitions created (0 when this year's already exists)."""
    city_user, inspector = User.objects.get(username="city"), User.objects.get(username="inspector1")
    city = city_user.memberships.select_related("unit").get().unit
    year = timezone.localdate().year
    name = f"{year}年企事业单位内外环境管理达标竞赛"
    if Competition.objects.filter(city=city, name=name).exists():
        return 0
    units = list(CobuildUnit.objects.order_by("id")[: len(RESULTS)])
    competition = services.competition_create(
        user=city_user,
        city=city,
        name=name,
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
        items_text=ITEMS,
        cobuild_units=units,
    )
    items = {item.code: item for item in competition.items.all()}
    participants = {p.cobuild_unit_id: p for p in competition.participants.all()}
    for unit, (occurrences, grade, lost, reason) in zip(units, RESULTS, strict=False):
        participant = participants[unit.pk]
        for code, value in (("A1", occurrences), ("A2", grade), ("A3", lost)):
            services.entry_set(user=inspector, participant=participant, item=items[code], value=value, reason=reason)
    services.competition_compute(user=city_user, competition=competition)
    services.competition_publish(user=city_user, competition=competition)
    return 1
