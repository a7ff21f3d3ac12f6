"""Reads of volunteers: scoped lists, masked presentation, service hours, sign-ups and imports."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
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
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql
from gongjian.participation import privacy
from gongjian.participation.choices import PartyStatus, VolunteerStatus
from gongjian.participation.models import (
    ActivityVolunteer,
    ImportBatch,
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
