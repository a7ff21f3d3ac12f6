"""Indicators other apps feed into the month's computation, each through a reader the settings
name (those apps build on the assessment, so the engine does not import them).

- ``positions_fresh_rate`` (``settings.ASSESSMENT_POSITION_FRESHNESS``, gongjian/materials/feed.py):
  the share of a unit's propaganda positions (宣传阵地) — its own and those of the units below it —
  updated within their period as of the day the month is judged (its last day once it is over).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gongjian.assessments.choices import Indicator, Method

NAMES_SHOWN = 5


def wants(leaves, indicator: str) -> bool:
    return any(i.method == Method.RATE and i.indicator == indicator for i in leaves)


def position_freshness(city_id: int, on: datetime.date, leaves) -> dict[int, tuple]:
    """{unit id: (fresh, total, [(stale position, last update), ...])} as of ``on``, when the rule
    set has a ``positions_fresh_rate`` item and the settings name a reader; else {}."""
    reader_path = getattr(settings, "ASSESSMENT_POSITION_FRESHNESS", "")
    if not reader_path or not wants(leaves, Indicator.POSITIONS_FRESH_RATE):
        return {}
    return import_string(reader_path)(city_id=city_id, on=on)


def positions_rate(counts: dict[int, tuple], unit_ids: Iterable[int]) -> tuple[Decimal | None, str]:
    """The fresh share in percent (one decimal, half up) over the given units, and the words the
    deduction line carries: "3/4 · 未按期更新：甲黑板报（2026-01-05）". None when none of the units
    has a position (no case to judge: full points, as for the other rates)."""
    fresh = total = 0
    names: list[tuple[str, str]] = []
    for unit_id in unit_ids:
        row = counts.get(unit_id)
        if row:
            fresh += row[0]
            total += row[1]
            names.extend(row[2])
    if not total:
        return None, ""
    rate = (Decimal(fresh) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    source = f"{fresh}/{total}"
    if names:
        shown = [f"{name}（{last or _('never updated')}）" for name, last in names[:NAMES_SHOWN]]
        more = "…" if len(names) > NAMES_SHOWN else ""
        source += " · " + _("not updated on time: %(names)s") % {"names": "、".join(shown) + more}
    return rate, source


def judged_on(as_of: datetime.datetime, end: datetime.datetime) -> datetime.date:
    """The day the month is judged on: ``as_of``'s day while it runs, its last day once it is over."""
    from django.utils import timezone

    return timezone.localtime(min(as_of, end - datetime.timedelta(microseconds=1))).date()
