"""Reverse scheduling on the official calendar: hand-computed around National Day 2025, whose
holiday runs 1–8 October with make-up working days on Sunday 28 September and Saturday 11 October."""

import datetime

import pytest

from gongjian.plans.schedule import ScheduleError, TaskSpec, reverse_schedule

D = datetime.date


def tasks(*rows):
    return [TaskSpec(key=k, name=k, duration=d, predecessors=tuple(p)) for k, d, p in rows]


PLAN = tasks(("A", 2, ""), ("B", 3, "A"), ("C", 2, "AB"), ("D", 1, "A"))


@pytest.mark.parametrize(
    "key, start, finish",
    [
        # C ends on the target (Monday 13 Oct) and takes the make-up Saturday 11 Oct as its first day.
        ("C", D(2025, 10, 11), D(2025, 10, 13)),
        # B ends the working day before (Fri 10 Oct) and its three days jump the holiday: 30 Sep, 9, 10 Oct.
        ("B", D(2025, 9, 30), D(2025, 10, 10)),
        # D has no successor: it too may end on the target.
        ("D", D(2025, 10, 13), D(2025, 10, 13)),
        # A must be done before B starts: Monday 29 Sep, and it starts on the make-up Sunday 28 Sep.
        ("A", D(2025, 9, 28), D(2025, 9, 29)),
    ],
)
def test_latest_dates_count_back_over_the_holiday_and_make_up_days(key, start, finish):
    slot = reverse_schedule(PLAN, target=D(2025, 10, 13)).slots[key]
    assert (slot.latest_start, slot.latest_finish) == (start, finish)


def test_the_critical_path_is_the_longest_chain_and_other_tasks_have_slack():
    result = reverse_schedule(PLAN, target=D(2025, 10, 13))
    assert result.critical_path == ["A", "B", "C"]
    assert result.slots["D"].slack == 4 and not result.slots["D"].critical
    assert result.slots["B"].slack == 0 and result.slots["B"].critical


def test_a_target_on_a_holiday_ends_on_the_last_working_day_before_it():
    slot = reverse_schedule(tasks(("X", 1, "")), target=D(2025, 10, 5)).slots["X"]
    assert slot.latest_finish == D(2025, 9, 30)


def test_moving_the_target_moves_every_date():
    later = reverse_schedule(PLAN, target=D(2025, 10, 20)).slots
    assert (later["C"].latest_start, later["C"].latest_finish) == (D(2025, 10, 17), D(2025, 10, 20))
    # B: 14–16 Oct; A ends Monday 13 Oct and starts on the make-up Saturday 11 Oct.
    assert (later["A"].latest_start, later["A"].latest_finish) == (D(2025, 10, 11), D(2025, 10, 13))


def test_a_plan_that_would_start_too_early_names_the_task_that_does_not_fit():
    result = reverse_schedule(PLAN, target=D(2025, 10, 13), not_before=D(2025, 9, 29))
    assert not result.feasible
    assert [m.key for m in result.misfits] == ["A"]
    assert "A" in result.misfits[0].message and "2025-09-28" in result.misfits[0].message


def test_a_task_already_under_way_is_not_a_misfit():
    result = reverse_schedule(PLAN, target=D(2025, 10, 13), not_before=D(2025, 9, 29), started=["A"])
    assert result.feasible


def test_tasks_waiting_for_each_other_in_a_circle_are_refused_naming_them():
    with pytest.raises(ScheduleError, match="B → C → B|C → B → C"):
        reverse_schedule(tasks(("A", 1, ""), ("B", 1, "AC"), ("C", 1, "B")), target=D(2025, 10, 13))


def test_a_task_waiting_for_itself_is_a_circle():
    with pytest.raises(ScheduleError):
        reverse_schedule(tasks(("A", 1, "A")), target=D(2025, 10, 13))


@pytest.mark.parametrize("duration", [0, -1, True])
def test_a_duration_under_one_working_day_is_refused(duration):
    with pytest.raises(ScheduleError):
        reverse_schedule([TaskSpec(key="A", name="A", duration=duration)], target=D(2025, 10, 13))


def test_an_unknown_predecessor_is_refused():
    with pytest.raises(ScheduleError):
        reverse_schedule(tasks(("A", 1, "Z")), target=D(2025, 10, 13))


def test_a_plain_weekday_calendar_can_be_swapped_in():
    weekdays = reverse_schedule(PLAN, target=D(2025, 10, 13), workday=lambda d: d.weekday() < 5).slots
    assert weekdays["C"].latest_start == D(2025, 10, 10)
