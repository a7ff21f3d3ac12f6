"""Indicator formulas on hand-made counts (no database)."""

from decimal import Decimal

import pytest
from django.utils import translation

from gongjian.inspections.indicators import (
    CategoryShare,
    CohortCounts,
    Rates,
    category_shares,
    percent,
    rates,
    summary_sentence,
)

# --- percent -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (0, 5, "0.0"),
        (5, 5, "100.0"),
        (1, 2, "50.0"),
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (1, 6, "16.7"),
        (49, 100, "49.0"),
        (7, 7, "100.0"),
        (3, 2, "150.0"),
    ],
)
def test_percent_has_one_decimal(part, whole, expected):
    result = percent(part, whole)
    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 16, "6.3"),  # 6.25: half-even would give 6.2
        (1, 80, "1.3"),  # 1.25: half-even would give 1.2
        (1, 400, "0.3"),  # 0.25
        (1, 40, "2.5"),  # exact, nothing to round
        (1, 8, "12.5"),  # exact
        (3, 16, "18.8"),  # 18.75
        (1, 2000, "0.1"),  # 0.05
        (1, 2001, "0.0"),  # 0.0499...
    ],
)
def test_percent_rounds_half_up(part, whole, expected):
    assert str(percent(part, whole)) == expected


@pytest.mark.parametrize("whole", [0, -1])
def test_percent_of_nothing_is_none_not_zero(whole):
    assert percent(0, whole) is None
    assert percent(3, whole) is None


# --- rates ---------------------------------------------------------------------------------------------------------


def test_rates_divide_by_due_and_the_relapse_rate_by_closed():
    counts = CohortCounts(
        found=10, due=8, closed=6, closed_on_time=4, reworked=2, overdue=3, relapses=5, void=2, relapsed=1
    )
    assert rates(counts) == Rates(
        close_rate=Decimal("75.0"),  # 6 / 8
        on_time_close_rate=Decimal("50.0"),  # 4 / 8
        rework_rate=Decimal("25.0"),  # 2 / 8
        overdue_rate=Decimal("37.5"),  # 3 / 8
        relapse_rate=Decimal("16.7"),  # 1 closed problem found again / 6 closed (the 5 relapses found are a count)
    )


@pytest.mark.parametrize(
    "counts",
    [
        CohortCounts(found=3, due=3, closed=1, relapses=3, relapsed=1),
        CohortCounts(found=9, due=9, closed=9, closed_on_time=9, reworked=9, overdue=9, relapses=40, relapsed=9),
        CohortCounts(found=1, due=1, closed=1, relapses=7, relapsed=1),
    ],
)
def test_no_rate_exceeds_a_hundred_percent_whatever_was_found_in_the_month(counts):
    assert all(value <= 100 for value in rates(counts).as_dict().values() if value is not None)


def test_every_rate_has_a_written_definition_with_its_numerator_and_denominator():
    from gongjian.inspections.indicators import definitions

    with translation.override("en"):
        found = definitions()
    assert set(found) == set(rates(CohortCounts()).as_dict())
    assert "÷" in found["relapse_rate"].text and found["relapse_rate"].denominator == "problems closed"
    assert found["on_time_close_rate"].denominator == found["overdue_rate"].denominator


def test_nothing_due_leaves_every_rate_but_relapse_unknown():
    counts = CohortCounts(found=4, due=0, closed=0, relapses=1)
    assert rates(counts).as_dict() == {
        "close_rate": None,
        "on_time_close_rate": None,
        "rework_rate": None,
        "overdue_rate": None,
        "relapse_rate": None,
    }


def test_relapses_without_anything_closed_have_no_rate_but_the_others_do():
    counts = CohortCounts(found=3, due=3, closed=0, overdue=3, relapses=2)
    result = rates(counts)
    assert result.relapse_rate is None
    assert result.close_rate == Decimal("0.0")
    assert result.overdue_rate == Decimal("100.0")


def test_an_empty_cohort_has_no_rates():
    assert set(rates(CohortCounts()).as_dict().values()) == {None}


def test_as_dict_names_the_five_rates():
    assert list(rates(CohortCounts(due=1, closed=1)).as_dict()) == [
        "close_rate",
        "on_time_close_rate",
        "rework_rate",
        "overdue_rate",
        "relapse_rate",
    ]


# --- category shares -----------------------------------------------------------------------------------------------


