"""A job's stage and message are stored as English source strings (numbers filled in) and shown in
each viewer's language. Modules that report stages register their msgids here (``register``)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

WAITING = gettext_noop("Waiting to start")
STARTING = gettext_noop("Starting")
STORING = gettext_noop("Storing the file")
DONE = gettext_noop("Done")
WAITING_AGAIN = gettext_noop("Waiting to be made again")
RETRY_MESSAGE = gettext_noop("The work stopped before it was finished; it is being done again.")
STOPPED_MESSAGE = gettext_noop(
    "The work stopped before it was finished (its worker was interrupted); ask for it again."
)
FAILED_MESSAGE = gettext_noop("The work could not be done. The error has been logged; ask for it again later.")
LOST_MESSAGE = gettext_noop("Nothing picked the work up from the queue; ask for it again.")
QUEUE_FAILED_MESSAGE = gettext_noop("The work could not be queued; ask for it again later.")

_PATTERNS: dict[str, re.Pattern] = {}


def _pattern(msgid: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", msgid)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(parts)), re.S)


def register(*msgids: str) -> None:
    """Make these English stage or message texts show translated (call at import time)."""
    for msgid in msgids:
        _PATTERNS.setdefault(msgid, _pattern(msgid))


register(
    WAITING,
    STARTING,
    STORING,
    DONE,
    WAITING_AGAIN,
    RETRY_MESSAGE,
    STOPPED_MESSAGE,
    FAILED_MESSAGE,
    LOST_MESSAGE,
    QUEUE_FAILED_MESSAGE,
)


def english(text) -> str:
    """What a body reported, in English when it says (``.english``, e.g. ``binder.StageText``)."""
    return getattr(text, "english", None) or str(text)


def fill(msgid: str, **params) -> str:
    """An English text with its numbers filled in, to store."""
    return msgid % params if params else msgid


def shown(stored: str) -> str:
    """A stored stage or message in the current language; unknown text is shown as stored."""
    if not stored:
        return ""
    for msgid, pattern in _PATTERNS.items():
        if match := pattern.fullmatch(stored):
            try:
                return _(msgid) % match.groupdict() if match.groupdict() else _(msgid)
            except (KeyError, TypeError, ValueError):  # a broken translation: show it as stored
                return stored
    return stored
