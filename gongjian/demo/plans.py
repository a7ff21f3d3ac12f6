"""The demo city's work plans and notices, made through the real services with the demo accounts:
the city issues a year-plan template (工作计划样本); every community has its year plan (every third
one without measures, as the speech criticises); community1 and community2 copied the template's
tasks. The city sent an inspection notice (检查通知) to the communities of street1, whose plans are
scheduled back from the day before the inspection; street1 sent a notice asking for a reply that
only some of its communities acknowledged and answered, and an older one whose reply is overdue.
Idempotent: nothing is created when the city's template is already there."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.archives.services import FileIn
from gongjian.assessments.models import RuleItem
from gongjian.notices import services as notice_services
from gongjian.notices.choices import NoticeKind
from gongjian.notices.models import Notice, Receipt
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql
from gongjian.plans import services
from gongjian.plans.models import Plan

TEMPLATE_TASKS = [
    # name, working days, index of the predecessor or None, rule item code or None
    ("摸底排查：背街小巷、楼道、绿地逐一登记", 5, None, None),
    ("召开共建例会，分解任务到共建单位", 1, 0, None),
    ("集中整治：卫生死角、乱堆乱放", 15, 1, None),
    ("年度计划与台帐资料整理归档", 3, 1, "6.1"),
    ("迎检自查与问题销号", 3, 2, None),
]


def inspection_day() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=40)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _unit_of(user: User) -> Unit:
    return user.memberships.select_related("unit").get().unit


def build_demo_plans() -> int:
    """Return the number of plans created (0 when the demo's template is already there)."""
    city = Unit.objects.get(level=UnitLevel.CITY, code="339900")
    admin = _user("city")
    # The plans are for the year of the coming inspection (in December that is next year's).
    year = inspection_day().year
    if Plan.objects.filter(unit=city, is_template=True).exists():
        return 0
    items = {i.code: i for i in RuleItem.objects.filter(ruleset__city=city).order_by("-ruleset__effective_from")}
    template = services.plan_create(
        actor=admin,
        unit=city,
        year=year,
        title=f"{year}年社区共建工作计划（样本）",
        goals="巩固创建成果，迎接省级复检；共建单位参与率100%。",
        requirements="各项工作倒排时间，责任到人；每月例会通报进度。",
        measures="包片到人、共建单位认领路段、每周自查、问题清单销号。",
        is_template=True,
    )
    created_tasks = []
    for name, days, after, code in TEMPLATE_TASKS:
        created_tasks.append(
            services.task_add(
                actor=admin,
                plan=template,
                name=name,
                duration=days,
                predecessors=[created_tasks[after]] if after is not None else [],
                rule_item=items.get(code) if code else None,
            )
        )
    worker1, worker2 = _user("community1"), _user("community2")
    community1, community2 = _unit_of(worker1), _unit_of(worker2)
    count = 0
    for worker, community in ((worker1, community1), (worker2, community2)):
        with transaction.atomic():
            services.plan_copy_template(actor=worker, template=template, unit=community, year=year)
        count += 1
    others = Unit.objects.filter(level=UnitLevel.COMMUNITY, id__in=subtree_ids_sql([city.pk])).exclude(
        pk__in=[community1.pk, community2.pk]
    )
    for n, community in enumerate(others.order_by("code", "id")):
        with transaction.atomic():
            services.plan_create(
                actor=admin,
                unit=community,
                year=year,
                title=f"{community.name}{year}年共建工作计划",
                goals="创建文明社区，群众满意率90%以上。",
                requirements="每月例会，每周自查。",
                measures="" if n % 3 == 0 else "网格包干，共建单位认领责任区。",
            )
        count += 1
    _notices(admin, community1, worker1)
    return count


def _notices(admin: User, community1: Unit, worker1: User) -> None:
    street1 = _unit_of(_user("street1"))
    officer = _user("street1")
    today = timezone.localdate()
    items = list(RuleItem.objects.filter(ruleset__city_id=admin.memberships.get().unit_id, children__isnull=True)[:2])
    inspection = notice_services.notice_send(
        actor=admin,
        sender_unit=admin.memberships.get().unit,
        kind=NoticeKind.INSPECTION,
        title="关于对各社区创建工作进行复检的通知",
        body="定于下月对各社区创建工作进行复检，请对照考核细则做好自查，并于截止日前报送自查情况。",
        units=list(Unit.objects.filter(level=UnitLevel.COMMUNITY, parent=street1)),
        reply_required=True,
        reply_due=today + datetime.timedelta(days=10),
        inspection_on=inspection_day(),
        inspection_scope="背街小巷、农贸市场周边、老旧小区楼道",
        rule_items=items,
    )
    own = Receipt.objects.get(notice=inspection, unit=community1)
    notice_services.receipt_acknowledge(actor=worker1, receipt=own)
    weekly = notice_services.notice_send(
        actor=officer,
        sender_unit=street1,
        title="关于报送大清扫活动开展情况的通知",
        body="请各社区于截止日前报送本月大清扫活动开展情况（文字及照片）。",
        level=UnitLevel.COMMUNITY,
        reply_required=True,
        reply_due=today + datetime.timedelta(days=3),
    )
    from gongjian.demo.archives import scene

    notice_services.receipt_reply(
        actor=worker1,
        receipt=Receipt.objects.get(notice=weekly, unit=community1),
        text="本月组织大清扫4次，清理卫生死角12处，发动志愿者86人次。",
        files=[FileIn(name="大清扫.jpg", data=scene("notice-reply"))],
    )
    older = notice_services.notice_send(
        actor=officer,
        sender_unit=street1,
        title="关于报送共建单位认领路段情况的通知",
        body="请各社区报送共建单位认领路段及责任人名单。",
        level=UnitLevel.COMMUNITY,
        reply_required=True,
        reply_due=today + datetime.timedelta(days=1),
    )
    # Sent a fortnight ago with the reply due last week: nobody has answered, so it is overdue.
    Notice.objects.filter(pk=older.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=14), reply_due=today - datetime.timedelta(days=7)
    )
