"""One period's facts, gathered once into plain dataclasses (the selector side of the documents).

``month_facts`` reads a computed month — its problems compared with the month before, the ranking
tables, red flags, red and black lists, rewards and penalties, the six-month trend — with the city
office's own read-only reach, whoever asks: a bulletin circulates to every street, so its figures are
the whole city's. Composition (``compose.py``, ``speech.py``) and the renderers read only these
dataclasses, never the database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg
from django.utils import timezone

from gongjian.accounts.access import Actor, Grant
from gongjian.accounts.choices import Role
from gongjian.assessments import selectors
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment, ScoreSheet
from gongjian.documents.text import LEVEL_LABELS, LEVEL_ORDER, month_shift, percent_text
from gongjian.inspections import indicators
from gongjian.inspections.selectors import problem_stats

TREND_MONTHS = 6
TOP_CATEGORIES = 8


@dataclass(frozen=True)
class ProblemFigures:
    """The month's problems city-wide, and the same figures for the month before."""

    counts: indicators.CohortCounts
    rates: indicators.Rates
    shares: tuple[indicators.CategoryShare, ...]
    previous_counts: indicators.CohortCounts
    previous_rates: indicators.Rates


@dataclass(frozen=True)
class RankingRow:
    rank_street: int | None
    rank_city: int | None
    unit: str
    score: Decimal
    max_score: Decimal
    rate: Decimal  # a fraction, as on the sheet
    red_flag: bool

    @property
    def rate_text(self) -> str:
        return percent_text(self.rate)


@dataclass(frozen=True)
class RankingTable:
    street: str
    level: str
    rows: tuple[RankingRow, ...]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)


@dataclass(frozen=True)
class ListEntry:
    unit: str
    street: str
    rate: Decimal
    rank_city: int | None


@dataclass(frozen=True)
class Charts:
    """Renders the two charts on demand (composition stays testable without matplotlib)."""

    month: datetime.date
    shares: tuple[indicators.CategoryShare, ...]
    averages: tuple[tuple[datetime.date, dict[str, Decimal | None]], ...]

    def categories(self) -> bytes:
        from gongjian.documents.charts import category_chart

        return category_chart(self.shares[:TOP_CATEGORIES])

    def trend(self) -> bytes:
        from gongjian.documents.charts import trend_chart

        return trend_chart(self.averages)


@dataclass(frozen=True)
class FundFigures:
    """Co-construction funds of one year up to a day: income, spending, the balance on that day."""

    year: int
    until: datetime.date
    income: Decimal
    spending: Decimal
    balance: Decimal


@dataclass(frozen=True)
class MonthFacts:
    """Everything a document may say about one assessed month."""

    assessment_id: int
    city: str
    month: datetime.date
    published: bool
    published_on: datetime.date | None
    ruleset_name: str
    problems: ProblemFigures
    rankings: tuple[RankingTable, ...]
    levels: tuple[str, ...]
    units_assessed: dict[str, int]
    red_flags: tuple[tuple[str, tuple[str, ...]], ...]  # (street, holders) for every street
    flag_level: str
    flag_threshold: Decimal
    red_list: dict[str, tuple[ListEntry, ...]]
    black_list: dict[str, tuple[ListEntry, ...]]
    list_size: int
    sanctions: tuple[tuple[str, str], ...]  # (kind, unit name)
    policy: tuple[dict, ...]
    averages: tuple[tuple[datetime.date, dict[str, Decimal | None]], ...]
    next_steps: str  # the office's own text for "下一步工作", "" when it wrote none
    charts: Charts
    # The reason the city office gave for closing the month before it ended (the assessment
    # calendar); "" when it closed normally. Read from ``Assessment.forced_close_reason`` when the
    # model has that field, so the bulletin prints it as soon as the calendar ships it.
    forced_close_reason: str = ""
    # The month had not ended when its facts were read (a month-to-date draft): figures up to this day.
    as_of: datetime.date | None = None
    # The co-construction fund ledgers' totals of the year up to the month's end (gongjian/funds).
    funds: FundFigures | None = None


def figures_actor(city_id: int) -> Actor:
    """The reach a document's figures are read with: the city office's read-only view of its own
    city (a city-leader grant at the city), whoever asks and whatever became of the publisher's
    account since."""
    return Actor(user_id=None, grants=(Grant(role=Role.CITY_LEADER, unit_id=city_id, cobuild_unit_id=None),))


