"""The facts of a period (a month, a quarter or a year) for the leader's speech draft (讲话稿), read
once, with the city office's reach, each with the address of the page its figure comes from (the
speech preview links every sentence back there).

Scope: the whole city, for the city office and the city's leaders (``speech_allowed``). A street's
own speech would read the same facts under the street's root unit; it is not offered yet, because
the speech names the units that led and lagged across the city.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Avg, Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from gongjian.accounts.access import Actor, Perm, can_on_unit
from gongjian.accounts.choices import Role
from gongjian.archives.periods import MONTH, QUARTER, YEAR, Period, of
from gongjian.assessments.choices import AssessmentStatus, DeductionSource
from gongjian.assessments.models import Assessment, Deduction, ItemScore, RedFlag, ScoreSheet
from gongjian.documents.facts import FundFigures, figures_actor, fund_figures
from gongjian.inspections import indicators
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Inspection
from gongjian.inspections.selectors import cohort_aggregates, in_subtree, problems_visible
from gongjian.organizations.models import Unit

LEADERS = 3
TOP = 5


@dataclass(frozen=True)
class Linked:
    """A named thing with its figure and the page it comes from."""

    name: str
    figure: Decimal | int | str
    link: str
    extra: str = ""  # a street, a co-construction unit: whatever the sentence names beside it


@dataclass(frozen=True)
class SpeechFacts:
    city: str
    period: Period
    previous: Period
    as_of: datetime.date | None  # the period is still running: figures up to this day
    counts: indicators.CohortCounts
    rates: indicators.Rates
    previous_counts: indicators.CohortCounts
    previous_rates: indicators.Rates
    shares: tuple[indicators.CategoryShare, ...]
    months_assessed: int
    leaders: tuple[Linked, ...]  # figure: average score rate (fraction); extra: street
    flag_holders: tuple[Linked, ...]  # figure: red flags held in the period; extra: street
    relapse_units: tuple[Linked, ...]  # figure: relapses found
    overdue_units: tuple[Linked, ...]  # figure: problems still open past their deadline (the top five)
    overdue_total: int  # problems found in the period still open past their deadline
    idle_partners: tuple[Linked, ...]  # name: co-construction unit; extra: community
    archive_risks: tuple[Linked, ...]  # figure: points lost on archive items
    weak_items: tuple[Linked, ...]  # figure: average score rate of the item (fraction)
    next_inspection: Linked | None  # figure: its date as text
    links: dict[str, str]  # "problems", "stats", "relapses", "overdue", "category:<code>", "month"
    funds: FundFigures | None = None  # the fund ledgers' year up to the period's end (gongjian/funds)


def speech_allowed(actor: Actor, city_id: int) -> bool:
    """The city office (who manages assessments) and the city's leaders (who read the whole city)."""
    return can_on_unit(actor, Perm.ASSESSMENT_MANAGE, city_id) or any(
        grant.role == Role.CITY_LEADER and grant.unit_id == city_id for grant in actor.grants
    )


def previous_period(period: Period) -> Period:
    return of(period.kind, period.start - datetime.timedelta(days=1))


