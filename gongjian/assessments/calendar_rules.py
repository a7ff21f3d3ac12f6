"""The assessment calendar: when a month may be opened, computed as final and published.

Pure rules: they take dates (and what the month already records) and return a ``Decision``; the
services enforce them and the views and API turn a refusal into a message in the user's language.

- A month cannot be **opened** before it starts.
- Before it **ends**, computing it gives a *month-to-date* preview (截至 D 日), which cannot be
  published; a month that has not started cannot be computed at all.
- A month cannot be **published** before it ends, nor from a preview.
- The city office may force any of these with a reason (e.g. closing a month early before a
  provincial inspection); the reason is recorded on the month, audited, and printed on the sheet
  and the bulletin. A forced computation before the month ends is final (not a preview) and counts
  what is on file at that moment.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# Decision codes (stable: tests and the API's ``code`` field use them).
OK = "ok"
FORCED = "forced"
PREVIEW = "preview"
NOT_STARTED = "not_started"
RUNNING = "running"
IS_PREVIEW = "is_preview"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str
    # For a computation: True when it is a month-to-date preview (not publishable).
    preview: bool = False
    # True when the city office's reason is what allows it.
    forced: bool = False

    @property
    def message(self) -> str:
        return str(MESSAGES.get(self.code, ""))


MESSAGES = {
    NOT_STARTED: _("This month has not started yet. To do this anyway, the city office must give a reason."),
    RUNNING: _(
        "This month has not ended yet: it can be published only after it ends, or when the city office "
        "closes it early with a reason and computes it again."
    ),
    IS_PREVIEW: _(
        "The last computation is a month-to-date preview and cannot be published. Compute the month again "
        "after it ends, or close it early with a reason."
    ),
}


def month_start(month: datetime.date) -> datetime.date:
    return month.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    """The first day after the month."""
    first = month.replace(day=1)
    return (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _forced(reason: str | None) -> bool:
    return bool((reason or "").strip())


def open_decision(*, month: datetime.date, today: datetime.date, force_reason: str = "") -> Decision:
    """May the month's assessment be opened today?"""
    if today >= month_start(month):
        return Decision(True, OK)
    if _forced(force_reason):
        return Decision(True, FORCED, forced=True)
    return Decision(False, NOT_STARTED)


def compute_decision(*, month: datetime.date, today: datetime.date, force_reason: str = "") -> Decision:
    """May the month be computed today, and is the result final or a month-to-date preview?

    ``force_reason`` is the city office's reason to close the month early: the computation is then
    final. Without it, a running month gives a preview and a month not yet started is refused."""
    if today >= month_end(month):
        return Decision(True, OK)
    if _forced(force_reason):
        return Decision(True, FORCED, forced=True)
    if today >= month_start(month):
        return Decision(True, PREVIEW, preview=True)
    return Decision(False, NOT_STARTED)


def publish_decision(
    *, month: datetime.date, today: datetime.date, computed_as_preview: bool, early_close_reason: str = ""
) -> Decision:
    """May the month be published today? A preview never; before the month ends only when the
    city office closed it early (its reason is on the month)."""
    if computed_as_preview:
        return Decision(False, IS_PREVIEW)
    if today >= month_end(month):
        return Decision(True, OK)
    if _forced(early_close_reason):
        return Decision(True, FORCED, forced=True)
    return Decision(False, RUNNING)


def preview_day(counted_until: datetime.datetime | datetime.date) -> int:
    """The D of 截至 D 日: the last day a month-to-date computation counted."""
    return counted_until.day
