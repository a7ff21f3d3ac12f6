"""The leader's figures: gathered once from the database into plain facts (``gather``), composed
into what the leader page, the 大屏 and their JSON endpoint show (``compose``, pure), and kept
briefly in Django's cache (``leader_figures``).

Scope: the problems the actor may see (their street for a street leader, the city for the city
office) and the score sheets of their units; a red flag is shown when its sheet is in scope.

Definitions (docs/homes.md):

* found — problems found in the month, void ones left out;
* closed — problems closed (re-check passed) in the month;
* overdue — problems whose deadline fell in the month (up to now) and was missed: not rectified by
  then, or rectified in time but sent back (the same rule as the month's assessment);
* overdue now — problems being rectified whose deadline has passed.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gongjian.accounts.access import Actor, Perm
from gongjian.assessments import selectors as assessment_selectors
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import RedFlag
from gongjian.dashboard.labels import deadline_standing
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.selectors import problems_visible, rectified_on_time_q
from gongjian.inspections.workdays import Workday, is_workday

TREND_MONTHS = 6
TOP_CATEGORIES = 5
OLDEST_OVERDUE = 5
RANKING_ENDS = 3
CACHE_SECONDS = 60


def month_start(day: datetime.date, shift: int = 0) -> datetime.date:
    """The first day of ``day``'s month, moved by ``shift`` months."""
    index = day.year * 12 + day.month - 1 + shift
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_key(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


@dataclass(frozen=True)
class OverdueCase:
    id: int
    number: str
    unit: str
    category: str
    deadline: datetime.datetime


@dataclass(frozen=True)
class SheetRow:
    unit: str
    street: str
    rate: Decimal  # a fraction, as on the sheet
    rank: int | None


@dataclass(frozen=True)
class Facts:
    """Everything the figures need, read once; no query after this."""

    now: datetime.datetime
    months: tuple[str, ...]  # oldest first, this month last
    found: dict[str, int]
    closed: dict[str, int]
    overdue: dict[str, int]
    categories: dict[str, int]  # this month's found problems by category
    overdue_now: int
    oldest_overdue: tuple[OverdueCase, ...]
    ranking_month: str  # "" when no month has been computed
    ranking_published: bool
    sheets: tuple[SheetRow, ...]  # best first
    red_flags: tuple[tuple[str, str], ...]  # (unit, street)


def gather(actor: Actor, *, now: datetime.datetime | None = None) -> Facts:
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    tz = now.tzinfo
    first = month_start(today, -(TREND_MONTHS - 1))
    months = tuple(month_key(month_start(today, -i)) for i in reversed(range(TREND_MONTHS)))
    since = datetime.datetime.combine(first, datetime.time.min, tz)
    this_month = datetime.datetime.combine(month_start(today), datetime.time.min, tz)
    problems = problems_visible(actor=actor)
    live = problems.exclude(status=ProblemStatus.VOID)

    def by_month(queryset, field: str) -> dict[str, int]:
        rows = (
            queryset.annotate(m=TruncMonth(field, tzinfo=tz)).values("m").annotate(n=Count("id")).values_list("m", "n")
        )
        counts: dict[str, int] = dict.fromkeys(months, 0)
        for month, n in rows:
            key = month_key(timezone.localtime(month, tz) if isinstance(month, datetime.datetime) else month)
            if key in counts:
                counts[key] += n
        return counts

    found = by_month(live.filter(found_at__gte=since, found_at__lte=now), "found_at")
    closed = by_month(
        problems.filter(status=ProblemStatus.CLOSED, closed_at__gte=since, closed_at__lte=now), "closed_at"
    )
    overdue = by_month(live.filter(deadline__gte=since, deadline__lt=now).exclude(rectified_on_time_q()), "deadline")
    categories = dict(
        live.filter(found_at__gte=this_month, found_at__lte=now)
        .values("category__name")
        .annotate(n=Count("id"))
        .values_list("category__name", "n")
    )
    open_late = problems.filter(status=ProblemStatus.OPEN, deadline__lt=now)
    oldest = tuple(
        OverdueCase(p.id, p.number, p.unit.name, p.category.name, p.deadline)
        for p in open_late.select_related("unit", "category").order_by("deadline", "id")[:OLDEST_OVERDUE]
    )
    ranking_month, published, sheets, flags = _ranking(actor, today)
    return Facts(
        now=now,
        months=months,
        found=found,
        closed=closed,
        overdue=overdue,
        categories=categories,
        overdue_now=open_late.count(),
        oldest_overdue=oldest,
        ranking_month=ranking_month,
        ranking_published=published,
        sheets=sheets,
        red_flags=flags,
    )


def _ranking(actor: Actor, today: datetime.date):
    """The latest computed month's sheets in scope at the community level (or the first level the
    rule set ranks), best first, and its red flags in scope."""
    assessment = (
        assessment_selectors.assessments(actor=actor)
        .filter(month__lte=today, status__in=[AssessmentStatus.COMPUTED, AssessmentStatus.PUBLISHED])
        .first()
    )
    if assessment is None:
        return "", False, (), ()
    visible = assessment_selectors.sheets_visible(actor=actor, assessment=assessment)
    levels = list(visible.values_list("level", flat=True).distinct())
    level = "community" if "community" in levels else (sorted(levels)[0] if levels else "")
    city_wide = _sees_city(actor, assessment)
    sheets = tuple(
        SheetRow(s.unit.name, s.street.name if s.street else "", s.rate, s.rank_city if city_wide else s.rank_street)
        for s in visible.filter(level=level).order_by("-rate", "unit__code")
    )
    flags = tuple(
        (f.sheet.unit.name, f.street.name)
        for f in RedFlag.objects.filter(assessment=assessment, sheet__in=visible)
        .select_related("sheet__unit", "street")
        .order_by("street__code", "sheet__unit__code")
    )
    return month_key(assessment.month), assessment.status == AssessmentStatus.PUBLISHED, sheets, flags


def _sees_city(actor: Actor, assessment) -> bool:
    """Does the actor's scope hold the whole city (so ranks in the city are the ones to show)?"""
    return actor.is_superuser or assessment.city_id in actor.root_unit_ids(Perm.ASSESSMENT_VIEW)


def _change(facts: Facts, series: dict[str, int]) -> dict:
    value, previous = series[facts.months[-1]], series[facts.months[-2]]
    return {"value": value, "previous": previous, "change": value - previous}


def _sheet(row: SheetRow) -> dict:
    return {"unit": row.unit, "street": row.street, "rate": float(round(row.rate * 100, 1)), "rank": row.rank}


def compose(facts: Facts, *, workday: Workday = is_workday) -> dict:
    """The figures, as plain JSON-ready values (pure: no database, no clock)."""
    top = list(facts.sheets[:RANKING_ENDS])
    bottom = [row for row in facts.sheets[-RANKING_ENDS:] if row not in top]
    bottom.reverse()  # worst first
    categories = Counter(facts.categories).most_common()
    categories.sort(key=lambda pair: (-pair[1], pair[0]))
    return {
        "month": facts.months[-1],
        "previous_month": facts.months[-2],
        "found": _change(facts, facts.found),
        "closed": _change(facts, facts.closed),
        "overdue": _change(facts, facts.overdue),
        "overdue_now": facts.overdue_now,
        "categories": [{"name": name, "count": n} for name, n in categories[:TOP_CATEGORIES]],
        "oldest_overdue": [
            {
                "id": case.id,
                "number": case.number,
                "unit": case.unit,
                "category": case.category,
                "deadline": f"{case.deadline.astimezone(facts.now.tzinfo):%Y-%m-%d}",
                "overdue_days": deadline_standing(case.deadline, facts.now, workday=workday).days,
            }
            for case in facts.oldest_overdue
        ],
        "ranking": {
            "month": facts.ranking_month,
            "published": facts.ranking_published,
            "count": len(facts.sheets),
            "top": [_sheet(row) for row in top],
            "bottom": [_sheet(row) for row in bottom],
        },
        "red_flags": [{"unit": unit, "street": street} for unit, street in facts.red_flags],
        "trend": [
            {"month": m, "found": facts.found[m], "closed": facts.closed[m], "overdue": facts.overdue[m]}
            for m in facts.months
        ],
        "generated_at": facts.now.isoformat(timespec="seconds"),
        "as_of": f"{facts.now:%Y-%m-%d %H:%M}",
    }


def may_see_overview(actor: Actor) -> bool:
    """The overview is for those who lead: the city office, city leaders and street officers."""
    from gongjian.accounts.choices import Role

    return actor.is_superuser or actor.has_role(Role.CITY_ADMIN, Role.CITY_LEADER, Role.STREET_OFFICER)


def cache_key(actor: Actor, now: datetime.datetime) -> str:
    """Actors with the same reach share the figures: keyed by the scope's roots, not the user."""
    roots = "all" if actor.is_superuser else ",".join(map(str, sorted(actor.root_unit_ids(Perm.PROBLEM_VIEW))))
    sheets = ",".join(map(str, sorted(actor.root_unit_ids(Perm.ASSESSMENT_VIEW))))
    digest = hashlib.sha256(f"{roots}|{sheets}".encode()).hexdigest()[:24]
    return f"dashboard:figures:{digest}:{timezone.localtime(now):%Y%m%d}"


def leader_figures(actor: Actor, *, now: datetime.datetime | None = None) -> dict:
    """The composed figures for the actor's scope, kept for a minute in Django's cache (a wall
    screen refreshing every minute and a room of leaders on their phones cost one gathering)."""
    now = now or timezone.now()
    key = cache_key(actor, now)
    figures = cache.get(key)
    if figures is None:
        figures = compose(gather(actor, now=now))
        cache.set(key, figures, CACHE_SECONDS)
    return figures
