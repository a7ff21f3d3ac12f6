"""Reads of problems and their statistics, always scoped through the access module."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.accounts.models import Membership
from gongjian.core.audit import history_for
from gongjian.inspections import indicators, nearby
from gongjian.inspections.choices import ExtensionStatus, PhotoStage, ProblemStatus, ReviewOutcome
from gongjian.inspections.models import Category, Extension, Inspection, Problem, ProblemPhoto
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql


def problems_visible(*, actor: Actor) -> QuerySet[Problem]:
    return restrict(Problem.objects.all(), actor, Perm.PROBLEM_VIEW, unit_field="unit")


def problems_visible_in(*, actor: Actor, unit_id: int) -> QuerySet[Problem]:
    """Visible problems at a unit or below it. When the actor's scope holds the whole unit, the
    scope's predicate is implied by the unit's and is left out: beside ``street_id = ...`` a
    redundant ``city_id IN (...)`` makes PostgreSQL pick the city's index and read the whole
    city's month (bench/inspections/, "stats month, unit=street")."""
    if _scope_holds(actor, unit_id):
        return in_subtree(Problem.objects.all(), unit_id)
    return in_subtree(problems_visible(actor=actor), unit_id)


def _scope_holds(actor: Actor, unit_id: int) -> bool:
    from gongjian.organizations.tree import ancestor_ids_sql

    if not actor.has_perm(Perm.PROBLEM_VIEW):
        return False
    if actor.sees_everything(Perm.PROBLEM_VIEW):
        return True
    roots = actor.root_unit_ids(Perm.PROBLEM_VIEW)
    return bool(roots) and Unit.objects.filter(id__in=ancestor_ids_sql([unit_id])).filter(id__in=roots).exists()


# What a row of a problem list shows (templates/inspections/_problem_rows.html): loading only these
# halves the cost of the list's model instances (bench/README.md "What a request costs").
PROBLEM_ROW_FIELDS = (
    "number",
    "address",
    "found_at",
    "deadline",
    "status",
    "rework_count",
    "relapse_of_id",
    "category__name",
    "unit__name",
)


def problem_list(
    *,
    actor: Actor,
    status: str = "",
    category: str = "",
    unit: int | None = None,
    overdue: bool | None = None,
    relapse: bool | None = None,
    found_after: datetime.date | None = None,
    found_before: datetime.date | None = None,
    q: str = "",
) -> QuerySet[Problem]:
    problems = problems_visible(actor=actor) if unit is None else problems_visible_in(actor=actor, unit_id=unit)
    if status:
        problems = problems.filter(status=status)
    if category:
        problems = problems.filter(category__code=category)
    now = timezone.now()
    overdue_q = Q(status=ProblemStatus.OPEN, deadline__lt=now)
    if overdue is True:
        problems = problems.filter(overdue_q)
    elif overdue is False:
        problems = problems.exclude(overdue_q)
    if relapse is not None:
        problems = problems.filter(relapse_of__isnull=not relapse)
    tz = timezone.get_current_timezone()
    if found_after:
        problems = problems.filter(found_at__gte=datetime.datetime.combine(found_after, datetime.time.min, tz))
    if found_before:
        end = datetime.datetime.combine(found_before + datetime.timedelta(days=1), datetime.time.min, tz)
        problems = problems.filter(found_at__lt=end)
    if q:
        problems = problems.filter(Q(number__startswith=q) | Q(address__icontains=q))
    return problems.select_related("category", "unit").order_by("-found_at", "-id")


def in_subtree(problems: QuerySet[Problem], unit_id: int) -> QuerySet[Problem]:
    """Problems at a unit or below it, through the scope column of the unit's level."""
    level = Unit.objects.filter(pk=unit_id).values_list("level", flat=True).first()
    column = Problem.SCOPE_COLUMNS.get(level)
    if column:
        return problems.filter(**{column: unit_id})
    return problems.filter(unit_id__in=subtree_ids_sql([unit_id]))


def problem_get(*, actor: Actor, problem_id) -> Problem:
    return get_scoped_or_404(
        Problem.objects.select_related("category", "unit", "unit__parent", "reporter", "relapse_of", "inspection"),
        actor,
        Perm.PROBLEM_VIEW,
        unit_field="unit",
        pk=problem_id,
    )


