"""The assessment's propaganda-position indicator (``positions_fresh_rate`` of a ``rate`` item),
read by the engine through ``settings.ASSESSMENT_POSITION_FRESHNESS``, and the changes that make a
computed month stale, read by its freshness check through ``settings.ASSESSMENT_POSITION_CHANGES``
(the materials build on the assessment, so the assessment does not import them).

A position counts on a day when it was registered by then; it is fresh on that day when its last
update dated on or before it (``PositionUpdate.updated_on``, not the day it was recorded) is within
its kind's period (``stale.is_stale`` with that day as "today"). So a month is judged as of its
last day with the updates dated in it, whenever they were recorded, and judging it again next
year gives the same answer."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import BigIntegerField, Max, Q
from django.db.models.functions import Cast
from django.utils import timezone

from gongjian.core.models import AuditEvent
from gongjian.materials import stale
from gongjian.materials.models import Position, PositionUpdate
from gongjian.materials.positions import _overrides
from gongjian.organizations.tree import subtree_ids_sql

# Audit actions on position updates that can change a month's indicator.
UPDATE_ACTIONS = ("position.update", "position.update_remove")


def _day_end(day: datetime.date) -> datetime.datetime:
    """The first moment after ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def freshness(*, city_id: int, on: datetime.date) -> dict[int, tuple[int, int, list[tuple[str, str]]]]:
    """{unit id: (fresh, total, [(stale position's name, its last update or ""), ...])} for every
    unit of the city with positions registered by ``on``, judged as of ``on``. Units without
    positions are absent. One query."""
    overrides = _overrides()
    positions = (
        Position.objects.filter(unit_id__in=subtree_ids_sql([city_id]), created_at__lt=_day_end(on))
        .annotate(last_update=Max("updates__updated_on", filter=Q(updates__updated_on__lte=on)))
        .order_by("unit_id", "kind", "name", "id")
        .values_list("unit_id", "kind", "name", "created_at", "last_update")
    )
    out: dict[int, list] = defaultdict(lambda: [0, 0, []])
    for unit_id, kind, name, created_at, last_update in positions:
        row = out[unit_id]
        row[1] += 1
        created_on = timezone.localtime(created_at).date()
        days = stale.period_days(kind, overrides)
        if stale.is_stale(last_update=last_update, created_on=created_on, today=on, days=days):
            row[2].append((name, f"{last_update:%Y-%m-%d}" if last_update else ""))
        else:
            row[0] += 1
    return {unit_id: (fresh, total, names) for unit_id, (fresh, total, names) in out.items()}


def _window(month: datetime.date, kind: str, overrides) -> tuple[datetime.date, datetime.date]:
    """The update dates that can change the month's judgement of a position of this kind: from a
    period before the month's first day to its last day (the month may be judged on any of its
    days while it runs, and on its last day once it is over)."""
    first = month.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first - datetime.timedelta(days=stale.period_days(kind, overrides)), last


def changes_since(*, city_id: int, month: datetime.date, watermark: int) -> int:
    """How many position updates of the city's units dated within reach of the month were recorded
    or removed after the audit event ``watermark`` (a computation's), plus positions registered
    after it by the month's end: each may change a ``positions_fresh_rate`` score."""
    overrides = _overrides()
    after = AuditEvent.objects.filter(id__gt=watermark)
    month_end = _day_end(_window(month, "", overrides)[1])
    in_city = subtree_ids_sql([city_id])
    changed: set[tuple[str, int]] = set()
    recorded = after.filter(action="position.update", target_type=PositionUpdate._meta.label_lower).annotate(
        update_id=Cast("target_id", BigIntegerField())
    )
    for pk, updated_on, kind in PositionUpdate.objects.filter(
        id__in=recorded.values("update_id"), position__unit_id__in=in_city
    ).values_list("id", "updated_on", "position__kind"):
        start, end = _window(month, kind, overrides)
        if start <= updated_on <= end:
            changed.add(("update", pk))
    removed = after.filter(action="position.update_remove", target_type=PositionUpdate._meta.label_lower)
    rows = [(pk, c) for pk, c in removed.values_list("target_id", "changes") if isinstance(c, dict)]
    city_units = _in_city(city_id, {c.get("unit") for _pk, c in rows})
    for pk, change in rows:
        try:
            updated_on = datetime.date.fromisoformat(str(change.get("updated_on")))
        except ValueError:
            continue
        start, end = _window(month, str(change.get("kind") or ""), overrides)
        if change.get("unit") in city_units and start <= updated_on <= end:
            changed.add(("update", int(pk)) if str(pk).isdigit() else ("removed", len(changed)))
    registered = after.filter(action="position.register", target_type=Position._meta.label_lower).annotate(
        position_id=Cast("target_id", BigIntegerField())
    )
    for pk in Position.objects.filter(
        id__in=registered.values("position_id"), unit_id__in=in_city, created_at__lt=month_end
    ).values_list("id", flat=True):
        changed.add(("position", pk))
    return len(changed)


def _in_city(city_id: int, unit_ids) -> set[int]:
    from gongjian.organizations.models import Unit

    wanted = [u for u in unit_ids if isinstance(u, int)]
    if not wanted:
        return set()
    in_city = Unit.objects.filter(id__in=subtree_ids_sql([city_id]))
    return set(in_city.filter(id__in=wanted).values_list("id", flat=True))
