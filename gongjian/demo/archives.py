"""The demo city's archives (台帐资料) for the current year, made through the real services with the
demo accounts: the city office publishes the unified template (台帐资料样本) for the demo rule set's
evidence items (6.1–6.3); community1 keeps a nearly complete archive, community2 one with gaps.

community1: the six mechanisms with their founding documents (Word), a 例会 every past month with
attendees (the paired co-construction unit's head among them), minutes, decisions with owners and
due dates followed up (one left open past its due date), two captioned photos each; a 联席会 every
quarter; the year's plan and a summary; the roster of the four teams (Excel); a monthly self-
inspection rectification record; the cleaning, archiving and finance mechanisms' running records.
What the audit still finds: one photo of the latest 联席会 without a caption, and this month's 例会
not filed yet.

community2: meetings in a few months only, one of them typed in without photos; its plan dated in
December of the year before (outside its period); one photo borrowed from community1's first 联席会
(the same bytes: the "reused photo"); no roster, no summary; finance and archiving never set up;
and a cleaning system (保洁制度) set up in March that never ran (一纸空文).

Finally every closed problem and held activity is collected into the archive. Photos are small
generated scenes (800×600) with an EXIF capture time, each seed a different picture. Idempotent:
nothing is created when the city's template is already there."""

from __future__ import annotations

import datetime
import io
import random

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from gongjian.accounts.models import User
from gongjian.archives import periods, services
from gongjian.archives.choices import DecisionStatus, EvidenceKind, Interval, MechanismKind, MeetingKind
from gongjian.archives.models import ArchiveTemplate, Evidence, Mechanism
from gongjian.archives.services import AttendeeIn, DecisionIn, FileIn, RequirementIn, SectionIn
from gongjian.assessments import services as assessment_services
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment, RuleItem, RuleSet
from gongjian.demo import names
from gongjian.organizations.models import Pairing, Unit

PLAN_ITEM, RECORDS_ITEM, RECTIFICATION_ITEM = "6.1", "6.2", "6.3"

# kind: (title, how often it is expected to run, what it says)
MECHANISMS = {
    MechanismKind.MEETING: (
        "社区共建例会制度",
        Interval.MONTHLY,
        "每月上旬召开一次共建例会，通报创建检查情况，研究解决突出问题。",
    ),
    MechanismKind.LIAISON: (
        "共建单位沟通联系制度",
        Interval.QUARTERLY,
        "每季度召开一次共建联席会，共建单位负责人参加，明确共建任务和责任人。",
    ),
    MechanismKind.ARCHIVING: (
        "台帐资料建档制度",
        Interval.QUARTERLY,
        "台帐资料专人负责，每季度整理归档一次，图文齐全。",
    ),
    MechanismKind.FINANCE: ("共建经费财务管理制度", Interval.QUARTERLY, "共建经费专款专用，每季度公示一次收支情况。"),
    MechanismKind.SUPERVISION: ("督查考核制度", Interval.MONTHLY, "每月开展一次自查整改，问题清单逐项销号。"),
    MechanismKind.CLEANING: ("小区保洁制度", Interval.MONTHLY, "保洁员定岗定责，社区每月检查一次保洁质量并记录。"),
}
COMMUNITY2_MECHANISMS = [MechanismKind.MEETING, MechanismKind.SUPERVISION, MechanismKind.CLEANING]
# Months (of the current year) in which community2 filed a 例会 with photos.
COMMUNITY2_MEETING_MONTHS = (1, 2, 4, 7)
QUARTER_NAMES = "一二三四"


# --- generated files ----------------------------------------------------------------------------------


