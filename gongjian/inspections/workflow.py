"""The rectification loop as a pure state machine (no ORM).

    open ──rectify──▶ submitted ──pass──▶ closed
      ▲                   │
      └──────fail (rework)┘
    open / submitted ──void──▶ void
    open ──request extension / decide extension──▶ open
    closed ──reopen (the resident says "not solved")──▶ open   (a rework, like a failed re-check)

Who may act is described by ``Capacity``: plain booleans the service works out from the access
module for one actor and one problem. ``decide`` says which state follows, or refuses with a
reason the user can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

OPEN, SUBMITTED, CLOSED, VOID = "open", "submitted", "closed", "void"


class Action(StrEnum):
    RECTIFY = "rectify"
    PASS = "pass"
    FAIL = "fail"
    VOID = "void"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    REOPEN = "reopen"


@dataclass(frozen=True)
class Capacity:
    """What one actor is to one problem."""

    responsible: bool = False  # works at the responsible unit (or above it, in its chain)
    inspector: bool = False  # may re-check problems at that unit
    supervisor: bool = False  # city office or street officer over that unit
    voider: bool = False  # may void reports at that unit (inspectors, city office)
    complainant: bool = False  # the resident who reported it (holder of the follow-up link)


TRANSITIONS: dict[tuple[str, Action], str] = {
    (OPEN, Action.RECTIFY): SUBMITTED,
    (SUBMITTED, Action.PASS): CLOSED,
    (SUBMITTED, Action.FAIL): OPEN,
    (OPEN, Action.VOID): VOID,
    (SUBMITTED, Action.VOID): VOID,
    (OPEN, Action.REQUEST_EXTENSION): OPEN,
    (OPEN, Action.DECIDE_EXTENSION): OPEN,
    (CLOSED, Action.REOPEN): OPEN,
}

WHO_MAY: dict[Action, str] = {
    Action.RECTIFY: "responsible",
    Action.PASS: "inspector",
    Action.FAIL: "inspector",
    Action.VOID: "voider",
    Action.REQUEST_EXTENSION: "responsible",
    Action.DECIDE_EXTENSION: "supervisor",
    Action.REOPEN: "complainant",
}

_WHO_MESSAGES = {
    "responsible": _("Only the responsible unit can do this."),
    "inspector": _("Only an inspector can re-check a rectification."),
    "voider": _("Only an inspector or the city office can void a problem."),
    "supervisor": _("Only the city office or the street can decide on an extension."),
    "complainant": _("Only the resident who reported it can say it is not solved."),
}


class TransitionRefused(Exception):
    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


def decide(state: str, action: Action, capacity: Capacity) -> str:
    """The state after ``action``, or ``TransitionRefused`` with why not."""
    if (state, action) not in TRANSITIONS:
        if state in (CLOSED, VOID):
            raise TransitionRefused("final", _("This problem is already closed or void and cannot change."))
        raise TransitionRefused("wrong_state", _("This cannot be done while the problem is in its current state."))
    needed = WHO_MAY[action]
    if not getattr(capacity, needed):
        raise TransitionRefused("not_allowed", _WHO_MESSAGES[needed])
    return TRANSITIONS[(state, action)]


def allowed_actions(state: str, capacity: Capacity) -> set[Action]:
    """Every action the actor could take now: what the problem page offers."""
    allowed = set()
    for action in Action:
        try:
            decide(state, action, capacity)
        except TransitionRefused:
            continue
        allowed.add(action)
    return allowed
