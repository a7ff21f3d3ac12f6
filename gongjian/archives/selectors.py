"""Reads of the archive: the template in force, a unit's records of a period, the audit of a unit
and the city's ranking of communities. Callers scope first (``accounts.access``); these take
units the caller may already see."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from gongjian.archives import completeness
from gongjian.archives.choices import MechanismKind, TemplateStatus
from gongjian.archives.models import ArchiveTemplate, Evidence, EvidenceFile, Mechanism, TemplateSection
from gongjian.archives.periods import Period
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestry


def city_id_of(unit: Unit) -> int | None:
    return unit.id if unit.level == UnitLevel.CITY else ancestry(unit.id).get(UnitLevel.CITY)


def current_template(city_id: int | None, period: Period | None = None) -> ArchiveTemplate | None:
    """The published template of the rule set in force for the period (the latest published one
    of the newest rule set that has started by the period's end)."""
    if city_id is None:
        return None
    published = ArchiveTemplate.objects.filter(status=TemplateStatus.PUBLISHED, ruleset__city_id=city_id)
    if period is not None:
        in_force = published.filter(ruleset__effective_from__lte=period.end)
        published = in_force if in_force.exists() else published
    return published.select_related("ruleset").order_by("-ruleset__effective_from", "-published_at", "-id").first()


def template_sections(template: ArchiveTemplate | None) -> list[TemplateSection]:
    if template is None:
        return []
    return list(
        template.sections.select_related("rule_item").prefetch_related("requirements").order_by("position", "id")
    )


def period_records(unit_ids: list[int], period: Period, *, with_files: bool = True):
    """Current, not withdrawn records of these units filed in the period or a period inside it, in
    date order, with their rule items (and files)."""
    qs = Evidence.objects.current().filter(
        unit_id__in=unit_ids, withdrawn=False, period_start__gte=period.start, period_start__lte=period.end
    )
    if period.kind == "month":
        qs = qs.filter(period_kind="month")
    elif period.kind == "quarter":
        qs = qs.exclude(period_kind="year")
    prefetch = ["rule_items"]
    if with_files:
        prefetch.append(Prefetch("files", queryset=EvidenceFile.objects.order_by("position", "id")))
    return qs.prefetch_related(*prefetch).order_by("date", "id")


# How far back a reused photo is looked for: the period audited and the two years before it
# (provincial reviews look at the current and the previous creation cycle).
REUSE_LOOKBACK_YEARS = 2


def _photo_history(unit_ids: list[int] | None, period: Period) -> list[completeness.PhotoRef]:
    """The fingerprints of the current photos of the city (for "the same photo used twice"),
    from two years before the period to its end."""
    since = period.start.replace(year=period.start.year - REUSE_LOOKBACK_YEARS, month=1, day=1)
    rows = EvidenceFile.objects.filter(
        evidence__is_current=True,
        evidence__withdrawn=False,
        kind="image",
        evidence__period_start__gte=since,
        evidence__period_start__lte=period.end,
    ).values_list(
        "id",
        "evidence__record_key",
        "evidence__unit_id",
        "evidence__period_start",
        "sha256",
        "phash",
        "evidence__title",
        "evidence__date",
    )
    if unit_ids is not None:
        rows = rows.filter(evidence__unit_id__in=unit_ids)
    return [
        completeness.PhotoRef(
            file_id=i, record_key=str(k), unit_id=u, period_start=p, sha256=s, phash=h, title=t, date=d
        )
        for i, k, u, p, s, h, t, d in rows.iterator(chunk_size=5000)
    ]


@dataclass
class _Batch:
    """What auditing many units needs, read in a few queries for all of them at once."""

    records: dict[int, list[completeness.RecordView]]
    mechanisms: dict[int, list[completeness.MechanismView]]
    own_units: dict[int, frozenset[int]]


def _batch(units: list[Unit], period: Period) -> _Batch:
    ids = [u.id for u in units]
    records: dict[int, list[completeness.RecordView]] = defaultdict(list)
    for evidence in period_records(ids, period):
        records[evidence.unit_id].append(completeness.record_view(evidence))
    mechanism_rows = list(Mechanism.objects.filter(unit_id__in=ids))
    executions = _executions([m.id for m in mechanism_rows])
    mechanisms: dict[int, list[completeness.MechanismView]] = defaultdict(list)
    for m in mechanism_rows:
        mechanisms[m.unit_id].append(completeness.mechanism_view(m, executions.get(m.id, [])))
    return _Batch(records=records, mechanisms=mechanisms, own_units=_subtrees(ids))


def audit_unit(
    unit: Unit,
    period: Period,
    *,
    today: datetime.date | None = None,
    sections: list[TemplateSection] | None = None,
    photos: list[completeness.PhotoRef] | None = None,
    batch: _Batch | None = None,
) -> completeness.Audit:
    """The completeness audit of one unit and period against the template in force. A caller
    auditing many units (the ranking) passes the sections, the city's photo fingerprints and the
    units' records once."""
    if sections is None:
        sections = template_sections(current_template(city_id_of(unit), period))
    if batch is None:
        batch = _batch([unit], period)
    if photos is None:
        photos = _photo_history(_city_unit_ids(unit), period)
    return completeness.audit(
        period=period,
        sections=[completeness.section_view(s) for s in sections],
        records=batch.records.get(unit.id, []),
        mechanisms=batch.mechanisms.get(unit.id, []),
        photo_history=photos,
        today=today or timezone.localdate(),
        date_tolerance_days=settings.ARCHIVE_PHOTO_DATE_TOLERANCE_DAYS,
        phash_distance=settings.ARCHIVE_PHASH_DISTANCE,
        is_community=unit.level == UnitLevel.COMMUNITY,
        mechanism_kinds={k: str(label) for k, label in MechanismKind.choices},
        own_unit_ids=batch.own_units.get(unit.id, frozenset({unit.id})),
    )


def _subtrees(root_ids: list[int]) -> dict[int, frozenset[int]]:
    """Each root's subtree (itself and every unit below), from one query of the units below them."""
    from gongjian.organizations.tree import subtree_ids_sql

    parent = dict(Unit.objects.filter(id__in=subtree_ids_sql(root_ids)).values_list("id", "parent_id"))
    roots = set(root_ids)
    out: dict[int, set[int]] = {r: {r} for r in root_ids}
    for unit_id in parent:
        cursor = unit_id
        while cursor is not None:
            if cursor in roots:
                out[cursor].add(unit_id)
                break
            cursor = parent.get(cursor)
    return {k: frozenset(v) for k, v in out.items()}


def _city_unit_ids(unit: Unit):
    """Photo reuse is looked for across the whole city (a photo borrowed from a neighbour counts):
    the city's units as a subquery, not a list of thousands of ids."""
    from gongjian.organizations.tree import subtree_ids_sql

    city_id = city_id_of(unit)
    if city_id is None:
        return [unit.id]
    return Unit.objects.filter(id__in=subtree_ids_sql([city_id])).values("id")


def _executions(mechanism_ids: list[int]) -> dict[int, list[datetime.date]]:
    out: dict[int, list[datetime.date]] = defaultdict(list)
    rows = Evidence.objects.current().filter(mechanism_id__in=mechanism_ids, withdrawn=False)
    for mechanism_id, day in rows.values_list("mechanism_id", "date"):
        out[mechanism_id].append(day)
    return out


def ranking(
    communities: list[Unit], period: Period, *, today: datetime.date | None = None
) -> list[tuple[Unit, completeness.Audit]]:
    """Communities by completeness, best first (ties: fewer points at risk, then name)."""
    if not communities:
        return []
    city_id = city_id_of(communities[0])
    sections = template_sections(current_template(city_id, period))
    photos = _photo_history(_city_unit_ids(communities[0]), period)
    batch = _batch(communities, period)
    audits = [
        (c, audit_unit(c, period, today=today, sections=sections, photos=photos, batch=batch)) for c in communities
    ]
    audits.sort(key=lambda pair: (-pair[1].percent, pair[1].points_at_risk, pair[0].name))
    return audits
