"""Reads of participation, always scoped through the access module. Volunteers' phone and ID
numbers are masked here (``present_volunteers``) for every role, except on the volunteer's own
record; a full number is shown only when revealed on purpose (``services.volunteer_reveal``).
Stairwell heads' and 门前三包 phones are shown to those holding ``Perm.PERSONAL_DATA_VIEW``; the
caller audits what it shows in full (``services.personal_data_view_record``)."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import CobuildUnit, Pairing, Unit
from gongjian.organizations.tree import subtree_ids_sql
from gongjian.participation import indices, privacy
from gongjian.participation.choices import HAPPENED_STATUSES, ActivityStatus, PartyStatus, VolunteerStatus
from gongjian.participation.models import (
    Activity,
    ActivityType,
    ActivityUnit,
    ActivityVolunteer,
    ImportBatch,
    LiaisonLeader,
    Obligation,
    ObligationRecord,
    Volunteer,
)

# --- volunteers ---------------------------------------------------------------------------------


def volunteers_visible(*, actor: Actor) -> QuerySet[Volunteer]:
    """Volunteers of the actor's places; a volunteer sees only their own record."""
    scoped = restrict(Volunteer.objects.all(), actor, Perm.VOLUNTEER_VIEW, unit_field="community")
    if actor.user_id is None:
        return Volunteer.objects.none()
    return Volunteer.objects.filter(Q(pk__in=scoped.values("pk")) | Q(user_id=actor.user_id))


def _hours_subquery():
    """Service hours: activities plus duty shifts."""
    from gongjian.participation.models import DutyShift

    decimal = DecimalField(max_digits=8, decimal_places=1)
    activities = Subquery(
        ActivityVolunteer.objects.filter(volunteer=OuterRef("pk"))
        .values("volunteer")
        .annotate(total=Sum("hours"))
        .values("total")[:1],
        output_field=decimal,
    )
    shifts = Subquery(
        DutyShift.objects.filter(member__volunteer=OuterRef("pk"))
        .values("member__volunteer")
        .annotate(total=Sum("hours"))
        .values("total")[:1],
        output_field=decimal,
    )
    zero = Value(Decimal("0"))
    return ExpressionWrapper(
        Coalesce(activities, zero, output_field=decimal) + Coalesce(shifts, zero, output_field=decimal),
        output_field=decimal,
    )


