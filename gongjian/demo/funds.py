"""The demo city's co-construction fund ledgers and creation targets, made through the real services
with the demo accounts. Funds: street1's first communities and community2 received contributions from
their paired units and an allocation, and spent on activities and publicity (community1's spending with
a receipt, one entry reversed as a correction). Creation: the city's goals for the year, community
targets at every stage, a co-construction unit's 三化达标 application. Idempotent: nothing is created
when community1 already has a ledger."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.archives.services.files import FileIn
from gongjian.creation import services as creation
from gongjian.creation.models import CreationTarget
from gongjian.funds import services
from gongjian.funds.models import FundEntry
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit

COMMUNITIES_WITH_LEDGERS = 4


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _unit_of(user: User) -> Unit:
    return user.memberships.select_related("unit").get().unit


def _receipt() -> FileIn:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 460, 300), outline=(180, 40, 40), width=4)
    draw.text((40, 40), "RECEIPT 2,380.00", fill=(40, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return FileIn(name="发票-宣传物料.jpg", data=buffer.getvalue())


def build_demo_funds() -> int:
    """Return the number of fund entries created (0 when the demo's ledgers are already there)."""
    community1_user, street1, city = _user("community1"), _user("street1"), _user("city")
    community1 = _unit_of(community1_user)
    if FundEntry.objects.filter(community=community1).exists():
        return 0
    today = timezone.localdate()
    year = today.year
    day = lambda month, d: min(datetime.date(year, month, d), today)  # noqa: E731
    street_communities = list(
        Unit.objects.filter(parent=community1.parent, level=UnitLevel.COMMUNITY).order_by("code")
    )[:COMMUNITIES_WITH_LEDGERS]
    community2 = _unit_of(_user("community2"))
    created = 0
    for index, community in enumerate([*street_communities, community2]):
        keeper = (
            community1_user if community == community1 else (street1 if community.parent == community1.parent else city)
        )
        pairing = community.pairings.order_by("-is_lead", "id").first()
        if pairing is not None:
            services.fund_entry_record(
                user=keeper,
                community=community,
                kind="income",
                source="contribution",
                pairing=pairing,
                amount=f"{(index + 2) * 5000}.00",
                date=day(2, 20),
                note="年度共建经费",
            )
            created += 1
        services.fund_entry_record(
            user=keeper, community=community, kind="income", source="allocation", amount="3000", date=day(3, 5)
        )
        services.fund_entry_record(
            user=keeper,
            community=community,
            kind="spending",
            purpose="activity",
            amount=f"{1200 + index * 315}.50",
            date=day(5, 12),
            note="学雷锋志愿服务活动",
        )
        created += 2
    services.fund_entry_record(
        user=community1_user,
        community=community1,
        kind="spending",
        purpose="publicity",
        amount="2380",
        date=day(6, 3),
        note="宣传栏、倡议书印制",
        files=[_receipt()],
    )
    wrong = services.fund_entry_record(
        user=community1_user,
        community=community1,
        kind="spending",
        purpose="environment",
        amount="860",
        date=day(7, 8),
        note="清扫工具（金额录错）",
    )
    services.fund_entry_reverse(user=community1_user, entry=wrong, reason="金额录错，已按发票重新登记")
    services.fund_entry_record(
        user=community1_user,
        community=community1,
        kind="spending",
        purpose="environment",
        amount="680",
        date=day(7, 8),
        note="清扫工具",
    )
    return created + 4  # the receipt's entry, the wrong one, its reversal and the right one


def build_demo_creation() -> int:
    """Return the number of creation targets created (0 when community1 already has one)."""
    community1_user, street1, city_user = _user("community1"), _user("street1"), _user("city")
    community1 = _unit_of(community1_user)
    if CreationTarget.objects.filter(community=community1).exists():
        return 0
    year = timezone.localdate().year
    city = Unit.objects.get(level=UnitLevel.CITY, code="339900")
    for kind, count in (("civ_community", 4), ("san_community", 3), ("gar_community", 2), ("sanhua", 2)):
        creation.goal_set(user=city_user, city=city, year=year, kind=kind, count=count)
    communities = list(Unit.objects.filter(parent=community1.parent, level=UnitLevel.COMMUNITY).order_by("code"))
    plan = [
        # (community, kind, how far: 0 applied, 1 self-assessed, 2 passed with certificate, 3 failed,
        # 4 returned by the city for another self-assessment)
        (communities[0], "civ_community", 1),
        (communities[0], "san_community", 2),
        (communities[1 % len(communities)], "civ_community", 2),
        (communities[2 % len(communities)], "gar_community", 0),
        (communities[3 % len(communities)], "san_community", 3),
        (communities[1 % len(communities)], "gar_community", 4),
    ]
    created = 0
    for community, kind, stage in plan:
        if CreationTarget.objects.filter(community=community, kind=kind, year=year).exists():
            continue
        keeper = community1_user if community == community1 else street1
        target = creation.target_apply(user=keeper, community=community, kind=kind, year=year)
        created += 1
        if stage >= 1:
            answers = [True] * len(target.checklist)
            if stage == 3:
                answers[-1] = False
            notes = ["已落实，见台帐资料" if met else "仍有不足，正在整改" for met in answers]
            target = creation.target_self_assess(
                user=keeper, target=target, answers=answers, notes=notes, text="已按标准逐项自查"
            )
        if stage == 2:
            target = creation.target_review(user=city_user, target=target, action="pass", note="复核达标")
            creation.target_certify(user=city_user, target=target, file=_receipt_as_certificate())
        if stage == 3:
            creation.target_review(user=city_user, target=target, action="fail", note="环境卫生仍有死角")
        if stage == 4:
            creation.target_review(user=city_user, target=target, action="return", note="请补充绿化养护记录照片")
    liaison = _user("unit1")
    cobuild = liaison.memberships.select_related("cobuild_unit").get().cobuild_unit
    if not CreationTarget.objects.filter(cobuild_unit=cobuild, year=year).exists():
        creation.target_apply(user=liaison, cobuild_unit=cobuild, kind="sanhua", year=year)
        created += 1
    return created


def _receipt_as_certificate() -> FileIn:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 420), (255, 250, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 584, 404), outline=(190, 150, 40), width=8)
    draw.text((60, 60), "CERTIFICATE", fill=(150, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return FileIn(name="达标证书.jpg", data=buffer.getvalue())
