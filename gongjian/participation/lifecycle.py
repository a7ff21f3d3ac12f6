"""The life of an activity as a pure state machine (no ORM).

    planned ──hold──▶ held ──archive──▶ archived
       │
       └──cancel (with a reason)──▶ cancelled

An activity recorded after the fact starts as held (``services.activity_record``). Held and
archived activities count (volunteers' hours, pairings' joint activities, the archive);
cancelled ones keep their reason and count for nothing. A planned activity whose date has passed
is overdue (``is_overdue``) until it is held or cancelled: it waits in the community's work queue.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from gongjian.participation.choices import ActivityStatus

PLANNED, HELD, ARCHIVED, CANCELLED = (
    ActivityStatus.PLANNED.value,
    ActivityStatus.HELD.value,
    ActivityStatus.ARCHIVED.value,
    ActivityStatus.CANCELLED.value,
)


class Action(StrEnum):
    HOLD = "hold"
    CANCEL = "cancel"
    ARCHIVE = "archive"


TRANSITIONS: dict[tuple[str, Action], str] = {
    (PLANNED, Action.HOLD): HELD,
    (PLANNED, Action.CANCEL): CANCELLED,
    (HELD, Action.ARCHIVE): ARCHIVED,
}

_REFUSALS = {
    Action.HOLD: _("Only a planned activity can be recorded as held."),
    Action.CANCEL: _("Only a planned activity can be cancelled."),
    Action.ARCHIVE: _("Only a held activity can be archived."),
}


class TransitionRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def decide(state: str, action: Action) -> str:
    """The state after ``action``, or ``TransitionRefused`` saying why not."""
    try:
        return TRANSITIONS[(state, Action(action))]
    except (KeyError, ValueError):
        raise TransitionRefused(_REFUSALS.get(action, _("This cannot be done to this activity."))) from None


def actions_from(state: str) -> list[Action]:
    """What may be done to an activity in this state (the buttons a page offers)."""
    return [action for (source, action) in TRANSITIONS if source == state]


def is_overdue(state: str, planned_day: datetime.date, today: datetime.date) -> bool:
    """A planned activity whose (calendar) day has passed without being held or cancelled."""
    return state == PLANNED and planned_day < today
