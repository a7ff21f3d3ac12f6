"""A year of participation for the demo city, made through the real services: volunteers with
generated names and numbers (ID numbers of the unassigned region 3399, phones 170xxxxxxxx),
responsibility letters, obligations and leaders for every pairing, a theme per month, and about
two activities a month per community — of varied kinds in most, clean-ups only in a few
(活动载体单一, flagged on the diversity page). volunteer1 is registered in community1.
Idempotent: nothing is created when the city office's activities are already there."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw

from gongjian.accounts.models import User
from gongjian.demo import names
from gongjian.organizations.models import Pairing, Unit
from gongjian.participation import services
from gongjian.participation.models import Activity, ActivityType, Volunteer
from gongjian.participation.privacy import id_check_digit

MONTHS = 12
VOLUNTEERS_PER_COMMUNITY = 12
# Every sixth community does clean-ups only.
SINGLE_KIND_EVERY = 6
VARIED_TYPES = [
    "cleanup",
    "big_cleanup",
    "citizen_school",
    "neighbour_festival",
    "civilised_family",
    "persuasion",
    "volunteer_service",
    "publicity",
    "resource_opening",
]
TITLES = {
    "cleanup": "环境卫生整治",
    "big_cleanup": "大清扫活动",
    "citizen_school": "市民学校：文明礼仪讲座",
    "neighbour_festival": "邻居节联欢",
    "civilised_family": "文明家庭评选",
    "persuasion": "文明劝导进路口",
    "volunteer_service": "志愿服务进小区",
    "publicity": "创建宣传进楼道",
    "resource_opening": "单位体育馆向居民开放",
}
THEMES = [
    "环境卫生月",
    "文明出行月",
    "垃圾分类月",
    "邻里和睦月",
    "绿化养护月",
    "文明劝导月",
    "卫生防病月",
    "市民学校月",
    "志愿服务月",
    "文明家庭月",
    "楼道整治月",
    "迎检冲刺月",
]
PARTY = ["none", "none", "resident", "in_office"]
SKILLS = ["摄影", "书法", "医疗", "法律咨询", "文艺演出", "维修", ""]


def demo_id_number(seq: int) -> str:
    """A well-formed ID number in the unassigned region 339902 (nobody's)."""
    first17 = f"339902{1950 + seq % 50:04d}{seq % 12 + 1:02d}{seq % 28 + 1:02d}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


def _photo(label: str, colour, seed: str = "") -> bytes:
    """A generated scene; ``seed`` draws its own shapes so photos of different activities do not
    look alike to the archive's reused-photo check."""
    image = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(image)
    scene = random.Random(f"{label}-{seed}")
    for _ in range(scene.randint(6, 10)):
        x, y = scene.randint(0, 700), scene.randint(0, 380)
        w, h = scene.randint(60, 260), scene.randint(40, 200)
        shade = scene.randint(20, 235)
        draw.rectangle([x, y, x + w, y + h], fill=(255 - shade, shade, scene.randint(20, 235)))
    draw.rectangle([0, 400, 800, 600], fill=(170, 190, 160))
    for i in range(6):
        draw.ellipse([100 + i * 100, 300, 150 + i * 100, 400], fill=(60, 80, 140))
    draw.text((20, 20), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _months(now: datetime.datetime) -> list[datetime.date]:
    first = now.date().replace(day=1)
    result = []
    for back in range(MONTHS - 1, -1, -1):
        index = first.year * 12 + first.month - 1 - back
        result.append(datetime.date(index // 12, index % 12 + 1, 1))
    return result


def build_demo_participation(seed: int = 2026) -> int:
    """Create the year once; return the number of activities created (0 when already there)."""
    admin = User.objects.get(username="city")
    if Activity.objects.filter(created_by=admin).exists():
        return 0
    rng = random.Random(seed)
    now = timezone.localtime()
    city = Unit.objects.get(level="city", code="339900")
    communities = list(Unit.objects.filter(level="community", code__startswith=city.code[:4]).order_by("code"))
    types = {t.code: t for t in ActivityType.objects.all()}
    months = _months(now)

    # Themes of the month (一月一主题), set by the city.
    themes = {
        month: services.theme_set(user=admin, unit=city, month=month, title=THEMES[(month.month - 1) % 12])
        for month in months
    }

    # Volunteers: volunteer1 in community1, then generated ones.
    volunteer1 = User.objects.get(username="volunteer1")
    volunteers: dict[int, list[Volunteer]] = {}
    seq = 0
    for index, community in enumerate(communities):
        group = []
        if index == 0 and not Volunteer.objects.filter(user=volunteer1).exists():
            group.append(
                services.volunteer_register(
                    user=admin,
                    community=community,
                    account=volunteer1,
                    name=volunteer1.name or "志愿者一",
                    phone="17000000001",
                    id_number=demo_id_number(1),
                    party_status="in_office",
                    work_unit="青川市税务局",
                    skills="摄影",
                    availability="周末",
                )
            )
        for _ in range(VOLUNTEERS_PER_COMMUNITY if index < 12 else 3):
            seq += 1
            group.append(
                services.volunteer_register(
                    user=admin,
                    community=community,
                    name=names.person_name(seq + 40),
                    phone=f"170{10_000_000 + seq:08d}",
                    id_number=demo_id_number(seq + 1) if seq % 3 else "",
                    party_status=PARTY[seq % len(PARTY)],
                    work_unit="青川市第一中学" if seq % 4 == 3 else "",
                    skills=SKILLS[seq % len(SKILLS)],
                    availability="工作日晚上" if seq % 2 else "周末",
                )
            )
        volunteers[community.pk] = group
    pending = services.volunteer_sign_up(community=communities[0], name="待审核报名人", phone="17000000999")
    del pending

    # Pairings: a letter, obligations and leaders; some units change their leader (the speech's complaint).
    pairings = list(Pairing.objects.filter(community__in=communities).select_related("cobuild_unit", "community"))
    for index, pairing in enumerate(pairings):
        services.pairing_letter_set(
            user=admin, pairing=pairing, signed_on=months[0], head_name=names.person_name(index + 80)
        )
        services.obligation_add(
            user=admin,
            pairing=pairing,
            text="每年至少联合开展4次共建活动",
            yearly_target=4,
            counts_joint_activities=True,
        )
        opening = services.obligation_add(
            user=admin, pairing=pairing, text="双休日向居民开放食堂、体育馆", yearly_target=12
        )
        changes = 3 if index % 5 == 4 else (1 if index % 3 == 0 else 0)
        starts = sorted(rng.sample(range(1, MONTHS), changes)) if changes else []
        services.leader_change(
            user=admin, pairing=pairing, name=names.person_name(index + 120), position="副局长", started_on=months[0]
        )
        for k, month_index in enumerate(starts):
            services.leader_change(
                user=admin,
                pairing=pairing,
                name=names.person_name(index + 160 + k),
                position="办公室主任",
                started_on=months[month_index],
            )
        for month in months[:: 2 if index % 4 else 1]:
            day = month + datetime.timedelta(days=12)
            if day <= now.date():
                services.obligation_record_add(
                    user=admin, obligation=opening, date=day, note="周六体育馆免费开放", is_resource_opening=True
                )
    paired_units = {}
    for pairing in pairings:
        paired_units.setdefault(pairing.community_id, []).append(pairing)

    created = 0
    for index, community in enumerate(communities):
        single_kind = index % SINGLE_KIND_EVERY == SINGLE_KIND_EVERY - 1
        for month_no, month in enumerate(months):
            for k in range(2):
                day = month + datetime.timedelta(days=rng.randint(1, 26))
                starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + 5 * k)))
                code = "cleanup" if single_kind else VARIED_TYPES[(month_no * 2 + k + index) % len(VARIED_TYPES)]
                held = starts_at < now - datetime.timedelta(hours=1)
                units = [
                    services.UnitAttendance(
                        p.cobuild_unit,
                        attendees=rng.randint(2, 12),
                        head_attended=rng.random() < (0.6 if p.cobuild_unit.pk % 3 == 0 else 0.15),
                    )
                    for p in paired_units.get(community.pk, [])
                    if held and p.started_on <= day and rng.random() < (0.85 if p.cobuild_unit.pk % 2 == 0 else 0.3)
                ]
                group = volunteers.get(community.pk, [])
                chosen = rng.sample(group, min(len(group), rng.randint(2, 6))) if held and group else []
                photos = []
                if held and index == 0 and month_no >= MONTHS - 3:
                    photos = [
                        (
                            _photo(TITLES[code], (90 + 20 * k, 130, 90), seed=f"{community.pk}-{day}-{k}"),
                            f"{TITLES[code]}现场（{day:%m月%d日}）",
                        )
                    ]
                services.activity_record(
                    user=admin,
                    community=community,
                    type=types[code],
                    title=TITLES[code],
                    organiser=f"{community.name}居委会",
                    status="held" if held else "planned",
                    starts_at=starts_at,
                    place=f"{community.name}活动中心",
                    summary="组织居民和共建单位共同参与。" if held else "",
                    theme=themes[month],
                    units=units,
                    volunteers=[
                        services.VolunteerHours(v, Decimal(rng.choice(["1.5", "2", "2.5", "3", "4"]))) for v in chosen
                    ],
                    photos=photos,
                    now=now,
                )
                created += 1
    # The four teams, stairwell heads and the 门前三包 register of the first communities.
    shops = ["好又多超市", "老街面馆", "平安药房", "兴华五金店", "工商银行营业部"]
    for index, community in enumerate(communities[:6]):
        group = volunteers.get(community.pk, [])
        for k, kind in enumerate(["cleaning", "persuasion", "hygiene", "greenery"]):
            for v in group[k * 2 : k * 2 + 2]:
                member = services.team_member_add(
                    user=admin,
                    community=community,
                    kind=kind,
                    volunteer=v,
                    area=f"{k + 1}号片区",
                    schedule="周一、三、五 7:00–9:00" if k % 2 else "每天 6:30–8:00",
                )
                for month in months[-3:]:
                    services.duty_shift_record(
                        user=admin, member=member, date=month + datetime.timedelta(days=3), hours=Decimal("2")
                    )
        for c_index, compound in enumerate(community.children.order_by("code")[:3]):
            for building in (1, 2):
                seq += 1
                services.stairwell_head_set(
                    user=admin,
                    compound=compound,
                    building=str(building),
                    entrance=str(c_index + 1),
                    name=names.person_name(seq + 200),
                    phone=f"171{20_000_000 + seq:08d}",
                )
        for s_index, shop in enumerate(shops[: 3 + index % 3]):
            seq += 1
            services.frontage_duty_add(
                user=admin,
                community=community,
                holder=shop,
                address=f"{community.name}人民路{10 + s_index * 4}号",
                frontage=f"门前{8 + s_index * 2}米人行道",
                responsible=names.person_name(seq + 300),
                phone=f"172{30_000_000 + seq:08d}",
                pledge=(f"pledge-{s_index}.jpg", _photo("门前三包责任书", (230, 230, 220))),
            )
    # Problems of category 门前三包不落实 found in these communities point at a register entry.
    from gongjian.inspections.models import Problem
    from gongjian.participation.models import FrontageDuty

    first_duty = {d.community_id: d for d in FrontageDuty.objects.order_by("-id")}
    for problem in Problem.objects.filter(category__code="L0103").select_related("unit", "category"):
        community_id = problem.unit_id if problem.unit.level == "community" else problem.unit.parent_id
        if community_id in first_duty:
            services.frontage_problem_link(user=admin, problem=problem, duty=first_duty[community_id])
    # A few rewards and penalties.
    for v in volunteers[communities[0].pk][:3]:
        services.volunteer_sanction_add(
            user=admin, volunteer=v, kind="commendation", reason="文明劝导表现突出", date=months[-1]
        )
    services.volunteer_sanction_add(
        user=admin,
        volunteer=volunteers[communities[0].pk][-1],
        kind="criticism",
        reason="劝导值班缺勤两次",
        date=months[-1],
    )
    return created
