"""The demo city's 评选, made through the real services with the demo accounts (so every step is
audited and the winners are filed in the archive as in real use):

- this year's "最美志愿者" and "文明家庭" selection, **in its voting period**: community1 and
  community2 nominated their own people (story and a photo), the city office approved most of them,
  refused one and left one waiting; the public voted from many devices over the past days, and one
  burst of votes from a single address last night is flagged by ``anomalies_scan`` for the office
  to decide (exclude or keep);
- last year's 文明家庭 / 好邻居 / 最美志愿者 selection, **finalised** after its voting period: a burst
  the office excluded, the counts, the winners (filed in the nominating communities' archives).

Votes go through ``vote_cast`` with distinct device ids and addresses (carrier-grade NAT addresses
100.64.0.0/10 for residents, documentation addresses for the bursts), a few hundred in all.
Deterministic (seeded) and idempotent: nothing is created when the city's selections are there."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.demo.archives import scene
from gongjian.organizations.models import Unit
from gongjian.selections import services
from gongjian.selections.models import Nominee, Selection


@dataclass(frozen=True)
class Nomination:
    kind: str
    by: str  # the demo account that nominates (its community)
    name: str
    story: str
    weight: int  # how popular, for the generated votes
    decision: bool | None = True  # approved, refused (False) or left waiting (None)


CURRENT = [
    Nomination(
        "volunteer", "community1", "陈秀英", "退休教师，坚持义务辅导社区孩子功课八年，每周三晚上准时在活动中心开课。", 9
    ),
    Nomination("volunteer", "community1", "王建国", "楼道长，带头清理楼道堆物，三年来劝导乱停放一千余次。", 6),
    Nomination("volunteer", "community1", "刘海燕", "社区医院护士，节假日为独居老人上门量血压、送药。", 4),
    Nomination("volunteer", "community2", "赵志勇", "文明劝导队队长，每天早晚高峰在路口劝导行人守规。", 5),
    Nomination("volunteer", "community2", "孙晓东", "热心居民，自称常年参加志愿服务。", 1, decision=False),
    Nomination("family", "community1", "张桂芳家庭", "三代同堂，孝老爱亲，家中老人九十高龄，儿媳照料十余年如一日。", 8),
    Nomination("family", "community1", "李文杰家庭", "垃圾分类示范户，带动整栋楼居民分类投放。", 5),
    Nomination("family", "community2", "周玉兰家庭", "邻里和睦的热心家庭，常年为楼里困难户送米送油。", 6),
    Nomination("family", "community2", "吴春生家庭", "夫妻双双是在职党员，周末一起参加社区大清扫。", 3, decision=None),
]
LAST_YEAR = [
    Nomination("family", "community1", "黄淑珍家庭", "五好家庭，家风家训上墙，子女均为志愿者。", 7),
    Nomination("family", "community2", "郑永刚家庭", "无偿腾出自家车库作社区图书角。", 5),
    Nomination("family", "community1", "马德胜家庭", "照顾瘫痪邻居多年，被邻里称作“一家人”。", 3),
    Nomination("neighbour", "community1", "林俊峰", "小区里的“修理工”，义务为邻居修水管、换灯泡。", 6),
    Nomination("neighbour", "community2", "何雪琴", "每天帮楼上行动不便的老人买菜取快递。", 6),
    Nomination("neighbour", "community2", "高红梅", "组织邻居节百家宴，让新老住户相识。", 2),
    Nomination("volunteer", "community1", "罗志勇", "“文明劝导员”，一年劝导不文明行为六百余次。", 8),
    Nomination("volunteer", "community1", "徐明华", "在职党员，到社区报到后每月参加两次文明劝导。", 2),
    Nomination("volunteer", "community2", "梁丽娟", "社区志愿服务站站长，累计志愿服务时长一千二百小时。", 5),
]
CURRENT_VOTES_A_DAY = 30
LAST_YEAR_VOTES_A_DAY = 8
BURST_VOTES = 24  # more than SELECTION_BURST_PER_ADDRESS (20) within minutes


def _title_current(year: int) -> str:
    return f"{year}年度“最美志愿者”“文明家庭”评选"


def _title_last_year(year: int) -> str:
    return f"{year}年度文明家庭、好邻居、最美志愿者评选"


def _at(day: datetime.date, minutes: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(minutes=minutes))


def _resident_address(rng: random.Random) -> str:
    """An address of the carrier-grade NAT range (100.64.0.0/10), as mobile phones' are."""
    return f"100.{rng.randint(64, 127)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _nominate(selection: Selection, nominations: list[Nomination], day: datetime.date, office: User) -> list[Nominee]:
    categories = {c.kind: c for c in selection.categories.all()}
    approved = []
    for index, n in enumerate(nominations):
        worker = User.objects.get(username=n.by)
        nominee = services.nominee_submit(
            user=worker,
            category=categories[n.kind],
            community=worker.memberships.select_related("unit").get().unit,
            name=n.name,
            story=n.story,
            photos=[scene(f"selection-{selection.title}-{index}", label=n.name)],
            today=day,
        )
        if n.decision is not None:
            services.nominee_decide(user=office, nominee=nominee, approve=n.decision)
        if n.decision:
            approved.append((nominee, n.weight))
    return approved


