"""Checking a rule set before anything is saved: every problem named with its item."""

import pytest
from django.utils import translation

from gongjian.assessments.rulespec import RuleSetInvalid, parse_ruleset

KNOWN = {"06036", "L0101"}


def rules(**changes):
    base = {
        "name": "细则",
        "version": 1,
        "effective_from": "2026-08",
        "total_points": 10,
        "items": [
            {"code": "1", "name": "环境", "points": 10, "children": [
                {"code": "1.1", "name": "乱堆", "points": 6, "method": "deduct", "per_occurrence": 1,
                 "categories": ["06036"]},
                {"code": "1.2", "name": "楼道", "points": 4, "method": "grade", "categories": ["L0101"]},
            ]},
        ],
    }  # fmt: skip
    base.update(changes)
    return base


def errors_of(data) -> list[str]:
    with translation.override("en"), pytest.raises(RuleSetInvalid) as caught:
        parse_ruleset(data, known_categories=KNOWN)
    return caught.value.errors


def test_a_sound_rule_set_parses_into_flat_items_with_parents():
    spec = parse_ruleset(rules(), known_categories=KNOWN)
    assert [(i.code, i.parent, i.method) for i in spec.items] == [
        ("1", "", ""),
        ("1.1", "1", "deduct"),
        ("1.2", "1", "grade"),
    ]
    assert str(spec.effective_from) == "2026-08-01"


def test_flat_rows_with_parent_codes_parse_the_same_as_nested_children():
    flat = [
        {"code": "1", "name": "环境", "points": 10},
        {"code": "1.1", "parent": "1", "name": "乱堆", "points": 6, "method": "deduct", "per_occurrence": 1,
         "categories": "06036"},
        {"code": "1.2", "parent": "1", "name": "楼道", "points": 4, "method": "grade", "categories": "L0101"},
    ]  # fmt: skip
    nested = parse_ruleset(rules(), known_categories=KNOWN).items
    assert parse_ruleset(rules(items=flat), known_categories=KNOWN).items == nested


def test_points_that_do_not_add_up_are_named():
    data = rules(total_points=12)
    data["items"][0]["children"][1]["points"] = 5
    errors = errors_of(data)
    assert any("item 1:" in e and "add up to 11" in e for e in errors)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"categories": []}, "needs problem categories"),
        ({"categories": ["99999"]}, "unknown problem categories 99999"),
        ({"method": "astrology"}, "unknown method astrology"),
        ({"per_occurrence": None}, "points per occurrence"),
        ({"frequency": "weekly"}, "unknown frequency weekly"),
        ({"points": "six"}, "is not a number"),
    ],
)
def test_a_bad_leaf_is_refused_naming_the_item(change, needle):
    data = rules()
    data["items"][0]["children"][0].update(change)
    errors = errors_of(data)
    assert any(needle in e and "1.1" in e for e in errors), errors


def test_a_cycle_in_parent_codes_is_refused():
    flat = [
        {"code": "A", "parent": "B", "name": "甲", "points": 5},
        {"code": "B", "parent": "A", "name": "乙", "points": 5},
    ]
    assert any("cycle" in e for e in errors_of(rules(items=flat)))


def test_an_unknown_parent_and_a_duplicate_code_are_refused():
    flat = [
        {"code": "1", "name": "甲", "points": 10, "method": "manual"},
        {"code": "1", "name": "乙", "points": 0, "method": "manual"},
        {"code": "2", "parent": "9", "name": "丙", "points": 0, "method": "manual"},
    ]
    errors = errors_of(rules(items=flat))
    assert any("used twice" in e for e in errors)
    assert any("parent code 9 does not exist" in e for e in errors)


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("effective_from", "August", "is not a month"),
        ("name", "", "needs a name"),
        ("levels", ["street"], "levels"),
        ("red_flag_threshold", "90", "fraction"),
        ("policy", [{"when": "full_moon", "kind": "x"}], "policy"),
        ("items", [], "no items"),
    ],
)
def test_bad_header_fields_are_named(field, value, needle):
    assert any(needle in e for e in errors_of(rules(**{field: value})))