def with_reveal(queryset: QuerySet[Volunteer], actor: Actor) -> QuerySet[Volunteer]:
    """Annotate ``reveal``: is this the actor's own record? Every list, export and API response
    masks everyone else's phone and ID number, for every role; a person holding
    ``Perm.PERSONAL_DATA_VIEW`` reveals one record on purpose (``services.volunteer_reveal``)."""
    own = Q(user_id=actor.user_id) if actor.user_id is not None else Q(pk__in=[])
    return queryset.annotate(
        reveal=Case(When(own, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def volunteer_list(
    *,
    actor: Actor,
    community: int | None = None,
    status: str = "",
    party_status: str = "",
    q: str = "",
) -> QuerySet[Volunteer]:
    volunteers = volunteers_visible(actor=actor)
    if community is not None:
        volunteers = volunteers.filter(community_id__in=subtree_ids_sql([community]))
    if status:
        volunteers = volunteers.filter(status=status)
    if party_status == "member":
        volunteers = volunteers.exclude(party_status=PartyStatus.NONE)
    elif party_status:
        volunteers = volunteers.filter(party_status=party_status)
    if q:
        volunteers = volunteers.filter(Q(name__icontains=q) | Q(work_unit__icontains=q) | Q(skills__icontains=q))
    volunteers = with_reveal(volunteers, actor).annotate(hours=_hours_subquery())
    return volunteers.select_related("community__parent").order_by("community__code", "name", "id")


def volunteer_get(*, actor: Actor, volunteer_id) -> Volunteer:
    try:
        return (
            with_reveal(volunteers_visible(actor=actor), actor)
            .select_related("community__parent", "user")
            .get(pk=volunteer_id)
        )
    except (Volunteer.DoesNotExist, ValueError, TypeError):
        from django.http import Http404

        raise Http404 from None


def volunteer_manageable(*, actor: Actor, volunteer_id) -> Volunteer:
    return get_scoped_or_404(
        Volunteer.objects.select_related("community"),
        actor,
        Perm.VOLUNTEER_MANAGE,
        unit_field="community",
        pk=volunteer_id,
    )


@dataclass(frozen=True)
class VolunteerRow:
    id: int
    name: str
    phone: str
    id_number: str
    revealed: bool
    community: str
    community_id: int
    party_status: str
    party_code: str
    work_unit: str
    skills: str
    availability: str
    status: str
    status_code: str
    hours: Decimal
    registered_on: datetime.date
    street: str = ""


def present_volunteer(v: Volunteer) -> VolunteerRow:
    revealed = bool(getattr(v, "reveal", False))
    if revealed:
        phone, id_number = v.phone, privacy.decrypt_id_number(v.id_number_token)
    else:
        phone, id_number = privacy.mask_phone(v.phone), privacy.mask_id_last4(v.id_number_last4)
    return VolunteerRow(
        id=v.pk,
        name=v.name,
        phone=phone,
        id_number=id_number,
        revealed=revealed,
        community=v.community.name,
        community_id=v.community_id,
        party_status=str(v.get_party_status_display()),
        party_code=v.party_status,
        work_unit=v.work_unit,
        skills=v.skills,
        availability=v.availability,
        status=str(v.get_status_display()),
        status_code=v.status,
        hours=getattr(v, "hours", None) or Decimal("0"),
        registered_on=v.registered_on,
        street=v.community.parent.name if v.community.parent_id else "",
    )


def present_volunteers(volunteers) -> list[VolunteerRow]:
    return [present_volunteer(v) for v in volunteers]


@dataclass(frozen=True)
class ServiceLine:
    activity_id: int | None  # None for a duty shift
    title: str
    community: str
    starts_at: datetime.datetime
    hours: Decimal


def volunteer_service(*, volunteer: Volunteer) -> tuple[list[ServiceLine], Decimal]:
    """The volunteer's service record (志愿服务记录): activities and duty shifts with hours, newest
    first, and the total."""
    from gongjian.participation.models import DutyShift

    tz = timezone.get_current_timezone()
    lines = [
        ServiceLine(s.activity_id, s.activity.title, s.activity.community.name, s.activity.starts_at, s.hours)
        for s in ActivityVolunteer.objects.filter(volunteer=volunteer).select_related("activity", "activity__community")
    ]
    lines += [
        ServiceLine(
            None,
            f"{shift.member.team.get_kind_display()} · {shift.member.area}",
            shift.member.team.community.name,
            datetime.datetime.combine(shift.date, datetime.time(8), tz),
            shift.hours,
        )
        for shift in DutyShift.objects.filter(member__volunteer=volunteer).select_related(
            "member", "member__team", "member__team__community"
        )
    ]
    lines.sort(key=lambda line: line.starts_at, reverse=True)
    return lines, sum((line.hours for line in lines), Decimal("0"))


def pending_sign_ups(*, actor: Actor) -> QuerySet[Volunteer]:
    return restrict(
        Volunteer.objects.filter(status=VolunteerStatus.PENDING), actor, Perm.VOLUNTEER_MANAGE, unit_field="community"
    ).select_related("community")


def communities_for(*, actor: Actor, perm: Perm) -> QuerySet[Unit]:
    return restrict(Unit.objects.filter(level=UnitLevel.COMMUNITY), actor, perm, unit_field="id").order_by("code")


def import_batch_get(*, actor: Actor, batch_id) -> ImportBatch:
    return get_scoped_or_404(
        ImportBatch.objects.select_related("community"),
        actor,
        Perm.VOLUNTEER_MANAGE,
        unit_field="community",
        pk=batch_id,
    )


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


# --- teams, stairwell heads, frontage duties -------------------------------------------------------


def revealed_communities(*, actor: Actor, community_ids) -> set[int]:
    """The communities among these where the actor may see personal data in full."""
    return set(
        restrict(
            Unit.objects.filter(id__in=list(community_ids)), actor, Perm.PERSONAL_DATA_VIEW, unit_field="id"
        ).values_list("id", flat=True)
    )


def teams_visible(*, actor: Actor):
    from gongjian.participation.models import Team

    return restrict(Team.objects.all(), actor, Perm.PARTICIPATION_VIEW, unit_field="community").select_related(
        "community"
    )


def frontage_duties_visible(*, actor: Actor):
    from gongjian.participation.models import FrontageDuty

    return (
        restrict(FrontageDuty.objects.all(), actor, Perm.PARTICIPATION_VIEW, unit_field="community")
        .select_related("community")
        .annotate(problem_count=Count("problem_links"))
        .order_by("community__code", "holder", "id")
    )


def frontage_duty_get(*, actor: Actor, duty_id):
    from gongjian.participation.models import FrontageDuty

    return get_scoped_or_404(
        FrontageDuty.objects.select_related("community"),
        actor,
        Perm.PARTICIPATION_VIEW,
        unit_field="community",
        pk=duty_id,
    )


def frontage_duty_problems(*, actor: Actor, duty):
    """The problems pointing at a register entry, as far as the actor may see problems."""
    from gongjian.inspections.models import Problem

    problems = Problem.objects.filter(frontage_link__duty=duty).select_related("category", "unit")
    return restrict(problems, actor, Perm.PROBLEM_VIEW, unit_field="unit").order_by("-found_at")


def stairwell_heads_visible(*, actor: Actor):
    from gongjian.participation.models import StairwellHead

    return restrict(StairwellHead.objects.all(), actor, Perm.PARTICIPATION_VIEW, unit_field="compound").select_related(
        "compound", "compound__parent"
    )


@dataclass(frozen=True)
class CommunityRoster:
    community: Unit
    teams: list  # (team, [(member, phone shown, hours on duty)])
    stairwell_heads: list  # (head, phone shown)
    frontage: list  # (duty, phone shown)
    revealed: bool


def community_roster(*, actor: Actor, community: Unit) -> CommunityRoster:
    """The four teams with members, areas and schedules; stairwell heads of the community's
    compounds; the 门前三包 register. Members' (volunteers') phones are always masked; the others
    unless the actor may see them (``revealed``)."""
    from gongjian.participation.models import TeamMember

    reveal = community.pk in revealed_communities(actor=actor, community_ids=[community.pk])

    def shown(phone: str) -> str:
        return phone if reveal else privacy.mask_phone(phone)

    teams = list(teams_visible(actor=actor).filter(community=community))
    members = (
        TeamMember.objects.filter(team__in=teams)
        .select_related("volunteer")
        .annotate(duty_hours=Coalesce(Sum("shifts__hours"), Value(Decimal("0"))))
        .order_by("id")
    )
    by_team = defaultdict(list)
    for member in members:
        # Team members are volunteers: masked like every volunteer list.
        by_team[member.team_id].append((member, privacy.mask_phone(member.volunteer.phone), member.duty_hours))
    heads = (
        stairwell_heads_visible(actor=actor)
        .filter(compound__parent=community)
        .order_by("compound__code", "building", "entrance")
    )
    duties = frontage_duties_visible(actor=actor).filter(community=community)
    return CommunityRoster(
        community=community,
        teams=[(team, by_team.get(team.pk, [])) for team in teams],
        stairwell_heads=[(h, shown(h.phone)) for h in heads],
        frontage=[(d, shown(d.phone)) for d in duties],
        revealed=reveal,
    )
