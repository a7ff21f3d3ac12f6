"""A target's stage timeline, composed from plain values."""

import datetime

import pytest

from gongjian.creation.timeline import AHEAD, CURRENT, DONE, SKIPPED, steps

APPLIED, ASSESSED, RESULT = datetime.date(2026, 3, 1), datetime.date(2026, 3, 9), datetime.date(2026, 4, 2)


@pytest.mark.parametrize(
    "stage, certificate, states",
    [
        ("applied", False, [DONE, CURRENT, AHEAD, AHEAD]),
        ("self_assessed", False, [DONE, DONE, CURRENT, AHEAD]),
        ("passed", False, [DONE, DONE, DONE, CURRENT]),
        ("passed", True, [DONE, DONE, DONE, DONE]),
        ("failed", False, [DONE, DONE, DONE, SKIPPED]),
    ],
)
def test_each_stage_marks_what_is_done_and_what_comes_next(stage, certificate, states):
    result = steps(
        stage=stage, applied_on=APPLIED, self_assessed_on=ASSESSED, result_on=RESULT, has_certificate=certificate
    )
    assert [s.state for s in result] == states
    assert result[0].on == APPLIED
    assert result[1].on == (ASSESSED if states[1] == DONE else None)
    assert result[2].on == (RESULT if states[2] == DONE else None)


def test_a_returned_target_shows_its_self_assessment_as_the_next_step_again():
    result = steps(
        stage="applied", applied_on=APPLIED, self_assessed_on=ASSESSED, result_on=None, has_certificate=False
    )
    assert result[1].state == CURRENT and result[1].on is None
