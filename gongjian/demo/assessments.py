"""The demo city's rule set (about 30 items in six groups) and six computed months, the last one
left unpublished so the city office can try computing and publishing it."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from gongjian.accounts.models import User
from gongjian.assessments import services
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment, RuleItem, RuleSet
from gongjian.assessments.rulespec import parse_ruleset
from gongjian.inspections.models import Category
from gongjian.organizations.models import Unit


def _leaf(code, name, points, method, **extra):
    return {"code": code, "name": name, "points": points, "method": method, **extra}


def demo_rules(effective_from: datetime.date) -> dict:
    return {
        "name": "青川市社区共建工作考评细则",
        "version": 1,
        "effective_from": f"{effective_from:%Y-%m}",
        "total_points": 100,
        "overdue_deduction": "0.5",
        "rework_deduction": "0.5",
        "relapse_deduction": "1",
        # "年度、季度指标从8月份开始纳入月度考核": folded into the monthly assessment from August.
        "fold_into_monthly_from": f"{max(effective_from, effective_from.replace(month=8)):%Y-%m}",
        "levels": ["community", "compound"],
        "flag_level": "compound",
        "red_flag_threshold": "0.9",
        "list_size": 5,
        "policy": [
            {"when": "red_flag", "kind": "commendation"},
            {"when": "rate_below", "threshold": 0.6, "months": 2, "kind": "criticism"},
            {"when": "rate_below", "threshold": 0.6, "months": 2, "kind": "talk"},
        ],
        "items": [
            {
                "code": "1",
                "name": "环境卫生",
                "points": 40,
                "children": [
                    _leaf("1.1", "无乱堆乱放", 8, "deduct", per_occurrence="1", categories=["06036"]),
                    _leaf("1.2", "楼道整洁", 6, "grade", categories=["L0101"], level="compound"),
                    _leaf(
                        "1.3", "垃圾及时清运", 6, "deduct", per_occurrence="1", categories=["06010", "06011", "06042"]
                    ),
                    _leaf("1.4", "垃圾分类", 4, "grade", categories=["06041"]),
                    _leaf("1.5", "道路和水域洁净", 6, "deduct", per_occurrence="1", categories=["06012", "06025"]),
                    _leaf("1.6", "无违章饲养家禽", 4, "grade", categories=["06038"]),
                    _leaf("1.7", "病媒生物防制", 4, "grade", categories=["L0104"]),
                    _leaf("1.8", "小区保洁质量（现场查看）", 2, "manual", level="compound"),
                ],
            },
            {
                "code": "2",
                "name": "秩序管理",
                "points": 20,
                "children": [
                    _leaf("2.1", "无占道和店外经营", 6, "deduct", per_occurrence="1", categories=["09005", "09006"]),
                    _leaf("2.2", "无私搭乱建", 5, "grade", categories=["06001"]),
                    _leaf(
                        "2.3",
                        "车辆停放有序、消防通道畅通",
                        4,
                        "deduct",
                        per_occurrence="1",
                        categories=["09010", "09012"],
                    ),
                    _leaf("2.4", "农贸市场秩序", 3, "grade", categories=["09020"], level="community"),
                    _leaf("2.5", "门前三包落实", 2, "grade", categories=["L0103"]),
                ],
            },
            {
                "code": "3",
                "name": "绿化养护",
                "points": 10,
                "children": [
                    _leaf("3.1", "绿地整洁", 4, "deduct", per_occurrence="1", categories=["06017"]),
                    _leaf("3.2", "病虫害防治", 3, "grade", categories=["06021"]),
                    _leaf("3.3", "无占绿毁绿和种菜", 3, "grade", categories=["06045", "L0102"]),
                ],
            },
            {
                "code": "4",
                "name": "宣传氛围",
                "points": 8,
                "children": [
                    _leaf("4.1", "无非法小广告", 3, "deduct", per_occurrence="0.5", categories=["07001"]),
                    # "宣传阵地每月更新，按期更新率100%得满分，每低1个百分点扣0.05分" (docs/assessments.md).
                    _leaf(
                        "4.2",
                        "宣传阵地按期更新（黑板报、宣传栏）",
                        3,
                        "rate",
                        indicator="positions_fresh_rate",
                        threshold="100",
                        per_point="0.05",
                        level="community",
                    ),
                    _leaf("4.3", "文明劝导", 2, "grade", categories=["L0105"]),
                ],
            },
            {
                "code": "5",
                "name": "共建工作与整改",
                "points": 14,
                "children": [
                    _leaf(
                        "5.1", "按期结案率", 5, "rate", indicator="on_time_close_rate", threshold="80", per_point="0.2"
                    ),
                    _leaf("5.2", "返工率", 3, "rate", indicator="rework_rate", threshold="10", per_point="0.2"),
                    _leaf("5.3", "共建单位参与活动", 3, "manual", level="community"),
                    _leaf("5.4", "一月一主题活动", 3, "manual", level="community"),
                ],
            },
            {
                "code": "6",
                "name": "台帐资料",
                "points": 8,
                "children": [
                    _leaf("6.1", "年度计划与总结", 2, "evidence", frequency="annual", level="community"),
                    _leaf("6.2", "会议和活动记录图文齐全", 3, "evidence", level="community"),
                    _leaf("6.3", "整改记录完整", 3, "evidence", frequency="quarterly", level="community"),
                ],
            },
        ],
    }


MANUAL_LOSSES = [Decimal(x) for x in ("0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.8", "1")]


def _manual_reason(lost: Decimal) -> str:
    if not lost:
        return "现场查看并核对台帐，符合要求"
    if lost < Decimal("0.5"):
        return f"宣传栏个别内容未按月更新，扣{lost}分"
    return f"活动记录只有文字没有图片，扣{lost}分"


def build_demo_assessments(*, months: list[datetime.date], seed: int = 2026) -> int:
    """Rule set in force from the first month; compute every month, publish all but the last."""
    city = Unit.objects.get(level="city", code="339900")
    admin = User.objects.get(username="city")
    if RuleSet.objects.filter(city=city).exists():
        return 0
    spec = parse_ruleset(demo_rules(months[0]), known_categories=set(Category.objects.values_list("code", flat=True)))
    ruleset = services.ruleset_create(user=admin, city=city, spec=spec)
    manual_items = list(RuleItem.objects.filter(ruleset=ruleset, method__in=["manual", "evidence"]))
    communities = list(Unit.objects.filter(level="community").order_by("code"))
    compounds = list(Unit.objects.filter(level="compound").order_by("code"))
    rng = random.Random(seed)
    for index, month in enumerate(months):
        assessment = services.assessment_create(user=admin, city=city, month=month)
        # The city office scores the manual items after its visits; a few units lose points.
        for unit in communities + compounds:
            for item in manual_items:
                if item.level not in ("", unit.level):
                    continue
                lost = rng.choice(MANUAL_LOSSES)
                services.manual_entry_set(
                    user=admin,
                    assessment=assessment,
                    unit=unit,
                    item=item,
                    score=max(item.points - lost, Decimal("0")),
                    reason=_manual_reason(lost),
                )
        services.assessment_compute(user=admin, assessment=assessment)
        if index < len(months) - 1:
            services.assessment_publish(user=admin, assessment=assessment)
    return Assessment.objects.filter(status=AssessmentStatus.PUBLISHED).count()
