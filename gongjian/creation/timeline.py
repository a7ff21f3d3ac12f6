"""A target's page, composed: the stage timeline (pure: plain values in, steps out) and its audited
moves as rows for people to read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.creation.workflow import Stage

DONE, CURRENT, AHEAD, SKIPPED = "done", "current", "ahead", "skipped"

#: The audit actions of creation targets, as people read them.
ACTION_LABELS = {
    "creation.apply": _("Applied"),
    "creation.self_assess": _("Self-assessment submitted"),
    "creation.return": _("Returned for another self-assessment"),
    "creation.pass": _("Standard met (达标)"),
    "creation.fail": _("Standard not met (未达标)"),
    "creation.certify": _("Certificate attached"),
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str  # done, current (the next thing to happen), todo, skipped
    on: datetime.date | None = None


def steps(
    *,
    stage: str,
    applied_on: datetime.date,
    self_assessed_on: datetime.date | None,
    result_on: datetime.date | None,
    has_certificate: bool,
) -> list[Step]:
    """Application → self-assessment → the city's review → certificate, each done, current, to do or
    skipped (no certificate after 未达标)."""
    assessed = stage in (Stage.SELF_ASSESSED, Stage.PASSED, Stage.FAILED)
    reviewed = stage in (Stage.PASSED, Stage.FAILED)
    if stage == Stage.PASSED:
        review_label = _("Review: standard met")
    elif stage == Stage.FAILED:
        review_label = _("Review: standard not met")
    else:
        review_label = _("The city's review")
    if has_certificate:
        certificate = DONE
    elif stage == Stage.PASSED:
        certificate = CURRENT
    elif stage == Stage.FAILED:
        certificate = SKIPPED
    else:
        certificate = AHEAD
    return [
        Step("applied", _("Application filed"), DONE, applied_on),
        Step(
            "self_assessed",
            _("Self-assessment"),
            DONE if assessed else CURRENT,
            self_assessed_on if assessed else None,
        ),
        Step(
            "reviewed",
            review_label,
            DONE if reviewed else (CURRENT if assessed else AHEAD),
            result_on if reviewed else None,
        ),
        Step("certificate", _("Certificate"), certificate),
    ]


def stage_steps(target, events) -> list[Step]:
    """The steps of one target; the self-assessment's date is its last submission's (from ``events``)."""
    submitted = [e.at for e in events if e.action == "creation.self_assess"]
    return steps(
        stage=target.stage,
        applied_on=target.applied_on,
        self_assessed_on=timezone.localdate(submitted[-1]) if submitted else None,
        result_on=target.result_on,
        has_certificate=bool(target.certificate),
    )


def history_rows(events) -> list[dict]:
    """The audit events of one target as rows: when, who, what, the stage before and after, the note."""
    labels = dict(Stage.choices)
    rows = []
    for event in events:
        rows.append(
            {
                "at": event.at,
                "who": (event.actor.get_full_name() or event.actor.username) if event.actor_id else "",
                "what": ACTION_LABELS.get(event.action, event.action),
                "from": labels.get(event.from_state, ""),
                "to": labels.get(event.to_state, ""),
                "note": event.note,
                "file": (event.changes or {}).get("certificate", ""),
            }
        )
    return rows
