"""The competition's pure rules, on hand-made cases: items one a line, results checked, points lost,
totals and ranks with ties (1, 2, 2, 4) per city, street and kind."""

from decimal import Decimal as D

import pytest

from gongjian.competitions import rules

ITEMS = """
A1 | 门前三包责任落实 | 20 | deduct | 3
A2 | 内部环境卫生 | 30 | grade | 1,0.8,0.6,0
A3 | 绿化养护 | 50 | points
"""


def _items():
    return rules.parse_items(ITEMS)


def test_it_reads_items_one_a_line():
    a1, a2, a3 = _items()
    assert (a1.code, a1.points, a1.method, a1.per_occurrence) == ("A1", D("20"), "deduct", D("3"))
    assert a2.grades == (D("1"), D("0.8"), D("0.6"), D("0"))
    assert (a3.method, a3.per_occurrence, a3.grades) == ("points", None, ())


@pytest.mark.parametrize(
    "line, written",
    [
        ("A1 | 门前三包责任落实 | 20.00 | deduct | 3.0", "A1 | 门前三包责任落实 | 20 | deduct | 3"),
        ("A2 ｜ 内部环境卫生 | 30 | grade | 1, 0.80, 0.6, 0.00", "A2 | 内部环境卫生 | 30 | grade | 1,0.8,0.6,0"),
        ("B | 秩序 | 10 | grade", "B | 秩序 | 10 | grade | 1,0.66,0.33,0"),
        ("A3 | 绿化养护 | 12.5 | points | ignored", "A3 | 绿化养护 | 12.5 | points"),
        ("C | 百分 | 100 | deduct | 0.25", "C | 百分 | 100 | deduct | 0.25"),
    ],
)
def test_an_item_is_written_back_as_the_line_that_reads_as_the_same_item(line, written):
    """What the edit form shows (and the audit trail records) reads back into an equal item."""
    (item,) = rules.parse_items(line)
    assert item.as_line() == written
    assert rules.parse_items(written) == [item]


def test_a_grade_item_without_grades_takes_the_assessments_defaults():
    (item,) = rules.parse_items("B | 秩序 | 10 | grade")
    assert item.grades == (D("1"), D("0.66"), D("0.33"), D("0"))


@pytest.mark.parametrize(
    "text, says",
    [
        ("", "至少"),
        ("A1 | 门前 | 20", "代码"),
        ("A1 | 门前 | -2 | points", "分值"),
        ("A1 | 门前 | 20 | guess", "deduct、grade 或 points"),
        ("A1 | 门前 | 20 | deduct", "每次扣分"),
        ("A1 | 门前 | 20 | deduct | 30", "每次扣分"),
        ("A1 | 门前 | 20 | grade | 0.5,1", "档次"),
        ("A1 | 门前 | 20 | points\nA1 | 内部 | 10 | points", "重复"),
    ],
)
def test_it_refuses_bad_items_with_a_message_naming_the_line(text, says, settings):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(rules.RulesError) as refused:
        rules.parse_items(text)
    assert says in "\n".join(refused.value.messages)


@pytest.mark.parametrize(
    "code, value, lost",
    [
        ("A1", D("0"), D("0.00")),
        ("A1", D("2"), D("6.00")),
        ("A1", D("7"), D("20.00")),  # 7 × 3 = 21, never below 0: the item loses its 20 points
        ("A2", D("0"), D("0.00")),
        ("A2", D("1"), D("6.00")),  # 30 × (1 − 0.8)
        ("A2", D("3"), D("30.00")),
        ("A3", D("12.5"), D("12.50")),
        ("A3", None, D("0.00")),  # no result yet: nothing lost (the sheet says so)
    ],
)
def test_points_lost_per_item(code, value, lost):
    item = {i.code: i for i in _items()}[code]
    assert rules.item_lost(item, value) == lost


@pytest.mark.parametrize(
    "code, value",
    [
        ("A1", "1.5"),
        ("A1", "-1"),
        ("A1", "1000"),
        ("A2", "4"),
        ("A2", "0.5"),
        ("A3", "50.01"),
        ("A3", "1.234"),
        ("A3", "x"),
    ],
)
def test_it_refuses_a_result_the_item_cannot_take(code, value):
    item = {i.code: i for i in _items()}[code]
    with pytest.raises(ValueError):
        rules.check_value(item, value)


def test_a_units_total_and_rate():
    total = rules.unit_total(_items(), {"A1": D("2"), "A2": D("1")})
    # 100 − 6 − 6 − 0
    assert (total.score, total.max_score, total.rate, total.missing) == (D("88.00"), D("100.00"), D("0.880000"), 1)


def test_ranks_with_ties_per_city_street_and_kind():
    """GIVEN five units: two in street S tied at 0.9, one in S at 0.8, two in street T
    WHEN ranked THEN the city reads 1, 2, 2, 4, 5 and each street and kind ranks on its own."""
    rows = [
        ("east", D("0.95"), "T", "enterprise"),
        ("north", D("0.90"), "S", "enterprise"),
        ("south", D("0.90"), "S", "agency"),
        ("west", D("0.80"), "S", "enterprise"),
        ("mid", D("0.70"), "T", "agency"),
    ]
    ranks = rules.rank_all(rows)
    assert [ranks[k].city for k in ("east", "north", "south", "west", "mid")] == [1, 2, 2, 4, 5]
    assert [ranks[k].street for k in ("north", "south", "west")] == [1, 1, 3]
    assert [ranks[k].street for k in ("east", "mid")] == [1, 2]
    assert [ranks[k].kind for k in ("east", "north", "west")] == [1, 2, 3]
    assert [ranks[k].kind for k in ("south", "mid")] == [1, 2]


def test_a_unit_without_a_street_has_no_street_rank():
    assert rules.rank_all([("lone", D("1"), None, "other")])["lone"].street is None