def average_rates(assessment: Assessment) -> tuple[tuple[datetime.date, dict[str, Decimal | None]], ...]:
    """The city-wide average score rate per ranked level, for the last six months (published
    months only, and the month itself; a month without one has None)."""
    months = [month_shift(assessment.month, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
    rows = (
        ScoreSheet.objects.filter(
            assessment__city_id=assessment.city_id,
            assessment__month__gte=months[0],
            assessment__month__lte=months[-1],
        )
        .filter(_published_or(assessment.pk))
        .values("assessment__month", "level")
        .annotate(avg=Avg("rate"))
        .order_by()
    )
    found = {(r["assessment__month"], r["level"]): Decimal(str(r["avg"])) for r in rows if r["avg"] is not None}
    levels = [level for level in LEVEL_ORDER if level in assessment.ruleset.levels]
    return tuple((m, {level: found.get((m, level)) for level in levels}) for m in months)


def _published_or(assessment_id: int):
    from django.db.models import Q

    return Q(assessment__status=AssessmentStatus.PUBLISHED) | Q(assessment_id=assessment_id)


def _list_entry(sheet: ScoreSheet) -> ListEntry:
    return ListEntry(
        unit=sheet.unit.name,
        street=sheet.street.name if sheet.street_id else "",
        rate=sheet.rate,
        rank_city=sheet.rank_city,
    )


def month_facts(assessment: Assessment) -> MonthFacts:
    """The facts of a computed (or published) month, read once."""
    city = assessment.city
    ruleset = assessment.ruleset
    month = assessment.month
    office = figures_actor(assessment.city_id)
    now = problem_stats(actor=office, month=month, unit=city)
    before = problem_stats(actor=office, month=month_shift(month, -1), unit=city)
    problems = ProblemFigures(
        counts=now.counts,
        rates=now.rates,
        shares=tuple(now.by_category),
        previous_counts=before.counts,
        previous_rates=before.rates,
    )

    flag_sheets = {flag.sheet_id for flag in selectors.red_flags(assessment=assessment)}
    sheets = list(selectors.rankings(actor=office, assessment=assessment))
    levels = [level for level in LEVEL_ORDER if any(s.level == level for s in sheets)]
    streets: dict[int | None, str] = {}
    grouped: dict[tuple[int | None, str], list] = defaultdict(list)
    street_codes: dict[int | None, str] = {}
    for sheet in sheets:
        streets[sheet.street_id] = sheet.street.name if sheet.street_id else "其他"
        street_codes[sheet.street_id] = sheet.street.code if sheet.street_id else "\uffff"
        grouped[(sheet.street_id, sheet.level)].append(sheet)
    street_order = sorted(streets, key=lambda sid: street_codes[sid])
    rankings = []
    for street_id in street_order:
        for level in levels:
            rows = sorted(
                grouped.get((street_id, level), []),
                key=lambda s: (s.rank_street or s.rank_city or 10**9, s.unit.code),
            )
            if rows:
                rankings.append(
                    RankingTable(
                        street=streets[street_id],
                        level=level,
                        rows=tuple(
                            RankingRow(
                                rank_street=s.rank_street,
                                rank_city=s.rank_city,
                                unit=s.unit.name,
                                score=s.score,
                                max_score=s.max_score,
                                rate=s.rate,
                                red_flag=s.id in flag_sheets,
                            )
                            for s in rows
                        ),
                    )
                )

    flag_level = ruleset.flag_level
    red_flags = tuple(
        (
            streets[street_id],
            tuple(s.unit.name for s in grouped.get((street_id, flag_level), []) if s.id in flag_sheets),
        )
        for street_id in street_order
        if street_id is not None and grouped.get((street_id, flag_level))
    )

    red_list: dict[str, tuple[ListEntry, ...]] = {}
    black_list: dict[str, tuple[ListEntry, ...]] = {}
    for level in levels:
        top, bottom = selectors.red_and_black_lists(assessment=assessment, level=level)
        on_red = {s.unit_id for s in top}
        red_list[level] = tuple(_list_entry(s) for s in top)
        # A unit is never on both lists (a small city may have fewer units than two lists).
        black_list[level] = tuple(_list_entry(s) for s in bottom if s.unit_id not in on_red)

    sanctions = list(selectors.sanctions(assessment=assessment))
    averages = average_rates(assessment)
    published = assessment.status == AssessmentStatus.PUBLISHED
    return MonthFacts(
        assessment_id=assessment.pk,
        city=city.name,
        month=month,
        published=published,
        published_on=timezone.localtime(assessment.published_at).date() if assessment.published_at else None,
        ruleset_name=ruleset.name.strip("《》 "),
        problems=problems,
        rankings=tuple(rankings),
        levels=tuple(levels),
        units_assessed={level: sum(1 for s in sheets if s.level == level) for level in levels},
        red_flags=red_flags,
        flag_level=flag_level,
        flag_threshold=ruleset.red_flag_threshold,
        red_list=red_list,
        black_list=black_list,
        list_size=ruleset.list_size,
        sanctions=tuple((s.kind, s.unit.name) for s in sanctions),
        policy=tuple(ruleset.policy or ()),
        averages=averages,
        next_steps=assessment.next_steps.strip(),
        charts=Charts(month=month, shares=problems.shares, averages=averages),
        forced_close_reason=str(getattr(assessment, "forced_close_reason", "") or "").strip(),
        as_of=_as_of(month),
        funds=fund_figures(office, month.year, month_end(month)),
    )


def month_end(month: datetime.date) -> datetime.date:
    return month_shift(month, 1) - datetime.timedelta(days=1)


def fund_figures(actor: Actor, year: int, until: datetime.date) -> FundFigures | None:
    """The year's fund totals up to ``until`` over the ledgers ``actor`` sees; None without entries."""
    from gongjian.funds.selectors import city_year_totals, entries_visible

    if not entries_visible(actor=actor).filter(date__year=year, date__lte=until).exists():
        return None
    totals = city_year_totals(actor=actor, year=year, until=until)
    return FundFigures(year=year, until=until, income=totals.income, spending=totals.spending, balance=totals.closing)


def _as_of(month: datetime.date) -> datetime.date | None:
    today = timezone.localdate()
    return today if (today.year, today.month) == (month.year, month.month) else None
