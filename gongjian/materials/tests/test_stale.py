"""A propaganda position is stale once its period has passed without an update."""

import datetime
from decimal import Decimal

import pytest

from gongjian.materials.stale import due_on, freshness, is_stale, period_days

D = datetime.date


@pytest.mark.parametrize(
    ("last", "created", "today", "days", "expected"),
    [
        (D(2026, 11, 1), D(2026, 1, 1), D(2026, 12, 1), 31, False),  # the 31st day is still in time
        (D(2026, 11, 1), D(2026, 1, 1), D(2026, 12, 2), 31, False),  # due on 2 December
        (D(2026, 11, 1), D(2026, 1, 1), D(2026, 12, 3), 31, True),
        (None, D(2026, 11, 20), D(2026, 12, 6), 31, False),  # new and never updated: counted from registration
        (None, D(2026, 10, 1), D(2026, 12, 6), 31, True),
        (D(2026, 12, 1), D(2026, 1, 1), D(2026, 12, 6), 7, False),
        (D(2026, 11, 28), D(2026, 1, 1), D(2026, 12, 6), 7, True),
    ],
)
def test_stale_after_the_period(last, created, today, days, expected):
    assert is_stale(last_update=last, created_on=created, today=today, days=days) is expected


def test_the_due_day_counts_from_the_last_update():
    assert due_on(last_update=D(2026, 2, 1), created_on=D(2025, 1, 1), days=31) == D(2026, 3, 4)


@pytest.mark.parametrize(
    ("kind", "overrides", "expected"),
    [("blackboard", None, 31), ("screen", None, 7), ("sign", None, 366), ("blackboard", {"blackboard": 14}, 14)],
)
def test_each_kind_has_its_period_and_settings_can_change_it(kind, overrides, expected):
    assert period_days(kind, overrides) == expected


@pytest.mark.parametrize(
    ("flags", "stale", "rate"),
    [([], 0, Decimal("0")), ([False, False], 0, Decimal("0")), ([True, False, False], 1, Decimal("0.3333"))],
)
def test_the_stale_rate_of_a_unit(flags, stale, rate):
    result = freshness(flags)
    assert (result.total, result.stale, result.stale_rate) == (len(flags), stale, rate)
