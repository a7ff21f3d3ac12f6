"""The results' arithmetic, worked out by hand (Wilson score interval, z = 1.96)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongjian.surveys import stats


@pytest.mark.parametrize(
    "k, n, low, high",
    [
        (0, 10, 0.0000, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0000),
        (81, 100, 0.7222, 0.8749),
        (1, 1, 0.2065, 1.0000),
        (24, 30, 0.6269, 0.9049),
    ],
)
def test_the_wilson_interval_matches_the_table(k, n, low, high):
    lo, hi = stats.wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-4) and hi == pytest.approx(high, abs=5e-4)


def test_no_responses_have_no_interval_and_impossible_counts_are_refused():
    assert stats.wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        stats.wilson_interval(11, 10)


@pytest.mark.parametrize("k, n, rate", [(2, 3, Decimal("66.67")), (1, 8, Decimal("12.50")), (0, 0, None)])
def test_the_rate_is_a_percentage_with_two_decimals(k, n, rate):
    assert stats.rate_percent(k, n) == rate


def test_fewer_than_thirty_responses_carry_the_note():
    assert stats.confidence_note(20, 29)["too_few"] is True
    assert stats.confidence_note(20, 30)["too_few"] is False
    assert stats.confidence_note(5, 10) == {"low": 23.7, "high": 76.3, "too_few": True}
