"""The archive's answer to the monthly assessment: how many points each community loses on the
``evidence`` items of the rule set ("archives weigh 58% or more ... lose points for nothing").

The assessment engine does not import the archives (they build on it); it calls the function
named by ``settings.ASSESSMENT_EVIDENCE_SCORER``, which is ``losses`` below. An evidence item
with no section in the published template stays scored by hand, as before."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q

from gongjian.archives import completeness
from gongjian.archives.models import Evidence
from gongjian.archives.periods import MONTH, QUARTER, YEAR, Period, from_fields, of
from gongjian.archives.selectors import current_template, template_sections

# The period an item of each assessment frequency is judged over, for a given month.
FREQUENCY_PERIOD = {"monthly": MONTH, "quarterly": QUARTER, "annual": YEAR}


def losses(
    *, city_id: int, month: datetime.date, item_ids: list[int], unit_ids: list[int]
) -> tuple[set[int], dict[tuple[int, int], tuple[Decimal, str]]]:
    """The evidence items the archive scores (those with a section in the template in force) and
    {(unit id, item id): (points lost, reason)} for every unit given that loses points. A few
    queries whatever the number of units."""
    year = of(YEAR, month)
    month_end = of(MONTH, month).end
    sections = [s for s in template_sections(current_template(city_id, year)) if s.rule_item_id in set(item_ids)]
    if not sections or not unit_ids:
        return {s.rule_item_id for s in sections}, {}
    views = {s.id: completeness.section_view(s) for s in sections}
    records = _records(unit_ids, year, [s.rule_item_id for s in sections])
    out: dict[tuple[int, int], tuple[Decimal, str]] = {}
    for section in sections:
        period = of(FREQUENCY_PERIOD.get(section.rule_item.frequency, MONTH), month)
        for unit_id in unit_ids:
            mine = [r for r in records.get(unit_id, ()) if period.contains(r.date)]
            result = completeness.audit(
                period=period,
                sections=[views[section.id]],
                records=mine,
                mechanisms=[],
                photo_history=[],
                today=month_end,
                is_community=False,
            )
            audited = result.sections[0]
            lost, _slots = audited.points_lost_by(month_end)
            if lost:
                out[(unit_id, section.rule_item_id)] = (lost, reason(section.title, audited.unmet_by(month_end)))
    return {s.rule_item_id for s in sections}, out


def changes_since(*, city_id: int, month: datetime.date, since: datetime.datetime) -> int:
    """Evidence records (new versions and withdrawals) of the city's units, for the year of the
    month, archived after ``since``: each may change an evidence item's score
    (``settings.ASSESSMENT_EVIDENCE_CHANGES``, read by the assessment's freshness check)."""
    from gongjian.organizations.tree import subtree_ids_sql

    year = of(YEAR, month)
    return Evidence.objects.filter(
        unit_id__in=subtree_ids_sql([city_id]),
        created_at__gt=since,
        period_start__gte=year.start,
        period_start__lte=year.end,
    ).count()


def period_label(period: Period) -> str:
    """A period as the reader says it: "2026年8月" / "August 2026", "2026年第3季度" / "Q3 2026",
    "2026年" / "2026"."""
    from django.utils import formats
    from django.utils.translation import gettext as _

    if period.kind == YEAR:
        return _("the year %(year)s") % {"year": period.start.year}
    if period.kind == QUARTER:
        return _("Q%(quarter)s %(year)s") % {"quarter": (period.start.month - 1) // 3 + 1, "year": period.start.year}
    return formats.date_format(period.start, "YEAR_MONTH_FORMAT")


def join_list(items: list[str]) -> str:
    """Items joined the reader's way: "甲、乙和丙" / "a, b and c"."""
    from django.utils.translation import gettext as _

    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": _(", ").join(items[:-1]), "last": items[-1]}


def reason(title: str, unmet: list[completeness.SlotStatus]) -> str:
    """Why a unit loses an evidence item's points, as one sentence in the language of the moment:
    "台帐资料“年度计划与总结”缺少2026年度的“年度计划”和2026年度的“年度总结”。" /
    "The archive section “…” lacks “annual plan” for the year 2026 and …"."""
    from django.utils.translation import gettext as _

    items = []
    for status in unmet:
        label = period_label(status.slot)
        what = status.requirement.description.strip()
        item = (
            _("“%(requirement)s” for %(period)s") % {"requirement": what, "period": label}
            if what
            else _("the records for %(period)s") % {"period": label}
        )
        if item not in items:
            items.append(item)
    return _("The archive section “%(section)s” lacks %(items)s.") % {
        "section": title.strip(),
        "items": join_list(items),
    }


def _records(unit_ids: list[int], year: Period, item_ids: list[int]) -> dict[int, list[completeness.RecordView]]:
    rows = (
        Evidence.objects.current()
        .filter(
            unit_id__in=unit_ids,
            withdrawn=False,
            period_start__gte=year.start,
            period_start__lte=year.end,
            rule_items__in=item_ids,
        )
        .annotate(captioned=Count("files", filter=Q(files__kind="image") & ~Q(files__caption=""), distinct=True))
        .values_list(
            "id",
            "record_key",
            "version",
            "kind",
            "title",
            "date",
            "started_on",
            "period_kind",
            "period_start",
            "unit_id",
            "captioned",
        )
        .distinct()
    )
    items: dict[int, set[int]] = defaultdict(set)
    through = Evidence.rule_items.through.objects.filter(
        evidence__unit_id__in=unit_ids,
        evidence__is_current=True,
        evidence__period_start__gte=year.start,
        evidence__period_start__lte=year.end,
        ruleitem_id__in=item_ids,
    )
    for evidence_id, item_id in through.values_list("evidence_id", "ruleitem_id"):
        items[evidence_id].add(item_id)
    out: dict[int, list[completeness.RecordView]] = defaultdict(list)
    for pk, key, version, kind, title, day, started, pkind, pstart, unit_id, captioned in rows:
        out[unit_id].append(
            completeness.RecordView(
                id=pk,
                record_key=str(key),
                version=version,
                kind=kind,
                title=title,
                date=day,
                started_on=started,
                period=from_fields(pkind, pstart),
                rule_item_ids=frozenset(items[pk]),
                files=(),
                captioned_count=captioned,
            )
        )
    return out