def _bounds(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def _problems_link(city_id: int, period: Period, **filters) -> str:
    query = {"unit": city_id, "found_after": period.start.isoformat(), "found_before": period.end.isoformat()}
    query.update({k: v for k, v in filters.items() if v is not None})
    return f"{reverse('problems:list')}?{urlencode(query)}"


def _cohort(scoped, period: Period) -> tuple[indicators.CohortCounts, list[indicators.CategoryShare]]:
    start, end = _bounds(period)
    as_of = min(timezone.now(), end)
    cohort = scoped.filter(found_at__gte=start, found_at__lt=end)
    counts = indicators.CohortCounts(**cohort.aggregate(**cohort_aggregates(as_of)))
    rows = (
        cohort.exclude(status=ProblemStatus.VOID)
        .values("category__code", "category__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    shares = indicators.category_shares([(r["category__code"], r["category__name"], r["n"]) for r in rows])
    return counts, shares


def speech_facts(*, city: Unit, period: Period) -> SpeechFacts:
    office = figures_actor(city.pk)
    scoped = in_subtree(problems_visible(actor=office), city.pk)
    previous = previous_period(period)
    counts, shares = _cohort(scoped, period)
    previous_counts, _shares = _cohort(scoped, previous)
    start, end = _bounds(period)
    today = timezone.localdate()
    as_of = today if period.start <= today <= period.end else None

    months = list(
        Assessment.objects.filter(
            city=city, month__gte=period.start, month__lte=period.end, status=AssessmentStatus.PUBLISHED
        ).order_by("month")
    )
    month_ids = [m.pk for m in months]
    latest = months[-1] if months else None

    # 总结成绩: the units that led (highest average score rate over the period's published months)
    leaders = []
    sheets = ScoreSheet.objects.filter(assessment_id__in=month_ids)
    for level in ("community", "compound"):
        rows = (
            sheets.filter(level=level)
            .values("unit_id", "unit__name", "street__name")
            .annotate(avg=Avg("rate"))
            .order_by("-avg", "unit__code")[:LEADERS]
        )
        for row in rows:
            link = (
                reverse("assessments:sheet", args=[f"{latest.month:%Y-%m}", row["unit_id"]])
                if latest
                else reverse("units:detail", args=[row["unit_id"]])
            )
            leaders.append(Linked(row["unit__name"], Decimal(str(row["avg"])), link, row["street__name"] or ""))

    flags = Counter()
    flag_names: dict[int, tuple[str, str]] = {}
    for flag in RedFlag.objects.filter(assessment_id__in=month_ids).select_related("sheet__unit", "street"):
        flags[flag.sheet.unit_id] += 1
        flag_names[flag.sheet.unit_id] = (flag.sheet.unit.name, flag.street.name)
    flag_holders = tuple(
        Linked(flag_names[uid][0], n, reverse("units:detail", args=[uid]), flag_names[uid][1])
        for uid, n in sorted(flags.items(), key=lambda kv: (-kv[1], flag_names[kv[0]][0]))
    )

    # 存在问题: relapses, overdue units, idle partners, archives at risk
    cohort = scoped.filter(found_at__gte=start, found_at__lt=end).exclude(status=ProblemStatus.VOID)
    relapse_rows = (
        cohort.filter(relapse_of__isnull=False)
        .values("unit_id", "unit__name")
        .annotate(n=Count("id"))
        .order_by("-n", "unit__code")[:TOP]
    )
    relapse_units = tuple(
        Linked(r["unit__name"], r["n"], _problems_link(r["unit_id"], period, relapse="true")) for r in relapse_rows
    )
    now = timezone.now()
    overdue = cohort.filter(deadline__lt=now).exclude(status__in=[ProblemStatus.CLOSED, ProblemStatus.SUBMITTED])
    overdue_rows = overdue.values("unit_id", "unit__name").annotate(n=Count("id")).order_by("-n", "unit__code")[:TOP]
    overdue_units = tuple(
        Linked(r["unit__name"], r["n"], _problems_link(r["unit_id"], period, overdue="true")) for r in overdue_rows
    )
    idle_partners = _idle_partners(city, period, start, end)
    archive_rows = (
        Deduction.objects.filter(item_score__sheet__assessment_id__in=month_ids, source=DeductionSource.ARCHIVE)
        .values("item_score__sheet__unit_id", "item_score__sheet__unit__name")
        .annotate(points=Sum("points"))
        .order_by("-points", "item_score__sheet__unit__code")[:TOP]
    )
    archive_risks = tuple(
        Linked(
            r["item_score__sheet__unit__name"],
            Decimal(r["points"]).quantize(Decimal("0.01")),
            reverse("archives:unit", args=[r["item_score__sheet__unit_id"]]),
        )
        for r in archive_rows
        if r["points"]
    )

    # 下步工作: the weakest items, the coming inspection
    weak_rows = (
        ItemScore.objects.filter(sheet__assessment_id__in=month_ids, item__parent__isnull=False, points__gt=0)
        .values("item_id", "item__name")
        .annotate(score=Sum("score"), points=Sum("points"))
        .order_by()
    )
    weak = sorted(
        ((r["item__name"], Decimal(r["score"]) / Decimal(r["points"])) for r in weak_rows if r["points"]),
        key=lambda pair: (pair[1], pair[0]),
    )
    month_link = reverse("assessments:month", args=[f"{latest.month:%Y-%m}"]) if latest else ""
    weak_items = tuple(Linked(name, rate, month_link) for name, rate in weak if rate < 1)[:3]
    coming = (
        Inspection.objects.filter(date__gt=today)
        .filter(Q(organiser_id__in=_city_units(city)) | Q(units__id__in=_city_units(city)))
        .order_by("date", "pk")
        .first()
    )
    next_inspection = (
        Linked(
            coming.title, f"{coming.date.year}年{coming.date.month}月{coming.date.day}日", reverse("problems:rounds")
        )
        if coming
        else None
    )

    links = {
        "problems": _problems_link(city.pk, period),
        "previous": _problems_link(city.pk, previous),
        "relapses": _problems_link(city.pk, period, relapse="true"),
        "overdue": _problems_link(city.pk, period, overdue="true"),
        "stats": f"{reverse('problems:stats')}?{urlencode({'unit': city.pk, 'month': f'{period.end:%Y-%m}'})}",
        "months": reverse("assessments:months"),
        "pairings": reverse("participation:pairings"),
        "funds": f"{reverse('fund-entry-export')}?{urlencode({'year': period.end.year})}",
    }
    for share in shares[:3]:
        links[f"category:{share.code}"] = _problems_link(city.pk, period, category=share.code)
    return SpeechFacts(
        city=city.name,
        period=period,
        previous=previous,
        as_of=as_of,
        counts=counts,
        rates=indicators.rates(counts),
        previous_counts=previous_counts,
        previous_rates=indicators.rates(previous_counts),
        shares=tuple(shares),
        months_assessed=len(months),
        leaders=tuple(leaders),
        flag_holders=flag_holders,
        relapse_units=relapse_units,
        overdue_units=overdue_units,
        overdue_total=overdue.count(),
        idle_partners=idle_partners,
        archive_risks=archive_risks,
        weak_items=weak_items,
        next_inspection=next_inspection,
        links=links,
        funds=fund_figures(office, period.end.year, min(period.end, as_of or period.end)),
    )


def _city_units(city: Unit):
    from gongjian.organizations.tree import subtree_ids_sql

    return subtree_ids_sql([city.pk])


def _idle_partners(city: Unit, period: Period, start, end) -> tuple[Linked, ...]:
    """Pairings in force during the period whose co-construction unit joined no activity of its
    community and recorded no obligation met in the period."""
    from gongjian.organizations.models import Pairing
    from gongjian.participation.choices import HAPPENED_STATUSES
    from gongjian.participation.models import ActivityUnit, ObligationRecord

    joined = ActivityUnit.objects.filter(
        cobuild_unit_id=OuterRef("cobuild_unit_id"),
        activity__community_id=OuterRef("community_id"),
        activity__status__in=HAPPENED_STATUSES,
        activity__starts_at__gte=start,
        activity__starts_at__lt=end,
    )
    recorded = ObligationRecord.objects.filter(
        obligation__pairing_id=OuterRef("pk"), date__gte=period.start, date__lte=period.end
    )
    pairings = (
        Pairing.objects.filter(community_id__in=_city_units(city), started_on__lte=period.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start))
        .annotate(joined=Exists(joined), recorded=Exists(recorded))
        .filter(joined=False, recorded=False)
        .select_related("cobuild_unit", "community")
        .order_by("community__code", "cobuild_unit__name")
    )
    out = []
    for pairing in pairings:
        out.append(
            Linked(
                pairing.cobuild_unit.name,
                "",
                reverse("participation:pairing", args=[pairing.pk]),
                pairing.community.name,
            )
        )
    return tuple(out)


PERIOD_KINDS = (MONTH, QUARTER, YEAR)
