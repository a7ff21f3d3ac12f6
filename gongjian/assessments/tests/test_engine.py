"""Computing a month on a hand-made city, every figure worked out by hand in the comments."""

import datetime
from decimal import Decimal as D

import pytest

from gongjian.assessments import selectors, services
from gongjian.assessments.models import Deduction, ItemScore, RedFlag, Sanction, ScoreSheet
from gongjian.assessments.rulespec import parse_ruleset
from gongjian.core.errors import Conflict
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory, at
from gongjian.organizations.choices import UnitLevel
from gongjian.testing.factories import UnitFactory

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)
APRIL = datetime.date(2026, 4, 1)
END_OF_MARCH = at(2026, 4, 1)

RULES = {
    "name": "测试细则",
    "version": 1,
    "effective_from": "2026-01",
    "total_points": 15,
    "overdue_deduction": "0.5",
    "rework_deduction": "0.5",
    "relapse_deduction": "1",
    "fold_into_monthly_from": "2026-08",
    "levels": ["community", "compound"],
    "flag_level": "compound",
    "red_flag_threshold": "0.9",
    "policy": [{"when": "red_flag", "kind": "commendation"}],
    "items": [
        {"code": "1", "name": "环境卫生", "points": 10, "children": [
            {"code": "1.1", "name": "无乱堆乱放", "points": 4, "method": "deduct", "per_occurrence": 1,
             "categories": ["06036"]},
            {"code": "1.2", "name": "楼道整洁", "points": 3, "method": "grade", "categories": ["L0101"]},
            {"code": "1.3", "name": "按期结案率", "points": 3, "method": "rate", "indicator": "on_time_close_rate",
             "threshold": 80, "per_point": "0.1"},
        ]},
        {"code": "2", "name": "共建工作", "points": 5, "children": [
            {"code": "2.1", "name": "共建活动", "points": 5, "method": "manual", "frequency": "quarterly",
             "level": "community"},
        ]},
    ],
}  # fmt: skip


@pytest.fixture
def month(small_city, people):
    """GIVEN the rule set and these problems:
    compound_a1 — P1 clutter closed on time; P2 clutter closed on time after one rework; P3 clutter
    still open past its deadline (3-10); P4 stairwell closed late (submitted 3-12 after 3-06, so
    overdue too), a relapse of P0 (February); a void clutter report; compound_b1 — P5 clutter found in February,
    still open, deadline 3-02: overdue in March, the month its deadline passed.
    Two more compounds under community_a2 with nothing found (a tie)."""
    c, admin = small_city, people.city_admin
    clutter, stairwell = Category.objects.get(code="06036"), Category.objects.get(code="L0101")
    closed = {"status": "closed", "closed_at": at(2026, 3, 20)}
    p0 = ProblemFactory(
        unit=c.compound_a1,
        category=stairwell,
        found_at=at(2026, 2, 1),
        deadline=at(2026, 2, 3),
        status="closed",
        submitted_at=at(2026, 2, 2),
        closed_at=at(2026, 2, 20),
    )
    problems = {
        "P1": ProblemFactory(
            unit=c.compound_a1,
            category=clutter,
            found_at=at(2026, 3, 2),
            deadline=at(2026, 3, 4),
            submitted_at=at(2026, 3, 3),
            **closed,
        ),
        "P2": ProblemFactory(
            unit=c.compound_a1,
            category=clutter,
            found_at=at(2026, 3, 3),
            deadline=at(2026, 3, 5),
            submitted_at=at(2026, 3, 4),
            rework_count=1,
            **closed,
        ),
        "P3": ProblemFactory(unit=c.compound_a1, category=clutter, found_at=at(2026, 3, 8), deadline=at(2026, 3, 10)),
        "P4": ProblemFactory(
            unit=c.compound_a1,
            category=stairwell,
            found_at=at(2026, 3, 4),
            deadline=at(2026, 3, 6),
            submitted_at=at(2026, 3, 12),
            relapse_of=p0,
            **closed,
        ),
        "P5": ProblemFactory(unit=c.compound_b1, category=clutter, found_at=at(2026, 2, 27), deadline=at(2026, 3, 2)),
    }
    ProblemFactory(unit=c.compound_a1, category=clutter, found_at=at(2026, 3, 9), status="void", void_reason="重复")
    tie_1 = UnitFactory(name="甲二甲小区", level=UnitLevel.COMPOUND, parent=c.community_a2)
    tie_2 = UnitFactory(name="甲二乙小区", level=UnitLevel.COMPOUND, parent=c.community_a2)
    spec = parse_ruleset(RULES, known_categories=set(Category.objects.values_list("code", flat=True)))
    services.ruleset_create(user=admin, city=c.city, spec=spec)
    assessment = services.assessment_create(user=admin, city=c.city, month=MARCH)
    item = assessment.ruleset.items.get(code="2.1")
    services.manual_entry_set(
        user=admin,
        assessment=assessment,
        unit=c.community_a1,
        item=item,
        score=D("4"),
        reason="共建单位一把手未参加活动",
    )
    services.manual_entry_set(
        user=admin, assessment=assessment, unit=c.community_b1, item=item, score=D("5"), reason="活动开展良好"
    )
    services.assessment_compute(user=admin, assessment=assessment, as_of=END_OF_MARCH)
    return assessment, problems, tie_1, tie_2  # fmt: skip


