"""How far a deadline is, counted on the working-day calendar: "超期 5 个工作日", "剩 2 个工作日",
"今天到期". Pure functions: the caller passes the moment it is and, for tests or a city with its
own calendar, the working-day predicate (gongjian/inspections/workdays.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gongjian.inspections.workdays import Workday, is_workday, working_days_between

OVERDUE, DUE_TODAY, LEFT = "overdue", "due_today", "left"


@dataclass(frozen=True)
class Standing:
    kind: str  # OVERDUE, DUE_TODAY or LEFT
    days: int  # working days overdue (OVERDUE) or left (LEFT); 0 for DUE_TODAY

    @property
    def label(self) -> str:
        if self.kind == OVERDUE:
            if self.days == 0:
                return _("Past the deadline")
            return ngettext("Overdue by %(n)s working day", "Overdue by %(n)s working days", self.days) % {
                "n": self.days
            }
        if self.kind == DUE_TODAY:
            return _("Due today")
        return ngettext("%(n)s working day left", "%(n)s working days left", self.days) % {"n": self.days}

    @property
    def is_overdue(self) -> bool:
        return self.kind == OVERDUE


def deadline_standing(
    deadline: datetime.datetime, now: datetime.datetime, *, workday: Workday = is_workday
) -> Standing:
    """Where a deadline stands at ``now`` (both timezone-aware; days are counted in ``now``'s zone).

    Past the deadline: overdue by the working days since the deadline's day, up to and including
    today (a deadline on Friday is overdue by 1 working day on Monday, by 0 over the weekend, which
    reads "已超期"). Before it: due today when the deadline falls today, else the working days from
    tomorrow up to the deadline's day (a deadline on Monday seen on Saturday leaves 1 working day)."""
    if deadline.tzinfo is None or now.tzinfo is None:
        raise ValueError("deadline_standing() takes timezone-aware datetimes")
    today = now.date()
    deadline_day = deadline.astimezone(now.tzinfo).date()
    if now > deadline:
        return Standing(OVERDUE, working_days_between(deadline_day, today, workday=workday))
    if deadline_day == today:
        return Standing(DUE_TODAY, 0)
    return Standing(LEFT, working_days_between(today, deadline_day, workday=workday))
