"""Activities: recording a planned or held activity with its units, volunteers' hours and captioned photos."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm
from gongjian.core.audit import audit_record
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import CobuildUnit, Pairing, Unit
from gongjian.participation.choices import RECORDABLE_STATUSES, ActivityStatus, VolunteerStatus
from gongjian.participation.models import (
    Activity,
    ActivityPhoto,
    ActivityType,
    ActivityUnit,
    ActivityVolunteer,
    MonthlyTheme,
    Volunteer,
)
from gongjian.participation.services._common import _require_at, city_of

# --- activities ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitAttendance:
    cobuild_unit: CobuildUnit
    attendees: int = 1
    head_attended: bool = False


@dataclass(frozen=True)
class VolunteerHours:
    volunteer: Volunteer
    hours: Decimal


def _paired(community_id: int, day: datetime.date):
    return Pairing.objects.filter(community_id=community_id, started_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day)
    )


def check_volunteer_hours(volunteers: Sequence[VolunteerHours], city: int | None, errors: dict[str, str]) -> None:
    """Registered volunteers of the activity's city, each once, with 0 < hours ≤ 24."""
    seen = set()
    cities = {cid: city_of(cid) for cid in {s.volunteer.community_id for s in volunteers}}
    for service in volunteers:
        v = service.volunteer
        if v.status != VolunteerStatus.ACTIVE:
            errors["volunteers"] = _("%(name)s is not a registered volunteer.") % {"name": v.name}
        elif cities[v.community_id] != city:
            errors["volunteers"] = _("%(name)s is a volunteer of another city.") % {"name": v.name}
        elif not (Decimal("0") < service.hours <= Decimal("24")):
            errors["volunteers"] = _("Hours must be more than 0 and at most 24.")
        elif v.pk in seen:
            errors["volunteers"] = _("%(name)s is listed twice.") % {"name": v.name}
        seen.add(v.pk)


def check_captions(photos: Sequence[tuple[bytes, str]], errors: dict[str, str]) -> None:
    if any(not caption.strip() for _data, caption in photos):
        errors["photos"] = _("Every photo needs a caption saying what it shows.")


def save_photos(activity: Activity, processed, captions: Sequence[str], user, written: list[str]) -> None:
    """Store processed photos with their captions; ``written`` collects the file names so the
    caller can delete them when its transaction fails."""
    for photo, caption in zip(processed, captions, strict=True):
        record = ActivityPhoto(
            activity=activity,
            sha256=photo.sha256,
            caption=caption.strip()[:200],
            width=photo.width,
            height=photo.height,
            uploaded_by=user,
        )
        record.file.save("activity.jpg", ContentFile(photo.content), save=False)
        written.append(record.file.name)
        record.thumbnail.save("activity-thumb.jpg", ContentFile(photo.thumbnail), save=False)
        written.append(record.thumbnail.name)
        record.save()


def activity_record(
    *,
    user,
    community: Unit,
    type: ActivityType,
    title: str,
    organiser: str,
    status: str,
    starts_at: datetime.datetime,
    place: str,
    summary: str = "",
    theme: MonthlyTheme | None = None,
    units: Sequence[UnitAttendance] = (),
    volunteers: Sequence[VolunteerHours] = (),
    photos: Sequence[tuple[bytes, str]] = (),
    now: datetime.datetime | None = None,
) -> Activity:
    """Record a planned or held activity with the co-construction units that took part, the
    volunteers' hours and captioned photos. Held activities cannot be in the future."""
    from gongjian.inspections.photo_storage import photos_process

    _require_at(user, Perm.ACTIVITY_MANAGE, community.pk, "community")
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if community.level != UnitLevel.COMMUNITY:
        errors["community"] = _("An activity belongs to a community.")
    if not title.strip():
        errors["title"] = _("Give the activity a title.")
    if not place.strip():
        errors["place"] = _("Say where the activity takes place.")
    if status not in RECORDABLE_STATUSES:
        errors["status"] = _("An activity is recorded as planned or as held.")
    if status == ActivityStatus.HELD and starts_at > now:
        errors["starts_at"] = _("A held activity cannot be in the future.")
    if not type.is_active:
        errors["type"] = _("This activity type is no longer in use.")
    if status == ActivityStatus.PLANNED and volunteers:
        errors["volunteers"] = _("Service hours are recorded once the activity has been held.")
    city = city_of(community.pk)
    day = timezone.localtime(starts_at).date()
    paired = set(_paired(community.pk, day).values_list("cobuild_unit_id", flat=True))
    for attendance in units:
        if attendance.cobuild_unit.pk not in paired:
            errors["units"] = _("%(unit)s is not paired with this community.") % {"unit": attendance.cobuild_unit}
    if len({a.cobuild_unit.pk for a in units}) != len(units):
        errors["units"] = _("A unit is listed twice.")
    check_volunteer_hours(volunteers, city, errors)
    if theme is not None and theme.month != day.replace(day=1):
        errors["theme"] = _("The theme belongs to another month.")
    check_captions(photos, errors)
    if errors:
        raise ValidationError(errors)
    processed = photos_process([data for data, _caption in photos]) if photos else []

    written: list[str] = []
    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                title=title.strip(),
                type=type,
                theme=theme,
                community=community,
                organiser=organiser.strip() or str(community),
                status=status,
                starts_at=starts_at,
                place=place.strip(),
                summary=summary.strip(),
                created_by=user,
                plan_required=status == ActivityStatus.PLANNED and settings.ACTIVITY_PLAN_REQUIRED,
                held_on=day if status == ActivityStatus.HELD else None,
            )
            ActivityUnit.objects.bulk_create(
                ActivityUnit(
                    activity=activity,
                    cobuild_unit=a.cobuild_unit,
                    attendees=a.attendees,
                    head_attended=a.head_attended,
                )
                for a in units
            )
            ActivityVolunteer.objects.bulk_create(
                ActivityVolunteer(activity=activity, volunteer=s.volunteer, hours=s.hours) for s in volunteers
            )
            save_photos(activity, processed, [caption for _data, caption in photos], user, written)
            audit_record(
                actor=user,
                action="activity.record",
                target=activity,
                to_state=status,
                changes={
                    "units": [a.cobuild_unit.pk for a in units],
                    "volunteers": [s.volunteer.pk for s in volunteers],
                    "photos": len(processed),
                },
                at=now,
            )
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return activity