def sheet(assessment, unit):
    return ScoreSheet.objects.get(assessment=assessment, unit=unit)


def item_score(assessment, unit, code):
    return ItemScore.objects.get(sheet__assessment=assessment, sheet__unit=unit, item__code=code)


def test_deduct_items_lose_per_problem_then_overdue_and_rework_until_zero(month, small_city):
    # 1.1 (4 points): P1, P2, P3 found → 4 − 3 = 1; P3 overdue 0.5 → 0.5; P2 rework 0.5 → 0. The void one is ignored.
    assessment, p, *_ = month
    score = item_score(assessment, small_city.compound_a1, "1.1")
    assert score.score == D("0.00")
    lines = [(d.source, d.problem_id, d.points) for d in score.deductions.order_by("id")]
    assert lines == [
        ("problem", p["P1"].pk, D("1.00")),
        ("problem", p["P2"].pk, D("1.00")),
        ("problem", p["P3"].pk, D("1.00")),
        ("overdue", p["P3"].pk, D("0.50")),
        ("rework", p["P2"].pk, D("0.50")),
    ]


def test_grade_items_late_cases_and_relapses(month, small_city):
    # 1.2 (3 points): one stairwell problem → 66 % → 1.98; P4 was rectified after its deadline, so it
    # was overdue (超期 = not rectified by the deadline): −0.5 → 1.48; and it is a relapse: −1 → 0.48.
    assessment, p, *_ = month
    score = item_score(assessment, small_city.compound_a1, "1.2")
    assert score.score == D("0.48")
    assert [(d.source, d.problem_id, d.points) for d in score.deductions.order_by("id")] == [
        ("problem", p["P4"].pk, D("1.02")),
        ("overdue", p["P4"].pk, D("0.50")),
        ("relapse", p["P4"].pk, D("1.00")),
    ]


def test_rate_items_use_the_units_own_cases(month, small_city):
    # 1.3: compound_a1 has 4 due cases, 2 closed on time (P4 was late) → 50 % against 80 %: 30 × 0.1 = 3 → 0.
    assessment, *_ = month
    score = item_score(assessment, small_city.compound_a1, "1.3")
    assert score.score == D("0.00")
    assert score.deductions.get().source == "rate"
    # compound_b1 has no case due in March (P5 was found in February): full points.
    assert item_score(assessment, small_city.compound_b1, "1.3").score == D("3.00")


def test_an_overdue_case_counts_in_the_month_its_deadline_passed(month, small_city):
    # P5 was found in February; its deadline (3-02) passed in March: compound_b1 loses 0.5 on 1.1.
    assessment, p, *_ = month
    score = item_score(assessment, small_city.compound_b1, "1.1")
    assert score.score == D("3.50")
    assert [(d.source, d.problem_id) for d in score.deductions.all()] == [("overdue", p["P5"].pk)]


def test_sheets_add_up_and_compute_the_rate(month, small_city):
    assessment, *_ = month
    a1 = sheet(assessment, small_city.compound_a1)
    assert (a1.score, a1.max_score, a1.rate) == (D("0.48"), D("10.00"), D("0.048000"))  # 0 + 0.48 + 0
    b1 = sheet(assessment, small_city.compound_b1)
    assert (b1.score, b1.max_score) == (D("9.50"), D("10.00"))
    # A community counts everything in its subtree, plus its own community-level items.
    community = sheet(assessment, small_city.community_a1)
    assert (community.score, community.max_score) == (D("4.48"), D("15.00"))  # 0.48 + manual 4
    assert community.rate == D("0.298667")


def test_a_manual_item_without_a_score_keeps_its_points_and_says_so(month, small_city):
    assessment, *_ = month
    score = item_score(assessment, small_city.community_a2, "2.1")
    assert score.score == D("5.00")
    assert score.deductions.get().source == "not_assessed"


def test_ties_share_a_rank_in_the_city_and_in_the_street(month, small_city):
    assessment, _p, tie_1, tie_2 = month
    ranks = {
        s.unit_id: (s.rank_city, s.rank_street)
        for s in ScoreSheet.objects.filter(assessment=assessment, level="compound")
    }
    # compounds: the two empty ones 1.0 (tie), b1 0.95, a1 0.048 → 1, 1, 3, 4.
    assert ranks[tie_1.pk] == (1, 1)
    assert ranks[tie_2.pk] == (1, 1)
    assert ranks[small_city.compound_b1.pk] == (3, 1)
    assert ranks[small_city.compound_a1.pk] == (4, 3)
    communities = {s.unit_id: s.rank_city for s in ScoreSheet.objects.filter(assessment=assessment, level="community")}
    # community_a2 15/15 = 1.0; community_b1 14.5/15 = 0.966667; community_a1 0.298667.
    assert communities == {small_city.community_a2.pk: 1, small_city.community_b1.pk: 2, small_city.community_a1.pk: 3}


