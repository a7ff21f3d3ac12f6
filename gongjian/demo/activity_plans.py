"""The demo's upcoming activities with their 方案 (activity plans), made through the real services
with the demo accounts: community1 planned four activities for the coming weeks and submitted a
plan for each; street1 approved one (filed in community1's archive as a document), returned one
with its reason (the 大清扫 in three days, so the reminder for a plan not approved before the
activity has something to say), and two await its decision — street1's "Activity plans awaiting
approval". community2, in another street, waits for its own street's decision: street1 never sees
it. Idempotent: nothing is created when community1's planned activities are there."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.participation import activity_plans, services
from gongjian.participation.models import Activity, ActivityType


@dataclass(frozen=True)
class Planned:
    by: str  # the community's account
    type: str
    title: str
    days_ahead: int
    hour: int
    place: str
    plan: activity_plans.PlanIn
    decision: str  # "awaiting", "approved" or "returned"
    comment: str = ""


PLANNED = [
    Planned(
        "community1",
        "neighbour_festival",
        "第五届邻居节“百家宴”",
        12,
        17,
        "和平社区中心广场",
        activity_plans.PlanIn(
            aim="增进邻里交流，让新老住户相识相助，营造和睦社区氛围。",
            schedule="下午5点至8点：5点签到，5点半开席，7点文艺节目",
            place="和平社区中心广场",
            people="社区居民、楼道长、志愿者、共建单位市财政局干部",
            expected_attendance=200,
            budget="3000",
            safety="志愿者8人维持秩序；餐食由居民自带，社区统一提供饮用水；设医疗点一处，配备急救箱。",
            publicity="提前一周在社区公众号、楼道公告栏发布通知，楼道长逐户告知。",
        ),
        "awaiting",
    ),
    Planned(
        "community1",
        "citizen_school",
        "市民学校：垃圾分类知识讲座",
        6,
        9,
        "和平社区活动中心二楼会议室",
        activity_plans.PlanIn(
            aim="讲解垃圾分类标准和投放时间，提高居民分类准确率。",
            schedule="上午9点至10点半",
            place="和平社区活动中心二楼会议室",
            people="居民代表、楼道长、物业保洁员，主讲：市生态环境局宣讲员",
            expected_attendance=60,
            budget="800",
            safety="会场座位不超过80个，安全通道保持畅通。",
            publicity="发放倡议书，讲座照片和文字记录归入台帐。",
        ),
        "awaiting",
    ),
    Planned(
        "community1",
        "volunteer_service",
        "志愿服务进小区：为老人义诊理发",
        9,
        8,
        "阳光小区门口空地",
        activity_plans.PlanIn(
            aim="为小区老人提供义诊、量血压和理发服务。",
            schedule="上午8点至11点",
            place="阳光小区门口空地",
            people="社区医院医护人员4名、理发志愿者6名、社区工作者2名",
            expected_attendance=80,
            budget="500",
            safety="设排队区和休息座椅，医护人员全程在场。",
            publicity="小区广播和楼道公告提前三天通知。",
        ),
        "approved",
    ),
    Planned(
        "community1",
        "big_cleanup",
        "背街小巷大清扫",
        3,
        8,
        "人民路以北背街小巷",
        activity_plans.PlanIn(
            aim="清理背街小巷卫生死角和乱堆杂物。",
            schedule="上午8点开始",
            place="人民路以北背街小巷",
            people="社区工作者、志愿者、共建单位",
            expected_attendance=50,
            budget="1200",
            safety="注意安全。",
            publicity="社区公众号发布。",
        ),
        "returned",
        "安全措施过于笼统：请写明路段交通疏导、清运车辆停放和劳保用品发放，并写明结束时间后重新提交。",
    ),
    Planned(
        "community2",
        "persuasion",
        "文明劝导进路口",
        8,
        7,
        "团结路与长安街交叉口",
        activity_plans.PlanIn(
            aim="早高峰劝导行人和非机动车遵守交通信号。",
            schedule="上午7点至9点",
            place="团结路与长安街交叉口",
            people="文明劝导员12名，交警中队协助",
            expected_attendance=15,
            budget="300",
            safety="劝导员穿反光背心，站在安全岛内，不进入机动车道。",
            publicity="现场拍照，劝导记录归档。",
        ),
        "awaiting",
    ),
]


def build_demo_activity_plans() -> int:
    """Return the number of plans created (0 when community1's planned activities are there)."""
    worker1 = User.objects.get(username="community1")
    if Activity.objects.filter(created_by=worker1, title__in=[p.title for p in PLANNED]).exists():
        return 0
    officer = User.objects.get(username="street1")
    types = {t.code: t for t in ActivityType.objects.all()}
    today = timezone.localdate()
    now = timezone.now()
    count = 0
    for p in PLANNED:
        worker = User.objects.get(username=p.by)
        community = worker.memberships.select_related("unit").get().unit
        activity = services.activity_record(
            user=worker,
            community=community,
            type=types[p.type],
            title=p.title,
            organiser=f"{community.name}居委会",
            status="planned",
            starts_at=timezone.make_aware(
                datetime.datetime.combine(today + datetime.timedelta(days=p.days_ahead), datetime.time(p.hour))
            ),
            place=p.place,
            now=now,
        )
        plan = activity_plans.plan_submit(user=worker, activity=activity, data=p.plan)
        if p.decision != "awaiting":
            # Only community1's plans are decided, by its street (street1).
            activity_plans.plan_decide(user=officer, plan=plan, approve=p.decision == "approved", comment=p.comment)
        count += 1
    return count
