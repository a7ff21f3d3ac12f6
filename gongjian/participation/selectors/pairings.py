"""Reads of pairings: co-construction units, obligations against the year's target, the
participation ranking and a pairing's yearly record."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.utils import timezone

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.organizations.models import CobuildUnit, Pairing
from gongjian.participation import indices
from gongjian.participation.choices import HAPPENED_STATUSES
from gongjian.participation.models import (
    Activity,
    ActivityUnit,
    LiaisonLeader,
    Obligation,
    ObligationRecord,
)
from gongjian.participation.selectors.activities import activities_visible, month_bounds

# --- pairings -----------------------------------------------------------------------------------


def pairings_visible(*, actor: Actor) -> QuerySet[Pairing]:
    return restrict(Pairing.objects.all(), actor, Perm.PARTICIPATION_VIEW, unit_field="community").select_related(
        "cobuild_unit", "community", "community__parent"
    )


def pairing_get(*, actor: Actor, pairing_id) -> Pairing:
    return get_scoped_or_404(
        Pairing.objects.select_related("cobuild_unit", "community"),
        actor,
        Perm.PARTICIPATION_VIEW,
        unit_field="community",
        pk=pairing_id,
    )


def cobuild_units_visible(*, actor: Actor) -> QuerySet[CobuildUnit]:
    return CobuildUnit.objects.filter(pk__in=pairings_visible(actor=actor).values("cobuild_unit_id")).order_by("name")


@dataclass(frozen=True)
class ObligationLine:
    obligation: Obligation
    done: int
    due: Decimal  # pro-rata target up to the month

    @property
    def met(self) -> bool:
        return self.done >= self.due


def _year_start(month: datetime.date) -> datetime.date:
    return month.replace(month=1, day=1)


def _month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def obligation_lines(*, pairings: list[Pairing], month: datetime.date) -> dict[int, list[ObligationLine]]:
    """Each pairing's obligations with what was done in the year up to the end of ``month``."""
    year_start, month_end = _year_start(month), _month_end(month)
    tz = timezone.get_current_timezone()
    obligations = list(Obligation.objects.filter(pairing__in=pairings).order_by("id"))
    records = dict(
        ObligationRecord.objects.filter(obligation__in=obligations, date__gte=year_start, date__lte=month_end)
        .values("obligation")
        .annotate(n=Count("id"))
        .values_list("obligation", "n")
    )
    joint: dict[tuple[int, int], int] = defaultdict(int)
    pairs = {(p.cobuild_unit_id, p.community_id): p.pk for p in pairings}
    rows = (
        ActivityUnit.objects.filter(
            activity__status__in=HAPPENED_STATUSES,
            activity__starts_at__gte=datetime.datetime.combine(year_start, datetime.time.min, tz),
            activity__starts_at__lt=datetime.datetime.combine(
                month_end + datetime.timedelta(days=1), datetime.time.min, tz
            ),
            cobuild_unit_id__in={p.cobuild_unit_id for p in pairings},
        )
        .values("cobuild_unit_id", "activity__community_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        pairing_id = pairs.get((row["cobuild_unit_id"], row["activity__community_id"]))
        if pairing_id:
            joint[pairing_id] += row["n"]
    result: dict[int, list[ObligationLine]] = defaultdict(list)
    for o in obligations:
        done = records.get(o.pk, 0) + (joint.get(o.pairing_id, 0) if o.counts_joint_activities else 0)
        due = (Decimal(o.yearly_target) * month.month / 12).quantize(Decimal("0.1"))
        result[o.pairing_id].append(ObligationLine(o, done, due))
    return result


@dataclass(frozen=True)
class RankingRow:
    cobuild_unit: CobuildUnit
    communities: list[str]
    held: int
    joined: int
    head_joined: int
    leader_changes: int
    result: indices.IndexResult
    rank: int = 0


def participation_ranking(*, actor: Actor, month: datetime.date) -> list[RankingRow]:
    """The participation index of each co-construction unit with a visible pairing active in the
    month, best first, computed over the pairings the actor can see (the city sees all)."""
    month = month.replace(day=1)
    start, end = month_bounds(month)
    month_end = _month_end(month)
    pairings = list(
        pairings_visible(actor=actor)
        .filter(started_on__lte=month_end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=month))
    )
    if not pairings:
        return []
    by_unit: dict[int, list[Pairing]] = defaultdict(list)
    for p in pairings:
        by_unit[p.cobuild_unit_id].append(p)
    communities = {p.community_id for p in pairings}
    held_by_community = dict(
        Activity.objects.filter(
            community_id__in=communities, status__in=HAPPENED_STATUSES, starts_at__gte=start, starts_at__lt=end
        )
        .values("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    joined_rows = (
        ActivityUnit.objects.filter(
            activity__community_id__in=communities,
            activity__status__in=HAPPENED_STATUSES,
            activity__starts_at__gte=start,
            activity__starts_at__lt=end,
            cobuild_unit_id__in=by_unit.keys(),
        )
        .values("cobuild_unit_id", "activity__community_id")
        .annotate(n=Count("id"), heads=Count("id", filter=Q(head_attended=True)))
    )
    joined: dict[tuple[int, int], tuple[int, int]] = {
        (r["cobuild_unit_id"], r["activity__community_id"]): (r["n"], r["heads"]) for r in joined_rows
    }
    lines = obligation_lines(pairings=pairings, month=month)
    window_start = month_end - datetime.timedelta(days=365)
    leaders = defaultdict(list)
    for leader in LiaisonLeader.objects.filter(pairing__in=pairings).order_by("started_on", "id"):
        leaders[leader.pairing_id].append(leader)

    rows = []
    for unit_id, unit_pairings in by_unit.items():
        held = sum(held_by_community.get(p.community_id, 0) for p in unit_pairings)
        n_joined = sum(joined.get((unit_id, p.community_id), (0, 0))[0] for p in unit_pairings)
        heads = sum(joined.get((unit_id, p.community_id), (0, 0))[1] for p in unit_pairings)
        progress = [
            indices.ObligationProgress(target=line.obligation.yearly_target, done=line.done)
            for p in unit_pairings
            for line in lines.get(p.pk, [])
        ]
        changes, has_leader = 0, False
        for p in unit_pairings:
            history = leaders.get(p.pk, [])
            changes += sum(1 for leader in history[1:] if window_start < leader.started_on <= month_end)
            has_leader = has_leader or any(
                leader.started_on <= month_end and (leader.ended_on is None or leader.ended_on >= month)
                for leader in history
            )
        result = indices.participation_index(
            indices.IndexInputs(
                held=held,
                joined=n_joined,
                head_joined=heads,
                obligations=progress,
                leader_changes=changes,
                has_leader=has_leader,
                month=month.month,
            )
        )
        rows.append(
            RankingRow(
                cobuild_unit=unit_pairings[0].cobuild_unit,
                communities=sorted(p.community.name for p in unit_pairings),
                held=held,
                joined=n_joined,
                head_joined=heads,
                leader_changes=changes,
                result=result,
            )
        )
    rows.sort(key=lambda r: (-r.result.index, r.cobuild_unit.name))
    ranks = indices.competition_ranks([r.result.index for r in rows])
    return [RankingRow(**{**r.__dict__, "rank": rank}) for r, rank in zip(rows, ranks, strict=True)]


@dataclass(frozen=True)
class PairingRecord:
    joined: list  # ActivityUnit rows of this unit at this community, newest first
    held_count: int
    head_count: int
    obligations: list[ObligationLine]
    leaders: list[LiaisonLeader]
    openings: list[ObligationRecord]
    community_activities: QuerySet


def pairing_record(*, actor: Actor, pairing: Pairing, year: int) -> PairingRecord:
    """Everything a pairing did in a year: activities joined (and whether the head came),
    obligations against targets, resources opened, the leaders in charge."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    community_activities = activities_visible(actor=actor).filter(
        community_id=pairing.community_id, starts_at__gte=start, starts_at__lt=end
    )
    joined = list(
        ActivityUnit.objects.filter(cobuild_unit_id=pairing.cobuild_unit_id, activity__in=community_activities)
        .select_related("activity", "activity__type")
        .order_by("-activity__starts_at")
    )
    today = timezone.localdate()
    month = datetime.date(year, 12, 1) if year < today.year else today.replace(day=1)
    return PairingRecord(
        joined=joined,
        held_count=community_activities.filter(status__in=HAPPENED_STATUSES).count(),
        head_count=sum(1 for j in joined if j.head_attended),
        obligations=obligation_lines(pairings=[pairing], month=month).get(pairing.pk, []),
        leaders=list(pairing.leaders.order_by("-started_on", "-id")),
        openings=list(
            ObligationRecord.objects.filter(obligation__pairing=pairing, is_resource_opening=True, date__year=year)
        ),
        community_activities=community_activities.select_related("type").order_by("-starts_at")[:20],
    )