def _votes(
    rng: random.Random,
    selection: Selection,
    approved: list[tuple[Nominee, int]],
    days: list[datetime.date],
    per_day: int,
    tag: str,
) -> int:
    by_category: dict[int, list[tuple[Nominee, int]]] = {}
    for nominee, weight in approved:
        by_category.setdefault(nominee.category_id, []).append((nominee, weight))
    categories = {c.pk: c for c in selection.categories.all() if c.pk in by_category}
    cast = 0
    for day in days:
        for k in range(per_day):
            category_id = rng.choice(sorted(by_category))
            choices = by_category[category_id]
            nominee = rng.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0]
            services.vote_cast(
                category=categories[category_id],
                nominee=nominee,
                device_id=f"demo-{tag}-{day:%Y%m%d}-{k}",
                address=_resident_address(rng),
                now=_at(day, rng.randint(7 * 60, 22 * 60 + 59)),
            )
            cast += 1
    return cast


def _burst(nominee: Nominee, *, address: str, start: datetime.datetime, tag: str) -> int:
    """One address voting again and again for one nominee within minutes (new device each time)."""
    for k in range(BURST_VOTES):
        services.vote_cast(
            category=nominee.category,
            nominee=nominee,
            device_id=f"demo-{tag}-burst-{k}",
            address=address,
            now=start + datetime.timedelta(seconds=17 * k),
        )
    return BURST_VOTES


def build_demo_selections(seed: int = 2026) -> int:
    """Return the number of selections created (0 when the demo's are already there)."""
    city = Unit.objects.get(level="city", code="339900")
    office = User.objects.get(username="city")
    today = timezone.localdate()
    year = today.year
    if Selection.objects.filter(city=city, title__in=[_title_current(year), _title_last_year(year - 1)]).exists():
        return 0
    rng = random.Random(seed)

    # Last year's: nominations in September, voting in October, a burst excluded, results final.
    last = services.selection_create(
        user=office,
        city=city,
        title=_title_last_year(year - 1),
        kinds=["family", "neighbour", "volunteer"],
        nomination_from=datetime.date(year - 1, 9, 1),
        nomination_until=datetime.date(year - 1, 9, 20),
        voting_from=datetime.date(year - 1, 10, 8),
        voting_until=datetime.date(year - 1, 10, 21),
        winners_per_category=2,
    )
    approved = _nominate(last, LAST_YEAR, datetime.date(year - 1, 9, 10), office)
    days = [last.voting_from + datetime.timedelta(days=n) for n in range(14)]
    _votes(rng, last, approved, days, LAST_YEAR_VOTES_A_DAY, f"{year - 1}")
    _burst(approved[-1][0], address="203.0.113.45", start=_at(datetime.date(year - 1, 10, 15), 20 * 60), tag="last")
    for anomaly in services.anomalies_scan(selection=last):
        services.anomaly_decide(user=office, anomaly=anomaly, exclude=True)
    services.selection_finalise(user=office, selection=last, now=_at(datetime.date(year - 1, 10, 23), 10 * 60))

    # This year's: nominations closed last week, voting for five days now and nine more to come.
    current = services.selection_create(
        user=office,
        city=city,
        title=_title_current(year),
        kinds=["volunteer", "family"],
        nomination_from=today - datetime.timedelta(days=20),
        nomination_until=today - datetime.timedelta(days=6),
        voting_from=today - datetime.timedelta(days=5),
        voting_until=today + datetime.timedelta(days=9),
        winners_per_category=3,
    )
    approved = _nominate(current, CURRENT, today - datetime.timedelta(days=12), office)
    days = [current.voting_from + datetime.timedelta(days=n) for n in range(5)]
    _votes(rng, current, approved, days, CURRENT_VOTES_A_DAY, f"{year}")
    # Last night one address voted two dozen times in seven minutes for 赵志勇: left to the office.
    target = next(n for n, _weight in approved if n.name == "赵志勇")
    _burst(target, address="198.51.100.23", start=_at(today - datetime.timedelta(days=1), 21 * 60 + 3), tag="now")
    services.anomalies_scan(selection=current)
    return 2