def test_red_flags_go_to_the_best_compounds_of_each_street_ties_included(month, small_city):
    assessment, _p, tie_1, tie_2 = month
    holders = set(RedFlag.objects.filter(assessment=assessment).values_list("street_id", "sheet__unit_id"))
    assert holders == {
        (small_city.street_a.pk, tie_1.pk),
        (small_city.street_a.pk, tie_2.pk),
        (small_city.street_b.pk, small_city.compound_b1.pk),  # 0.95 ≥ 0.9
    }


def test_quarterly_items_are_left_out_of_a_month_that_is_not_a_quarter_end(month, small_city, people):
    admin = people.city_admin
    april = services.assessment_create(user=admin, city=small_city.city, month=APRIL)
    services.assessment_compute(user=admin, assessment=april, as_of=at(2026, 5, 1))
    community = sheet(april, small_city.community_a2)
    assert community.max_score == D("10.00")
    assert not ItemScore.objects.filter(sheet=community, item__code="2.1").exists()


def test_a_month_can_be_recomputed_until_it_is_published_and_never_after(month, small_city, people):
    assessment, p, *_ = month
    admin = people.city_admin
    before = ScoreSheet.objects.filter(assessment=assessment).count()
    services.assessment_compute(user=admin, assessment=assessment, as_of=END_OF_MARCH)
    assert ScoreSheet.objects.filter(assessment=assessment).count() == before
    services.assessment_publish(user=admin, assessment=assessment)
    frozen = list(ScoreSheet.objects.filter(assessment=assessment).values_list("unit_id", "score", "rate", "rank_city"))
    frozen_lines = Deduction.objects.filter(item_score__sheet__assessment=assessment).count()
    with pytest.raises(Conflict):
        services.assessment_compute(user=admin, assessment=assessment)
    with pytest.raises(Conflict):
        services.assessment_publish(user=admin, assessment=assessment)
    item = assessment.ruleset.items.get(code="2.1")
    with pytest.raises(Conflict):
        services.manual_entry_set(user=admin, assessment=assessment, unit=small_city.community_a1, item=item,
                                  score=D("5"), reason="改分")  # fmt: skip
    assert (
        list(ScoreSheet.objects.filter(assessment=assessment).values_list("unit_id", "score", "rate", "rank_city"))
        == frozen
    )
    assert Deduction.objects.filter(item_score__sheet__assessment=assessment).count() == frozen_lines


def test_a_correction_after_publication_is_a_visible_adjustment(month, small_city, people):
    assessment, *_ = month
    admin = people.city_admin
    a1 = sheet(assessment, small_city.compound_a1)
    with pytest.raises(Conflict):  # not yet published: recompute instead
        services.adjustment_add(user=admin, sheet=a1, points=D("1"), reason="复核")
    services.assessment_publish(user=admin, assessment=assessment)
    services.adjustment_add(user=admin, sheet=a1, points=D("1.5"), reason="复核发现P3已整改，退回1.5分")
    a1.refresh_from_db()
    assert a1.score == D("0.48"), "the published score itself never changes"
    detail = selectors.sheet_detail(a1)
    assert detail["final_score"] == D("1.98")
    adjustment = detail["adjustments"][0]
    assert (adjustment.reason, adjustment.author, adjustment.points) == ("复核发现P3已整改，退回1.5分", admin, D("1.5"))


def test_publication_produces_the_rewards_of_the_policy(month, small_city, people):
    assessment, _p, tie_1, tie_2 = month
    services.assessment_publish(user=people.city_admin, assessment=assessment)
    commended = set(
        Sanction.objects.filter(assessment=assessment, kind="commendation").values_list("unit_id", flat=True)
    )
    assert commended == {tie_1.pk, tie_2.pk, small_city.compound_b1.pk}


def test_only_the_city_office_computes_and_publishes(month, people):
    from gongjian.core.errors import NotPermitted

    assessment, *_ = month
    for who in ("street_officer", "community_worker", "inspector", "city_leader", "outsider"):
        with pytest.raises(NotPermitted):
            services.assessment_compute(user=getattr(people, who), assessment=assessment)
        with pytest.raises(NotPermitted):
            services.assessment_publish(user=getattr(people, who), assessment=assessment)


def test_a_month_without_a_rule_in_force_is_refused(small_city, people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.assessment_create(user=people.city_admin, city=small_city.city, month=MARCH)
