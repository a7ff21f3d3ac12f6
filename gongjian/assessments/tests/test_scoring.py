"""The scoring methods, worked out by hand, as tables (no database)."""

import datetime
from decimal import Decimal as D

import pytest

from gongjian.assessments import scoring


@pytest.mark.parametrize(
    ("frequency", "month", "fold_from", "assessed"),
    [
        ("monthly", "2026-05", None, True),
        ("quarterly", "2026-05", None, False),
        ("quarterly", "2026-06", None, True),  # quarter ends: March, June, September, December
        ("quarterly", "2026-09", None, True),
        ("annual", "2026-06", None, False),
        ("annual", "2026-12", None, True),
        # "年度、季度指标从8月份开始纳入月度考核": from August every item counts every month.
        ("quarterly", "2026-07", "2026-08", False),
        ("quarterly", "2026-08", "2026-08", True),
        ("annual", "2026-08", "2026-08", True),
        ("annual", "2026-11", "2026-08", True),
        ("annual", "2026-07", "2026-08", False),
    ],
)
def test_folding_decides_which_items_are_assessed(frequency, month, fold_from, assessed):
    def as_date(text):
        return datetime.date(int(text[:4]), int(text[5:]), 1) if text else None

    assert scoring.assessed_in(frequency, as_date(month), as_date(fold_from)) is assessed


@pytest.mark.parametrize(
    ("points", "per", "n", "lines"),
    [
        (D("10"), D("1"), 0, []),
        (D("10"), D("1"), 3, [D("1"), D("1"), D("1")]),  # 10 - 3 = 7
        (D("2"), D("0.5"), 5, [D("0.5"), D("0.5"), D("0.5"), D("0.5"), D("0")]),  # floor at 0
        (D("3"), D("2"), 2, [D("2"), D("1")]),  # the second only takes what is left
    ],
)
def test_deduct_takes_per_occurrence_and_never_goes_below_zero(points, per, n, lines):
    assert scoring.deduct_lines(points, per, n) == lines
    assert points - sum(lines, D("0")) >= 0


@pytest.mark.parametrize(
    ("occurrences", "score"),
    [(0, D("6.00")), (1, D("3.96")), (2, D("1.98")), (3, D("0.00")), (7, D("0.00"))],
)
def test_grade_earns_100_66_33_0_percent_for_0_1_2_3_or_more(occurrences, score):
    # 6 points: 1 → 6 × 0.66 = 3.96; 2 → 6 × 0.33 = 1.98; 3+ → 0.
    lines = scoring.grade_lines(D("6"), occurrences)
    assert D("6") - sum(lines, D("0")) == score
    assert len(lines) == occurrences


def test_grade_accepts_custom_grades():
    # 10 points with grades 1 / 0.8 / 0.5 / 0.2: two occurrences cost 2 + 3 = 5.
    assert scoring.grade_lines(D("10"), 2, [D("1"), D("0.8"), D("0.5"), D("0.2")]) == [D("2.00"), D("3.00")]


@pytest.mark.parametrize(
    ("value", "lower_is_better", "lost"),
    [
        (D("85"), False, D("0.00")),  # at or above 80: full points
        (D("80"), False, D("0.00")),
        (D("72.5"), False, D("1.50")),  # 7.5 points short × 0.2 = 1.5
        (D("10"), False, D("5.00")),  # capped at the item's 5 points
        (None, False, D("0.00")),  # nothing due: nothing to judge
        (D("12"), True, D("0.00")),  # rework rate 12 % with threshold 80? see below
    ],
)
def test_rate_loses_per_point_below_the_threshold(value, lower_is_better, lost):
    threshold = D("80") if not lower_is_better else D("15")
    assert scoring.rate_loss(D("5"), threshold, D("0.2"), value, lower_is_better=lower_is_better) == lost


def test_rates_where_less_is_better_lose_points_above_the_threshold():
    # Rework rate 25 % against 10 %: 15 points over × 0.2 = 3.
    assert scoring.rate_loss(D("3"), D("10"), D("0.2"), D("25"), lower_is_better=True) == D("3.00")
    assert scoring.rate_loss(D("5"), D("10"), D("0.2"), D("25"), lower_is_better=True) == D("3.00")
    assert scoring.rate_loss(D("5"), D("10"), D("0.2"), D("9"), lower_is_better=True) == D("0.00")


def test_extra_deductions_stop_at_what_is_left_of_the_item():
    # 1.5 left, 3 overdue cases at 1 each: 1 + 0.5 + 0.
    assert scoring.extra_lines(D("1.5"), D("1"), 3) == [D("1.00"), D("0.50"), D("0.00")]
    assert scoring.extra_lines(D("5"), D("0"), 2) == [D("0.00"), D("0.00")]


def test_ties_share_a_rank_and_the_next_rank_skips():
    ranks = scoring.competition_ranks([("a", D("0.9")), ("b", D("0.95")), ("c", D("0.9")), ("d", D("0.8"))])
    assert ranks == {"b": 1, "a": 2, "c": 2, "d": 4}


@pytest.mark.parametrize(
    ("rates", "holders"),
    [
        ([("a", D("0.95")), ("b", D("0.92"))], ["a"]),
        ([("a", D("0.95")), ("b", D("0.95")), ("c", D("0.5"))], ["a", "b"]),  # ties all hold it
        ([("a", D("0.89")), ("b", D("0.5"))], []),  # nobody reaches 90 %
        ([("a", D("0.90"))], ["a"]),  # at the threshold counts
    ],
)
def test_the_red_flag_goes_to_the_best_at_or_above_the_threshold(rates, holders):
    assert scoring.red_flag_holders(rates, D("0.9")) == holders


def test_the_policy_commends_flag_holders_and_criticises_two_bad_months_in_a_row():
    policy = [
        {"when": "red_flag", "kind": "commendation"},
        {"when": "rate_below", "threshold": 0.6, "months": 2, "kind": "criticism"},
    ]
    due = scoring.sanctions_due(
        policy,
        rates={"a": D("0.95"), "b": D("0.55"), "c": D("0.58")},
        flag_holders={"a"},
        previous_rates={"b": [D("0.59")], "c": [D("0.70")]},
    )
    assert due == [("a", "commendation", "red_flag"), ("b", "criticism", "rate_below:0.6:2")]


def test_an_unknown_policy_rule_is_refused():
    with pytest.raises(ValueError):
        scoring.sanctions_due([{"when": "moon_phase", "kind": "x"}], rates={}, flag_holders=set(), previous_rates={})