def scene(seed: str, *, taken: datetime.datetime | None = None, label: str = "") -> bytes:
    """A small generated photo (800×600 JPEG): a wall, a floor, boards and people in random places
    and colours, so every seed looks different (and hashes differently, perceptually too); with an
    EXIF capture time when ``taken`` is given. The same seed and time give the same bytes."""
    rng = random.Random(f"gongjian-demo-archives-{seed}")
    width, height = 800, 600
    image = Image.new("RGB", (width, height), tuple(rng.randrange(120, 240) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    horizon = rng.randrange(260, 420)
    draw.rectangle([0, horizon, width, height], fill=tuple(rng.randrange(60, 180) for _ in range(3)))
    for _ in range(rng.randint(2, 4)):
        x, y = rng.randrange(0, width - 160), rng.randrange(20, horizon - 120)
        draw.rectangle(
            [x, y, x + rng.randrange(80, 220), y + rng.randrange(60, 140)],
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    for _ in range(rng.randint(4, 9)):
        x, y = rng.randrange(0, width - 80), rng.randrange(horizon - 160, height - 120)
        draw.ellipse(
            [x, y, x + rng.randrange(50, 110), y + rng.randrange(90, 200)],
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    if label:
        draw.text((20, 20), label, fill=(255, 255, 255))
    exif = Image.Exif()
    if taken is not None:
        exif[0x8769] = {0x9003: taken.strftime("%Y:%m:%d %H:%M:%S")}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, exif=exif.tobytes() if taken is not None else b"")
    return buffer.getvalue()


def _photo(seed: str, day: datetime.date, caption: str, *, hour: int = 10) -> FileIn:
    taken = datetime.datetime.combine(day, datetime.time(hour, 12))
    return FileIn(name=f"IMG_{day:%Y%m%d}_{hour:02d}12.jpg", data=scene(seed, taken=taken, label=seed), caption=caption)


def _docx(title: str, paragraphs: list[str]) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = title
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _roster_xlsx(community: Unit) -> bytes:
    """The roster of the four teams (四支队伍花名册) from the community's team members."""
    from openpyxl import Workbook

    from gongjian.participation.models import TeamMember

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(["队伍", "姓名", "负责片区", "值班安排"])
    members = TeamMember.objects.filter(team__community=community).select_related("team", "volunteer")
    rows = [(m.team.get_kind_display(), m.volunteer.name, m.area, m.schedule) for m in members]
    if not rows:
        teams = ["保洁队伍", "劝导队伍", "卫生监督队伍", "绿化养护队伍"]
        rows = [
            (team, names.person_name(600 + 2 * k + i), f"{k + 1}号片区", "每天 6:30–8:00")
            for k, team in enumerate(teams)
            for i in range(2)
        ]
    for row in rows:
        sheet.append([str(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the builder --------------------------------------------------------------------------------------


class _Year:
    """Dates of the current year, never after today (services refuse dates in the future)."""

    def __init__(self, today: datetime.date):
        self.today = today
        self.year = today.year

    def on(self, month: int, day: int) -> datetime.date:
        return min(datetime.date(self.year, month, day), self.today)

    @property
    def past_months(self) -> list[int]:
        return list(range(1, self.today.month))

    @property
    def quarters(self) -> list[int]:
        """Quarters that have started (1–4)."""
        return list(range(1, (self.today.month - 1) // 3 + 2))


def _member_unit(username: str) -> tuple[User, Unit]:
    user = User.objects.get(username=username)
    return user, user.memberships.select_related("unit").get().unit


def _template(admin: User, city: Unit, ruleset: RuleSet, items: dict[str, RuleItem]) -> ArchiveTemplate:
    template = services.template_create(
        user=admin,
        ruleset=ruleset,
        name=f"{city.name}社区共建台帐资料样本",
        sections=[
            SectionIn(
                title="一、年度计划与总结、四支队伍花名册",
                rule_item=items[PLAN_ITEM],
                guidance="年初制定年度工作计划，年中、年末形成工作总结；保洁、劝导、卫生监督、绿化养护四支队伍花名册。",
                requirements=(
                    RequirementIn(
                        description="年度工作计划和工作总结",
                        kinds=(EvidenceKind.DOCUMENT,),
                        interval=Interval.YEARLY,
                        min_records=2,
                    ),
                    RequirementIn(
                        description="四支队伍花名册",
                        kinds=(EvidenceKind.DOCUMENT,),
                        interval=Interval.YEARLY,
                        min_records=1,
                    ),
                ),
            ),
            SectionIn(
                title="二、会议和活动记录",
                rule_item=items[RECORDS_ITEM],
                guidance="例会、联席会记录写明时间、地点、参会人员、议定事项及责任人；每次会议至少两张带文字说明的照片。",
                requirements=(
                    RequirementIn(
                        description="每月至少一次例会记录，至少两张带说明的照片",
                        kinds=(EvidenceKind.MEETING,),
                        interval=Interval.MONTHLY,
                        min_records=1,
                        min_photos=2,
                    ),
                    RequirementIn(
                        description="每季度至少一次联席会（共建单位负责人参加），至少两张带说明的照片",
                        kinds=(EvidenceKind.MEETING,),
                        interval=Interval.QUARTERLY,
                        min_records=1,
                        min_photos=2,
                    ),
                    RequirementIn(
                        description="每月至少一次共建活动记录",
                        kinds=(EvidenceKind.ACTIVITY,),
                        interval=Interval.MONTHLY,
                        min_records=1,
                    ),
                ),
            ),
            SectionIn(
                title="三、整改记录",
                rule_item=items[RECTIFICATION_ITEM],
                guidance="检查发现问题的整改记录，附整改前后对比照片。",
                requirements=(
                    RequirementIn(
                        description="每月整改记录，附整改前后照片",
                        kinds=(EvidenceKind.RECTIFICATION,),
                        interval=Interval.MONTHLY,
                        min_records=1,
                        min_photos=2,
                    ),
                ),
            ),
        ],
    )
    return services.template_publish(user=admin, template=template)


def _mechanisms(worker, unit, items, kinds, established: datetime.date, *, documents: bool) -> dict[str, Mechanism]:
    out = {}
    for kind in kinds:
        title, interval, text = MECHANISMS[kind]
        clauses = [
            text,
            f"本制度自{established:%Y年%-m月%-d日}起施行，由{unit.name}居委会负责解释。",
        ]
        out[kind] = services.mechanism_create(
            user=worker,
            unit=unit,
            kind=kind,
            title=f"{unit.name}{title}",
            established_on=established,
            interval=interval,
            rule_items=[items[RECORDS_ITEM]],
            document=[FileIn(name=f"{title}.docx", data=_docx(f"{unit.name}{title}", clauses))] if documents else [],
            text="" if documents else "\n".join(clauses),
        )
    return out


def _heads(unit: Unit) -> list[AttendeeIn]:
    """The heads of the co-construction units paired with the community, lead unit first."""
    from gongjian.participation.models import PairingLetter

    pairings = Pairing.objects.filter(community=unit).select_related("cobuild_unit").order_by("-is_lead", "id")
    letters = dict(PairingLetter.objects.filter(pairing__community=unit).values_list("pairing_id", "head_name"))
    heads = []
    for index, pairing in enumerate(pairings):
        heads.append(
            AttendeeIn(
                name=letters.get(pairing.pk) or names.person_name(700 + index),
                organisation=pairing.cobuild_unit.name,
                cobuild_unit_id=pairing.cobuild_unit_id,
                is_head=True,
            )
        )
    return heads


def _staff(unit: Unit, offset: int) -> list[AttendeeIn]:
    organisation = f"{unit.name}居委会"
    return [
        AttendeeIn(name=names.person_name(offset), organisation=organisation),
        AttendeeIn(name=names.person_name(offset + 1), organisation=organisation),
        AttendeeIn(name=names.person_name(offset + 2), organisation=organisation),
    ]


def _community1(worker: User, unit: Unit, items: dict[str, RuleItem], year: _Year) -> str:
    """A nearly complete year; returns the seed of the photo community2 will borrow."""
    mechanisms = _mechanisms(worker, unit, items, list(MECHANISMS), year.on(1, 6), documents=True)
    compounds = list(unit.children.order_by("code").values_list("name", flat=True)) or [unit.name]
    heads = _heads(unit)
    staff = _staff(unit, 510)
    place = f"{unit.name}党群服务中心会议室"

    # The regular meetings (例会) of every past month; this month's is not filed yet.
    regular = []
    for month in year.past_months:
        day = year.on(month, 8)
        compound = compounds[month % len(compounds)]
        regular.append(
            services.meeting_create(
                user=worker,
                unit=unit,
                kind=MeetingKind.REGULAR,
                title=f"{month}月份社区共建例会",
                held_on=day,
                place=place,
                minutes=(
                    f"通报{month}月份创建检查发现的问题和整改情况，{compound}楼道堆物问题较突出；"
                    "布置本月一月一主题活动；共建单位通报结对帮扶安排。"
                ),
                attendees=staff + heads[:1],
                decisions=[
                    DecisionIn(
                        text=f"清理{compound}楼道堆物，张贴文明提示",
                        owner=staff[1].name,
                        due_on=day + datetime.timedelta(days=14),
                    ),
                    DecisionIn(
                        text="组织共建单位开展一次联合清扫",
                        owner=heads[0].name if heads else staff[2].name,
                        due_on=day + datetime.timedelta(days=20),
                    ),
                ],
                photos=[
                    _photo(f"c1-{month}-a", day, f"{month}月份共建例会现场", hour=9),
                    _photo(f"c1-{month}-b", day, f"{month}月份例会：共建单位负责人发言", hour=10),
                ],
            )
        )

    # The joint meeting (联席会) of every quarter, in its first month; the latest one has a third
    # photo without a caption (the finding the community worker fixes in the acceptance walk-through).
    joint = []
    quarters = year.quarters
    borrowed = ""
    for quarter in quarters:
        month = (quarter - 1) * 3 + 1
        day = year.on(month, 12)
        borrowed = borrowed or f"c1-q{quarter}-a"
        joint.append(
            services.meeting_create(
                user=worker,
                unit=unit,
                kind=MeetingKind.JOINT,
                title=f"{year.year}年第{QUARTER_NAMES[quarter - 1]}季度共建联席会",
                held_on=day,
                place=place,
                minutes="各共建单位汇报上季度共建任务完成情况，商定本季度共建项目清单和责任分工。",
                attendees=staff[:2]
                + [AttendeeIn(name=names.person_name(530), organisation="街道办事处", is_head=False)]
                + heads,
                decisions=[
                    DecisionIn(
                        text="共建单位双休日向居民开放食堂、体育馆",
                        owner=heads[0].name if heads else staff[0].name,
                        due_on=day + datetime.timedelta(days=30),
                    )
                ],
                photos=[
                    _photo(f"c1-q{quarter}-a", day, f"第{QUARTER_NAMES[quarter - 1]}季度联席会现场", hour=14),
                    _photo(f"c1-q{quarter}-b", day, "共建单位负责人签订共建项目清单", hour=15),
                    # The latest meeting's third photo has no caption.
                    *([_photo(f"c1-q{quarter}-c", day, "", hour=16)] if quarter == quarters[-1] else []),
                ],
            )
        )

    # Decisions are followed up: those past their due date are done, except one left open (overdue).
    overdue = None
    for meeting in reversed(regular):
        due = [d for d in meeting.decisions.all() if d.due_on < year.today]
        if due:
            overdue = due[0]
            break
    for meeting in regular + joint:
        for decision in meeting.decisions.all():
            if decision.due_on >= year.today or decision == overdue:
                continue
            services.decision_follow_up(
                user=worker,
                decision=decision,
                expected_version=decision.version,
                status=DecisionStatus.DONE,
                follow_up="已落实，现场复查合格。",
                done_on=max(meeting.held_on, decision.due_on - datetime.timedelta(days=2)),
            )

    # The year's plan, a summary and the roster of the four teams.
    year_period = periods.of(periods.YEAR, year.today)
    plan_day = year.on(1, 10)
    services.evidence_create(
        user=worker,
        unit=unit,
        period=year_period,
        kind=EvidenceKind.DOCUMENT,
        title=f"{unit.name}{year.year}年度共建工作计划",
        date=plan_day,
        rule_items=[items[PLAN_ITEM]],
        files=[
            FileIn(
                name=f"{year.year}年度工作计划.docx",
                data=_docx(
                    f"{unit.name}{year.year}年度共建工作计划",
                    [
                        "一、指导思想",
                        "二、工作目标：月度考核保持全市前列。",
                        "三、主要任务：环境整治、秩序管理、宣传氛围、台帐规范。",
                    ],
                ),
            )
        ],
    )
    summary_title, summary_day = f"{year.year - 1}年度共建工作总结", year.on(1, 8)
    for month, label in ((7, "上半年"), (4, "一季度")):
        if datetime.date(year.year, month, 5) <= year.today:
            summary_title, summary_day = f"{year.year}年{label}共建工作小结", datetime.date(year.year, month, 5)
            break
    services.evidence_create(
        user=worker,
        unit=unit,
        period=year_period,
        kind=EvidenceKind.DOCUMENT,
        title=f"{unit.name}{summary_title}",
        date=summary_day,
        rule_items=[items[PLAN_ITEM]],
        files=[
            FileIn(
                name=f"{summary_title}.docx",
                data=_docx(f"{unit.name}{summary_title}", ["一、主要工作", "二、存在问题", "三、下步打算"]),
            )
        ],
    )
    services.evidence_create(
        user=worker,
        unit=unit,
        period=year_period,
        kind=EvidenceKind.DOCUMENT,
        title=f"{unit.name}四支队伍花名册",
        date=year.on(1, 15),
        rule_items=[items[PLAN_ITEM]],
        files=[FileIn(name="四支队伍花名册.xlsx", data=_roster_xlsx(unit))],
    )

    # The mechanisms run: a monthly self-inspection (督查考核), a monthly cleaning check (保洁),
    # and every quarter the archive filed (建档) and the accounts published (财务).
    for month in [*year.past_months, year.today.month]:
        day = year.on(month, 20)
        compound = compounds[(month + 2) % len(compounds)]
        services.evidence_create(
            user=worker,
            unit=unit,
            period=periods.of(periods.MONTH, day),
            kind=EvidenceKind.RECTIFICATION,
            title=f"{month}月份社区自查整改记录",
            date=day,
            started_on=day - datetime.timedelta(days=3),
            text=f"自查发现{compound}绿化带旁堆放废旧家具；已通知物业清运，现场恢复整洁。",
            rule_items=[items[RECTIFICATION_ITEM]],
            mechanism=mechanisms[MechanismKind.SUPERVISION],
            files=[
                _photo(f"c1-self-{month}-before", day - datetime.timedelta(days=3), f"整改前：{compound}绿化带旁堆物"),
                _photo(f"c1-self-{month}-after", day, f"整改后：{compound}绿化带旁已清理"),
            ],
        )
    for month in year.past_months:
        day = year.on(month, 26)
        services.evidence_create(
            user=worker,
            unit=unit,
            period=periods.of(periods.MONTH, day),
            kind=EvidenceKind.PHOTO_SET,
            title=f"{month}月份小区保洁质量检查",
            date=day,
            text="检查各小区公共区域保洁情况，保洁员在岗，垃圾清运及时。",
            rule_items=[items[RECTIFICATION_ITEM]],
            mechanism=mechanisms[MechanismKind.CLEANING],
            files=[_photo(f"c1-clean-{month}", day, f"{month}月份保洁检查：{compounds[month % len(compounds)]}")],
        )
    for quarter in quarters:
        day = year.on(quarter * 3, 28)
        if day < datetime.date(year.year, quarter * 3, 1):
            continue  # the quarter's last month has not come yet
        quarter_period = periods.of(periods.QUARTER, day)
        for kind, title, text in (
            (MechanismKind.ARCHIVING, "台帐资料整理归档登记", "本季度会议、活动、整改记录已整理归档，共三册。"),
            (MechanismKind.FINANCE, "共建经费收支公示", "本季度共建经费收入2.0万元，支出1.6万元，已在公示栏公示。"),
        ):
            services.evidence_create(
                user=worker,
                unit=unit,
                period=quarter_period,
                kind=EvidenceKind.TEXT,
                title=f"第{QUARTER_NAMES[quarter - 1]}季度{title}",
                date=day,
                text=text,
                rule_items=[items[RECORDS_ITEM]],
                mechanism=mechanisms[kind],
            )
    return borrowed


def _community2(worker: User, unit: Unit, items: dict[str, RuleItem], year: _Year, borrowed: str) -> None:
    """An archive with gaps the audit finds."""
    _mechanisms(worker, unit, items, COMMUNITY2_MECHANISMS, year.on(3, 1), documents=False)
    staff = _staff(unit, 540)
    place = f"{unit.name}居委会会议室"
    months = [m for m in COMMUNITY2_MEETING_MONTHS if m <= year.today.month]
    for index, month in enumerate(months):
        day = year.on(month, 9)
        photos = [_photo(f"c2-{month}-a", day, f"{month}月份例会现场")]
        if index == min(1, len(months) - 1):
            # Borrowed from community1's first 联席会 (12 January) for a later meeting: the same
            # file, so the same hashes; the later use is the one flagged.
            first_joint = year.on(1, 12)
            photos.append(_photo(borrowed, first_joint, "例会现场", hour=14))
        else:
            photos.append(_photo(f"c2-{month}-b", day, f"{month}月份例会：布置创建任务", hour=11))
        services.meeting_create(
            user=worker,
            unit=unit,
            kind=MeetingKind.REGULAR,
            title=f"{month}月份社区例会",
            held_on=day,
            place=place,
            minutes="传达创建工作会议精神，布置本月环境整治任务。",
            attendees=staff,
            decisions=[
                DecisionIn(text="开展一次环境卫生大扫除", owner=staff[0].name, due_on=day + datetime.timedelta(days=10))
            ],
            photos=photos,
        )
    # A meeting typed in without photos ("text without photos").
    month = year.today.month - 1 if year.today.month > 1 else 1
    services.meeting_create(
        user=worker,
        unit=unit,
        kind=MeetingKind.REGULAR,
        title=f"{month}月份社区工作例会",
        held_on=year.on(month, 16),
        place=place,
        minutes="研究迎检准备工作，补齐台帐资料。",
        attendees=staff[:2],
    )
    # The plan, written at the end of last year but filed under this year (outside its period).
    services.evidence_create(
        user=worker,
        unit=unit,
        period=periods.of(periods.YEAR, year.today),
        kind=EvidenceKind.DOCUMENT,
        title=f"{unit.name}{year.year}年度工作计划",
        date=datetime.date(year.year - 1, 12, 28),
        text="一、工作目标；二、主要任务；三、保障措施。",
        rule_items=[items[PLAN_ITEM]],
    )


@transaction.atomic
def build_demo_archives() -> int:
    """Publish the template, fill community1's and community2's archives, collect what the system
    already knows; return the number of records filed (0 when the template is already there)."""
    city = Unit.objects.get(level="city", code="339900")
    admin = User.objects.get(username="city")
    ruleset = RuleSet.objects.filter(city=city).order_by("-effective_from", "-id").first()
    if ruleset is None or ArchiveTemplate.objects.filter(ruleset__city=city).exists():
        return 0
    before = Evidence.objects.count()
    items = {
        i.code: i
        for i in RuleItem.objects.filter(ruleset=ruleset, code__in=[PLAN_ITEM, RECORDS_ITEM, RECTIFICATION_ITEM])
    }
    _template(admin, city, ruleset, items)
    year = _Year(timezone.localdate())
    worker1, community1 = _member_unit("community1")
    worker2, community2 = _member_unit("community2")
    borrowed = _community1(worker1, community1, items, year)
    _community2(worker2, community2, items, year, borrowed)
    services.collect_pending()
    # The months not yet published were computed before the archive existed: compute them again so
    # their evidence items are scored from the archive, as they will be from now on.
    for assessment in Assessment.objects.filter(city=city).exclude(status=AssessmentStatus.PUBLISHED):
        assessment_services.assessment_compute(user=admin, assessment=assessment)
    return Evidence.objects.count() - before