def test_shares_are_largest_first_with_their_percentage_of_the_total():
    rows = [("09006", "占道经营", 20), ("06036", "乱堆杂物", 49), ("06001", "私搭乱建", 31)]
    assert category_shares(rows) == [
        CategoryShare("06036", "乱堆杂物", 49, Decimal("49.0")),
        CategoryShare("06001", "私搭乱建", 31, Decimal("31.0")),
        CategoryShare("09006", "占道经营", 20, Decimal("20.0")),
    ]


def test_ties_are_ordered_by_code():
    rows = [
        ("09010", "非机动车乱停放", 3),
        ("06010", "暴露垃圾", 3),
        ("07001", "非法小广告", 3),
        ("06001", "私搭乱建", 5),
    ]
    assert [s.code for s in category_shares(rows)] == ["06001", "06010", "07001", "09010"]


def test_categories_with_no_problems_are_left_out():
    rows = [("06036", "乱堆杂物", 2), ("06010", "暴露垃圾", 0), ("06001", "私搭乱建", 1)]
    shares = category_shares(rows)
    assert [s.code for s in shares] == ["06036", "06001"]
    assert [s.share for s in shares] == [Decimal("66.7"), Decimal("33.3")]


def test_shares_are_rounded_half_up_and_need_not_add_up_to_100():
    rows = [("A", "甲", 1), ("B", "乙", 1), ("C", "丙", 1)]
    shares = category_shares(rows)
    assert [s.share for s in shares] == [Decimal("33.3")] * 3
    rows = [("A", "甲", 15), ("B", "乙", 1)]
    assert [s.share for s in category_shares(rows)] == [Decimal("93.8"), Decimal("6.3")]  # 93.75, 6.25


def test_no_rows_give_no_shares():
    assert category_shares([]) == []
    assert category_shares([("06036", "乱堆杂物", 0)]) == []


# --- the sentence --------------------------------------------------------------------------------------------------


def test_the_sentence_names_the_total_and_the_largest_category():
    shares = category_shares([("06036", "乱堆杂物", 49), ("09006", "占道经营", 20), ("06001", "私搭乱建", 31)])
    with translation.override("en"):
        sentence = summary_sentence("This month", 100, shares)
    assert sentence == ("This month 100 problems were found, of which 乱堆杂物 49, 49.0%, the most of all categories.")


def test_the_sentence_says_when_categories_tie_for_the_most():
    shares = category_shares(
        [("06036", "乱堆杂物", 4), ("09006", "占道经营", 4), ("06010", "暴露垃圾", 4), ("07001", "非法小广告", 1)]
    )
    with translation.override("en"):
        sentence = summary_sentence("In 2026-03", 13, shares)
    # 06010 comes first of the three with 4 (ties go by code); 4 / 13 = 30.77%.
    assert sentence == (
        "In 2026-03 13 problems were found; 暴露垃圾 with 4 (30.8%) ties with 乱堆杂物、占道经营 "
        "for the most of all categories."
    )


def test_a_category_just_below_the_top_is_no_tie():
    shares = category_shares([("06036", "乱堆杂物", 5), ("09006", "占道经营", 4)])
    with translation.override("en"):
        sentence = summary_sentence("This month", 9, shares)
    assert "ties" not in sentence
    assert "占道经营" not in sentence
    assert "55.6%" in sentence


@pytest.mark.parametrize(("total", "rows"), [(0, []), (0, [("06036", "乱堆杂物", 0)]), (5, [])])
def test_with_nothing_found_the_sentence_says_so(total, rows):
    with translation.override("en"):
        assert summary_sentence("This month", total, category_shares(rows)) == "This month no problems were found."


def test_the_sentence_follows_the_active_language():
    shares = category_shares([("06036", "乱堆杂物", 1)])
    with translation.override("en"):
        english = summary_sentence("This month", 1, shares)
    with translation.override("zh-hans"):
        chinese = summary_sentence("This month", 1, shares)
        expected = translation.gettext(
            "%(period)s %(total)s problems were found, of which %(name)s %(count)s, %(share)s%%, "
            "the most of all categories."
        ) % {"period": "This month", "total": 1, "name": "乱堆杂物", "count": 1, "share": "100.0"}
    assert english == "This month 1 problems were found, of which 乱堆杂物 1, 100.0%, the most of all categories."
    assert chinese == expected