def photo_get(*, actor: Actor, photo_id) -> ProblemPhoto:
    """A photo, only if the actor may see its problem (media is never public)."""
    return get_scoped_or_404(
        ProblemPhoto.objects.select_related("problem"),
        actor,
        Perm.PROBLEM_VIEW,
        unit_field="problem__unit",
        pk=photo_id,
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    actor: str
    action: str
    from_state: str
    to_state: str
    note: str
    photos: list
    # Re-checks: "passed" or "failed" (the rectification's outcome). Rectifications: True when the
    # re-check failed it, so its after-photos are shown as rejected.
    outcome: str = ""
    rejected: bool = False

    @property
    def from_label(self) -> str:
        return _status_label(self.from_state)

    @property
    def to_label(self) -> str:
        return _status_label(self.to_state)


def _status_label(state: str) -> str:
    return str(ProblemStatus(state).label) if state in ProblemStatus.values else state


def problem_photos(*, problem: Problem) -> list[ProblemPhoto]:
    """Every photo of the problem, in the order they were sent, with its rectification."""
    return list(problem.photos.select_related("rectification").order_by("uploaded_at", "id"))


def problem_timeline(*, problem: Problem, photos: list[ProblemPhoto] | None = None) -> list[TimelineEntry]:
    """Every recorded step of the problem, oldest first, with the photos sent at that step: the
    report's, each rectification's after-photos (marked rejected when its re-check failed) and
    the photos taken at each re-check."""
    photos = problem_photos(problem=problem) if photos is None else photos
    before = [p for p in photos if p.rectification_id is None]
    after, at_review = defaultdict(list), defaultdict(list)
    for photo in photos:
        if photo.rectification_id:
            (at_review if photo.stage == PhotoStage.RECHECK else after)[photo.rectification_id].append(photo)
    submitted = list(problem.rectifications.order_by("submitted_at", "id"))
    rectifications = iter(submitted)
    reviewed = iter(
        sorted((r for r in submitted if r.outcome != ReviewOutcome.PENDING), key=lambda r: (r.reviewed_at, r.id))
    )
    entries = []
    for event in history_for(problem).order_by("at", "id"):
        shown, outcome, rejected = [], "", False
        if event.action == "problem.report":
            shown = before
        elif event.action == "problem.rectify":
            rectification = next(rectifications, None)
            if rectification is not None:
                shown = after.get(rectification.pk, [])
                rejected = rectification.outcome == ReviewOutcome.FAILED
        elif event.action == "problem.review":
            rectification = next(reviewed, None)
            if rectification is not None:
                shown = at_review.get(rectification.pk, [])
                outcome = rectification.outcome
            else:
                outcome = ReviewOutcome.PASSED if event.to_state == ProblemStatus.CLOSED else ReviewOutcome.FAILED
        entries.append(
            TimelineEntry(
                at=event.at,
                actor=str(event.actor) if event.actor else "",
                action=event.action,
                from_state=event.from_state,
                to_state=event.to_state,
                note=event.note,
                photos=shown,
                outcome=outcome,
                rejected=rejected,
            )
        )
    return entries


def pending_extension(*, problem: Problem) -> Extension | None:
    return problem.extensions.filter(status=ExtensionStatus.PENDING).first()


def work_queue(*, actor: Actor, limit: int = 50) -> dict[str, QuerySet[Problem]]:
    """The three lists a person works from: to rectify, to re-check, overdue."""
    now = timezone.now()
    base = Problem.objects.select_related("category", "unit").order_by("deadline", "id")
    return {
        "to_rectify": restrict(base, actor, Perm.PROBLEM_RECTIFY).filter(status=ProblemStatus.OPEN)[:limit],
        "to_review": restrict(base, actor, Perm.PROBLEM_REVIEW).filter(status=ProblemStatus.SUBMITTED)[:limit],
        "overdue": restrict(base, actor, Perm.PROBLEM_VIEW).filter(status=ProblemStatus.OPEN, deadline__lt=now)[:limit],
        "extensions": restrict(
            Extension.objects.select_related("problem", "problem__unit", "requested_by"),
            actor,
            Perm.PROBLEM_EXTEND,
            unit_field="problem__unit",
        ).filter(status=ExtensionStatus.PENDING, problem__status=ProblemStatus.OPEN)[:limit],
    }


def inspections_visible(*, actor: Actor) -> QuerySet[Inspection]:
    return restrict(Inspection.objects.all(), actor, Perm.PROBLEM_VIEW, unit_field="organiser").select_related(
        "organiser"
    )


def inspections_for_reporting(*, actor: Actor, today: datetime.date | None = None) -> QuerySet[Inspection]:
    """Recent rounds the actor may file problems under (the report page's optional picker)."""
    today = today or timezone.localdate()
    rounds = restrict(Inspection.objects.all(), actor, Perm.PROBLEM_REPORT, unit_field="organiser")
    return rounds.filter(date__gte=today - datetime.timedelta(days=31), date__lte=today).order_by("-date", "-id")


def inspectors_available(*, actor: Actor):
    """People holding the inspector role inside the actor's scope (for a round's inspector list)."""
    from gongjian.accounts.choices import Role
    from gongjian.accounts.models import User

    memberships = restrict(
        Membership.objects.filter(role=Role.INSPECTOR, is_active=True), actor, Perm.PROBLEM_REPORT, unit_field="unit"
    )
    return User.objects.filter(id__in=memberships.values("user_id")).order_by("username")


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("sort_order", "code")


def units_for_reporting(*, actor: Actor) -> QuerySet[Unit]:
    """Compounds and communities the actor may report problems at (the report page's picker)."""
    units = restrict(
        Unit.objects.filter(level__in=("community", "compound")), actor, Perm.PROBLEM_REPORT, unit_field="id"
    )
    return units.select_related("parent").order_by("code")


def categories_by_frequency(*, days: int = 365) -> list[Category]:
    """Active categories, the city's most frequent (problems found in the last ``days``) first,
    then in their usual order: the report form shows the top ones first."""
    since = timezone.now() - datetime.timedelta(days=days)
    counts = dict(
        Problem.objects.filter(found_at__gte=since)
        .exclude(status=ProblemStatus.VOID)
        .values_list("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    categories = list(categories_active())
    order = {c.pk: i for i, c in enumerate(categories)}
    categories.sort(key=lambda c: (-counts.get(c.pk, 0), order[c.pk]))
    for category in categories:
        category.recent_count = counts.get(category.pk, 0)
    return categories


def units_near(*, actor: Actor, latitude: float, longitude: float, limit: int = 5) -> list[tuple[Unit, int]]:
    """The units the actor may report at that are nearest the position, most likely first, each
    with its distance in metres (``nearby.nearest``)."""
    units = {u.pk: u for u in units_for_reporting(actor=actor).filter(latitude__isnull=False, longitude__isnull=False)}
    places = [nearby.Place(u.pk, u.level, float(u.latitude), float(u.longitude)) for u in units.values()]
    ranked = nearby.nearest(places, latitude=latitude, longitude=longitude, limit=limit)
    return [(units[r.id], r.distance_m) for r in ranked]


# --- statistics ------------------------------------------------------------------------------


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime(month.year, month.month, 1, tzinfo=tz)
    next_month = datetime.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=tz)
    return start, next_month


def rectified_on_time_q() -> Q:
    """The rectification in hand (awaiting re-check, or accepted) came by the deadline. A problem
    sent back for rework is open again, so its earlier submission no longer counts."""
    return Q(
        status__in=[ProblemStatus.SUBMITTED, ProblemStatus.CLOSED],
        submitted_at__isnull=False,
        submitted_at__lte=F("deadline"),
    )


def cohort_aggregates(as_of: datetime.datetime) -> dict:
    """Conditional counts over a cohort of problems, all in one SQL aggregate."""
    not_void = ~Q(status=ProblemStatus.VOID)
    due = not_void & (Q(status=ProblemStatus.CLOSED) | Q(deadline__lte=as_of))
    on_time = rectified_on_time_q()
    return {
        "found": Count("id", filter=not_void),
        "void": Count("id", filter=Q(status=ProblemStatus.VOID)),
        "due": Count("id", filter=due),
        "closed": Count("id", filter=Q(status=ProblemStatus.CLOSED)),
        "closed_on_time": Count("id", filter=Q(status=ProblemStatus.CLOSED) & on_time),
        "reworked": Count("id", filter=due & Q(rework_count__gt=0)),
        "overdue": Count("id", filter=due & ~on_time),
        "relapses": Count("id", filter=not_void & Q(relapse_of__isnull=False)),
        # 回潮率's numerator, over the same cohort as its denominator (closed): closed problems that a
        # later relapse links back to.
        "relapsed": Count(
            "id",
            filter=Q(status=ProblemStatus.CLOSED)
            & Exists(Problem.objects.filter(relapse_of=OuterRef("pk")).exclude(status=ProblemStatus.VOID)),
        ),
    }


@dataclass
class ProblemStats:
    month: datetime.date
    unit: Unit | None
    counts: indicators.CohortCounts
    rates: indicators.Rates
    by_category: list[indicators.CategoryShare]
    sentence: str
    by_street: list[dict]
    by_community: list[dict]
    trend: list[dict]
    # The day the figures run to while the month is still in progress (labelled 截至 D 日), else None.
    as_of_day: datetime.date | None = None


def _period_label(month: datetime.date) -> str:
    today = timezone.localdate()
    if (month.year, month.month) == (today.year, today.month):
        return as_of_label(today)
    return _("In %(month)s/%(year)s") % {"year": month.year, "month": month.month}


def as_of_label(day: datetime.date) -> str:
    """A month in progress: "截至12月6日" / "Up to 6 December"-style, so a partial month's figures are
    never read as the whole month's."""
    return _("Up to %(month)s/%(day)s") % {"month": day.month, "day": day.day}


def problem_stats(*, actor: Actor, month: datetime.date, unit: Unit | None = None) -> ProblemStats:
    start, end = month_bounds(month)
    as_of = min(timezone.now(), end)
    scoped = problems_visible(actor=actor) if unit is None else problems_visible_in(actor=actor, unit_id=unit.pk)
    cohort = scoped.filter(found_at__gte=start, found_at__lt=end)
    aggregates = cohort_aggregates(as_of)
    # One scan for the totals and the three breakdowns: grouped by (street, community, category),
    # summed up here ("found" leaves the void out, as the category shares do).
    groups = list(cohort.values("street_id", "community_id", "category_id").annotate(**aggregates).order_by())
    fields = list(aggregates)
    counts = indicators.CohortCounts(**{f: sum(g[f] for g in groups) for f in fields})

    per_category: dict[int, int] = {}
    for group in groups:
        per_category[group["category_id"]] = per_category.get(group["category_id"], 0) + group["found"]
    names = {pk: (code, name) for pk, code, name in Category.objects.values_list("id", "code", "name")}
    shares = indicators.category_shares([(*names[pk], n) for pk, n in per_category.items() if pk in names])
    by_street = _rates_by(groups, fields, "street_id")
    by_community = _rates_by(groups, fields, "community_id")
    trend = _trend(scoped, month, one_scan=_small_scope(actor, unit))
    return ProblemStats(
        month=month,
        unit=unit,
        counts=counts,
        rates=indicators.rates(counts),
        by_category=shares,
        sentence=indicators.summary_sentence(_period_label(month), counts.found, shares),
        by_street=by_street,
        by_community=by_community,
        trend=trend,
        as_of_day=timezone.localtime(as_of).date() if as_of < end else None,
    )


SMALL_SCOPE_LEVELS = {"street", "community", "compound"}


def _small_scope(actor: Actor, unit: Unit | None) -> bool:
    """At most a street's problems: a street or smaller unit asked for, or an actor placed no higher."""
    if unit is not None:
        return unit.level in SMALL_SCOPE_LEVELS
    if actor.sees_everything(Perm.PROBLEM_VIEW):
        return False
    roots = actor.root_unit_ids(Perm.PROBLEM_VIEW)
    levels = set(Unit.objects.filter(id__in=roots).values_list("level", flat=True))
    return bool(levels) and levels <= SMALL_SCOPE_LEVELS


def _trend(scoped: QuerySet[Problem], month: datetime.date, *, one_scan: bool, months: int = 12) -> list[dict]:
    """Found and closed per month for the last ``months`` months. For a street or smaller, one
    grouped scan of the (scope, found_at, status) index (each month's bucket from plain comparisons
    on found_at). For a city, twelve small counts, each answered from the index without reading the
    rows, cost less than grouping 400,000 index entries: they go to the database as one statement
    (``_counts_per_month``)."""
    bounds = [month_bounds(_months_back(month, back)) for back in range(months - 1, -1, -1)]
    live = scoped.exclude(status=ProblemStatus.VOID).order_by()
    counts = {"found": Count("status"), "closed": Count("status", filter=Q(status=ProblemStatus.CLOSED))}
    if one_scan:
        bucket = Case(
            *[When(found_at__lt=end, then=Value(index)) for index, (_start, end) in enumerate(bounds)],
            output_field=IntegerField(),
        )
        rows = (
            live.filter(found_at__gte=bounds[0][0], found_at__lt=bounds[-1][1])
            .annotate(bucket=bucket)
            .values("bucket")
            .annotate(**counts)
        )
        by_bucket = {row["bucket"]: row for row in rows}
    else:
        by_bucket = _counts_per_month(live, counts, bounds)
    trend = []
    for index, (start, _end) in enumerate(bounds):
        row = by_bucket.get(index)
        if row and row["found"]:
            trend.append(
                {"month": f"{timezone.localtime(start):%Y-%m}", "found": row["found"], "closed": row["closed"]}
            )
    return trend


# Two instants no problem is found at, standing for a month's bounds while the query is compiled.
_START_PROBE = datetime.datetime(1900, 1, 1, 0, 0, 0, 1, tzinfo=datetime.UTC)
_END_PROBE = datetime.datetime(1900, 1, 1, 0, 0, 0, 2, tzinfo=datetime.UTC)


def _counts_per_month(
    live: QuerySet[Problem], counts: dict, bounds: list[tuple[datetime.datetime, datetime.datetime]]
) -> dict[int, dict]:
    """The same counts for each month, each an index-only count, in one statement: the ORM compiles
    the month's query once (scope included, as for any query of ``live``), with probe instants for
    its bounds; the twelve months are that SQL with the probes' parameters replaced, joined by
    UNION ALL. Compiling one query instead of twelve was most of the stats endpoint's CPU (bench/
    README.md "Round 4"). Should the probes not be found exactly once each in the parameters, the
    months are counted one query at a time."""
    per_month = live.filter(found_at__gte=_START_PROBE, found_at__lt=_END_PROBE)
    query = per_month.values(whole=Value(1)).annotate(**counts).values(*counts)
    found_at = Problem._meta.get_field("found_at")
    connection = connections[query.db]
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # a scope that holds nothing: no month has a problem
        return {}
    start_at = _position_of(params, found_at.get_db_prep_value(_START_PROBE, connection))
    end_at = _position_of(params, found_at.get_db_prep_value(_END_PROBE, connection))
    if start_at is None or end_at is None:
        return {
            index: live.filter(found_at__gte=start, found_at__lt=end).aggregate(**counts)
            for index, (start, end) in enumerate(bounds)
        }
    columns = ", ".join(connection.ops.quote_name(name) for name in counts)
    parts, all_params = [], []
    for index, (start, end) in enumerate(bounds):
        month_params = list(params)
        month_params[start_at] = found_at.get_db_prep_value(start, connection)
        month_params[end_at] = found_at.get_db_prep_value(end, connection)
        parts.append(f"SELECT {index:d} AS bucket, {columns} FROM ({sql}) AS month_{index:d}")
        all_params.extend(month_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), all_params)
        return {row[0]: dict(zip(counts, row[1:], strict=True)) for row in cursor.fetchall()}


def _position_of(params, value) -> int | None:
    """Where ``value`` is in the parameters, when it is there exactly once."""
    positions = [index for index, param in enumerate(params) if param == value]
    return positions[0] if len(positions) == 1 else None


def _months_back(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _rates_by(groups: list[dict], fields: list[str], column: str) -> list[dict]:
    """Counts and rates per street or community, summed from the (street, community) groups."""
    sums: dict[int, dict[str, int]] = {}
    for group in groups:
        unit_id = group[column]
        if unit_id is None:
            continue
        bucket = sums.setdefault(unit_id, dict.fromkeys(fields, 0))
        for field in fields:
            bucket[field] += group[field]
    names = dict(Unit.objects.filter(id__in=list(sums)).values_list("id", "name"))
    result = [
        {
            "unit_id": unit_id,
            "name": names.get(unit_id, ""),
            **counts,
            **indicators.rates(indicators.CohortCounts(**counts)).as_dict(),
        }
        for unit_id, counts in sums.items()
    ]
    return sorted(result, key=lambda r: (-r["found"], r["name"]))
