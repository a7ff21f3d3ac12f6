"""Reverse scheduling (倒排) of a plan's tasks on the working-day calendar.

Given the date everything must be finished by (the target, inclusive), each task's duration in
working days and its predecessors, compute each task's latest start and latest finish: a task
without successors finishes on the last working day on or before the target; any other task
finishes on the working day before the earliest latest start of its successors. A task of ``n``
working days starts on the ``n``-th working day counted back from its finish, the finish day
included. Working days follow China's official calendar with make-up weekends (调休), through
``gongjian.inspections.workdays``.

The critical path is the longest chain of tasks (by working days) that ends at the target; a
task's slack is how many working days shorter the longest chain through it is. When the plan
may not start before a given day (its start date, or today), every task whose latest start falls
earlier is reported by name: the plan is impossible as it stands.

Pure: plain values in, plain values out; ``workday`` can be swapped for tests.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from gongjian.inspections.workdays import MAX_DAYS_WITHOUT_WORK, Workday, is_workday


class ScheduleError(ValueError):
    """The tasks cannot be scheduled at all (a cycle, an unknown predecessor, a bad duration)."""


@dataclass(frozen=True)
class TaskSpec:
    key: str
    name: str
    duration: int  # working days, at least 1
    predecessors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Slot:
    key: str
    latest_start: datetime.date
    latest_finish: datetime.date
    slack: int  # working days shorter than the critical path
    critical: bool


@dataclass(frozen=True)
class Misfit:
    key: str
    name: str
    latest_start: datetime.date
    not_before: datetime.date

    @property
    def message(self) -> str:
        return _("“%(task)s” would have to start on %(start)s, before %(not_before)s: the plan cannot be met.") % {
            "task": self.name,
            "start": f"{self.latest_start:%Y-%m-%d}",
            "not_before": f"{self.not_before:%Y-%m-%d}",
        }


@dataclass
class Schedule:
    target: datetime.date
    slots: dict[str, Slot] = field(default_factory=dict)
    critical_path: list[str] = field(default_factory=list)
    misfits: list[Misfit] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.misfits


def workday_on_or_before(day: datetime.date, *, workday: Workday = is_workday) -> datetime.date:
    for _n in range(MAX_DAYS_WITHOUT_WORK):
        if workday(day):
            return day
        day -= datetime.timedelta(days=1)
    raise ScheduleError(_("No working day found before %(day)s.") % {"day": day})


def previous_workday(day: datetime.date, *, workday: Workday = is_workday) -> datetime.date:
    return workday_on_or_before(day - datetime.timedelta(days=1), workday=workday)


def start_for(finish: datetime.date, duration: int, *, workday: Workday = is_workday) -> datetime.date:
    """The first day of ``duration`` working days ending on the working day ``finish``."""
    day = finish
    for _n in range(duration - 1):
        day = previous_workday(day, workday=workday)
    return day


def _order(tasks: Sequence[TaskSpec]) -> list[TaskSpec]:
    """The tasks in an order where every predecessor comes first (Kahn); refuses cycles."""
    by_key = {t.key: t for t in tasks}
    if len(by_key) != len(tasks):
        raise ScheduleError(_("Two tasks have the same key."))
    for t in tasks:
        if isinstance(t.duration, bool) or not isinstance(t.duration, int) or t.duration < 1:
            raise ScheduleError(_("“%(task)s”: the duration must be at least one working day.") % {"task": t.name})
        for p in t.predecessors:
            if p not in by_key:
                raise ScheduleError(_("“%(task)s” waits for a task that is not in the plan.") % {"task": t.name})
    waiting = {t.key: set(t.predecessors) for t in tasks}
    ordered: list[TaskSpec] = []
    ready = [t.key for t in tasks if not waiting[t.key]]
    while ready:
        key = ready.pop(0)
        ordered.append(by_key[key])
        for t in tasks:
            if key in waiting[t.key]:
                waiting[t.key].discard(key)
                if not waiting[t.key]:
                    ready.append(t.key)
    if len(ordered) != len(tasks):
        cycle = _find_cycle({k: v for k, v in waiting.items() if v}, by_key)
        raise ScheduleError(
            _("The tasks wait for each other in a circle: %(cycle)s. Remove one of these predecessors.")
            % {"cycle": " → ".join(by_key[k].name for k in cycle)}
        )
    return ordered


def check_order(tasks: Sequence[TaskSpec]) -> None:
    """Raise ScheduleError when the tasks cannot be ordered (a circle, an unknown predecessor)."""
    _order(list(tasks))


def _find_cycle(waiting: dict[str, set[str]], by_key: dict[str, TaskSpec]) -> list[str]:
    start = sorted(waiting)[0]
    path, seen = [start], {start: 0}
    node = start
    while True:
        node = sorted(p for p in waiting[node] if p in waiting)[0]
        if node in seen:
            cycle = path[seen[node] :] + [node]
            return list(reversed(cycle))
        seen[node] = len(path)
        path.append(node)


def reverse_schedule(
    tasks: Iterable[TaskSpec],
    *,
    target: datetime.date,
    not_before: datetime.date | None = None,
    started: Iterable[str] = (),
    workday: Workday = is_workday,
) -> Schedule:
    """Latest start and finish of every task, the critical path and the tasks that do not fit
    after ``not_before`` (tasks in ``started`` are under way and exempt). Raises ScheduleError."""
    tasks = list(tasks)
    ordered = _order(tasks)
    successors: dict[str, list[str]] = {t.key: [] for t in tasks}
    for t in tasks:
        for p in t.predecessors:
            successors[p].append(t.key)
    by_key = {t.key: t for t in tasks}
    end = workday_on_or_before(target, workday=workday)
    finish: dict[str, datetime.date] = {}
    start: dict[str, datetime.date] = {}
    tail: dict[str, int] = {}  # longest chain from the task (included) to the target, in working days
    for t in reversed(ordered):
        after = successors[t.key]
        if after:
            finish[t.key] = previous_workday(min(start[s] for s in after), workday=workday)
            tail[t.key] = t.duration + max(tail[s] for s in after)
        else:
            finish[t.key] = end
            tail[t.key] = t.duration
        start[t.key] = start_for(finish[t.key], t.duration, workday=workday)
    head: dict[str, int] = {}  # longest chain into the task (included)
    for t in ordered:
        head[t.key] = t.duration + max((head[p] for p in t.predecessors), default=0)
    longest = max((head[k] + tail[k] - by_key[k].duration for k in by_key), default=0)
    schedule = Schedule(target=target)
    for t in ordered:
        through = head[t.key] + tail[t.key] - t.duration
        schedule.slots[t.key] = Slot(
            key=t.key,
            latest_start=start[t.key],
            latest_finish=finish[t.key],
            slack=longest - through,
            critical=through == longest,
        )
    # The critical path: from the first critical task without a critical predecessor, follow critical successors.
    if tasks:
        node = next(t.key for t in ordered if schedule.slots[t.key].critical and head[t.key] == t.duration)
        path = [node]
        while True:
            nxt = [
                s for s in successors[node] if schedule.slots[s].critical and head[s] == head[node] + by_key[s].duration
            ]
            if not nxt:
                break
            node = sorted(nxt, key=lambda k: [x.key for x in ordered].index(k))[0]
            path.append(node)
        schedule.critical_path = path
    if not_before is not None:
        under_way = set(started)
        for t in ordered:
            if t.key not in under_way and start[t.key] < not_before:
                schedule.misfits.append(
                    Misfit(key=t.key, name=t.name, latest_start=start[t.key], not_before=not_before)
                )
    return schedule
