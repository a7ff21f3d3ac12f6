"""Reads of activities: scoped lists, overdue ones, photos, the calendar and the quarter's diversity table."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql
from gongjian.participation import indices
from gongjian.participation.choices import HAPPENED_STATUSES, ActivityStatus
from gongjian.participation.models import (
    Activity,
    ActivityType,
    ActivityVolunteer,
)
from gongjian.participation.selectors.volunteers import communities_for

# --- activities ---------------------------------------------------------------------------------


def activities_visible(*, actor: Actor) -> QuerySet[Activity]:
    return restrict(Activity.objects.all(), actor, Perm.PARTICIPATION_VIEW, unit_field="community")


def activity_list(
    *,
    actor: Actor,
    community: int | None = None,
    type: str = "",
    status: str = "",
    month: datetime.date | None = None,
    cobuild_unit: int | None = None,
    q: str = "",
) -> QuerySet[Activity]:
    activities = activities_visible(actor=actor)
    if community is not None:
        activities = activities.filter(community_id__in=subtree_ids_sql([community]))
    if type:
        activities = activities.filter(type__code=type)
    if status:
        activities = activities.filter(status=status)
    if month is not None:
        start, end = month_bounds(month)
        activities = activities.filter(starts_at__gte=start, starts_at__lt=end)
    if cobuild_unit is not None:
        activities = activities.filter(units__cobuild_unit_id=cobuild_unit)
    if q:
        activities = activities.filter(Q(title__icontains=q) | Q(place__icontains=q))
    return (
        activities.select_related("type", "community", "theme")
        .annotate(
            unit_count=Count("units", distinct=True),
            volunteer_count=Count("volunteer_hours", distinct=True),
            photo_count=Count("photos", distinct=True),
            hour_total=Subquery(
                ActivityVolunteer.objects.filter(activity=OuterRef("pk"))
                .values("activity")
                .annotate(total=Sum("hours"))
                .values("total")[:1]
            ),
        )
        .order_by("-starts_at", "-id")
    )


def activities_overdue(actor: Actor, *, today: datetime.date | None = None) -> QuerySet[Activity]:
    """Planned activities of the communities the actor runs activities for whose (calendar) day
    has passed: they wait in the work queue until held or cancelled (``lifecycle.is_overdue``)."""
    today = today or timezone.localdate()
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    return (
        restrict(Activity.objects.all(), actor, Perm.ACTIVITY_MANAGE, unit_field="community")
        .filter(status=ActivityStatus.PLANNED, starts_at__lt=start_of_today)
        .select_related("type", "community")
        .order_by("starts_at", "id")
    )


def activity_get(*, actor: Actor, activity_id) -> Activity:
    return get_scoped_or_404(
        Activity.objects.select_related("type", "community", "theme", "created_by"),
        actor,
        Perm.PARTICIPATION_VIEW,
        unit_field="community",
        pk=activity_id,
    )


def activity_photo_get(*, actor: Actor, photo_id):
    from gongjian.participation.models import ActivityPhoto

    return get_scoped_or_404(
        ActivityPhoto.objects.all(), actor, Perm.PARTICIPATION_VIEW, unit_field="activity__community", pk=photo_id
    )


def activity_types() -> QuerySet[ActivityType]:
    return ActivityType.objects.filter(is_active=True).order_by("sort_order", "code")


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(month.replace(day=1), datetime.time.min, tz)
    next_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return start, datetime.datetime.combine(next_month, datetime.time.min, tz)


@dataclass(frozen=True)
class CalendarDay:
    day: datetime.date | None
    activities: list


def activity_calendar(*, activities: QuerySet[Activity], month: datetime.date) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of the month with each day's activities."""
    start, end = month_bounds(month)
    by_day = defaultdict(list)
    for activity in activities.filter(starts_at__gte=start, starts_at__lt=end):
        by_day[timezone.localtime(activity.starts_at).date()].append(activity)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        weeks.append([CalendarDay(day if day.month == month.month else None, by_day.get(day, [])) for day in week])
    return weeks


# --- diversity ----------------------------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.datetime, datetime.datetime]:
    first = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    last_month = datetime.date(year, 3 * quarter, 1)
    return month_bounds(first)[0], month_bounds(last_month)[1]


@dataclass(frozen=True)
class DiversityRow:
    community: Unit
    counts: dict
    result: indices.Diversity


def diversity_table(*, actor: Actor, year: int, quarter: int, unit: int | None = None) -> list[DiversityRow]:
    """Per visible community: held activities by type in the quarter and their diversity."""
    start, end = quarter_bounds(year, quarter)
    communities = communities_for(actor=actor, perm=Perm.PARTICIPATION_VIEW)
    if unit is not None:
        communities = communities.filter(id__in=subtree_ids_sql([unit]))
    communities = list(communities.select_related("parent"))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        activities_visible(actor=actor)
        .filter(status__in=HAPPENED_STATUSES, starts_at__gte=start, starts_at__lt=end)
        .values("community_id", "type__name")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["community_id"]][row["type__name"]] = row["n"]
    types_in_use = activity_types().count()
    return [
        DiversityRow(c, counts.get(c.pk, {}), indices.diversity(counts.get(c.pk, {}), types_in_use))
        for c in communities
    ]
