"""The assessment calendar as a table: dates in, decisions out (no database)."""

import datetime

import pytest

from gongjian.assessments import calendar_rules as cal

NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)
D = datetime.date


@pytest.mark.parametrize(
    ("month", "today", "reason", "allowed", "code"),
    [
        (DEC, D(2026, 11, 30), "", False, cal.NOT_STARTED),
        (DEC, D(2026, 11, 30), "   ", False, cal.NOT_STARTED),
        (DEC, D(2026, 11, 30), "提前布置检查", True, cal.FORCED),
        (DEC, D(2026, 12, 1), "", True, cal.OK),
        (DEC, D(2026, 12, 6), "", True, cal.OK),
        (NOV, D(2026, 12, 6), "", True, cal.OK),
    ],
)
def test_a_month_opens_once_it_has_started_or_with_a_reason(month, today, reason, allowed, code):
    decision = cal.open_decision(month=month, today=today, force_reason=reason)
    assert (decision.allowed, decision.code) == (allowed, code)
    assert decision.forced == (code == cal.FORCED)


@pytest.mark.parametrize(
    ("month", "today", "reason", "allowed", "code", "preview"),
    [
        (DEC, D(2026, 11, 30), "", False, cal.NOT_STARTED, False),
        (DEC, D(2026, 11, 30), "省检前提前结算", True, cal.FORCED, False),
        (DEC, D(2026, 12, 1), "", True, cal.PREVIEW, True),
        (DEC, D(2026, 12, 6), "", True, cal.PREVIEW, True),
        (DEC, D(2026, 12, 31), "", True, cal.PREVIEW, True),
        (DEC, D(2026, 12, 6), "省检前提前结算", True, cal.FORCED, False),
        (DEC, D(2027, 1, 1), "", True, cal.OK, False),
        (NOV, D(2026, 12, 6), "", True, cal.OK, False),
        (datetime.date(2026, 2, 1), D(2026, 2, 28), "", True, cal.PREVIEW, True),
        (datetime.date(2026, 2, 1), D(2026, 3, 1), "", True, cal.OK, False),
    ],
)
def test_computing_a_running_month_is_a_month_to_date_preview_unless_closed_early(
    month, today, reason, allowed, code, preview
):
    decision = cal.compute_decision(month=month, today=today, force_reason=reason)
    assert (decision.allowed, decision.code, decision.preview) == (allowed, code, preview)


@pytest.mark.parametrize(
    ("month", "today", "preview", "early_close", "allowed", "code"),
    [
        (DEC, D(2026, 12, 6), True, "", False, cal.IS_PREVIEW),
        (DEC, D(2027, 1, 2), True, "", False, cal.IS_PREVIEW),
        (DEC, D(2026, 12, 6), False, "", False, cal.RUNNING),
        (DEC, D(2026, 12, 31), False, "", False, cal.RUNNING),
        (DEC, D(2026, 12, 6), False, "省检前提前结算", True, cal.FORCED),
        (DEC, D(2027, 1, 1), False, "", True, cal.OK),
        (NOV, D(2026, 12, 6), False, "", True, cal.OK),
    ],
)
def test_a_month_is_published_after_it_ends_from_a_final_computation(month, today, preview, early_close, allowed, code):
    decision = cal.publish_decision(
        month=month, today=today, computed_as_preview=preview, early_close_reason=early_close
    )
    assert (decision.allowed, decision.code) == (allowed, code)


def test_every_refusal_explains_itself():
    for code in (cal.NOT_STARTED, cal.RUNNING, cal.IS_PREVIEW):
        assert cal.Decision(False, code).message


@pytest.mark.parametrize(
    ("month", "end"),
    [(DEC, D(2027, 1, 1)), (NOV, D(2026, 12, 1)), (D(2028, 2, 1), D(2028, 3, 1)), (D(2026, 1, 15), D(2026, 2, 1))],
)
def test_a_month_ends_on_the_first_day_of_the_next(month, end):
    assert cal.month_end(month) == end
