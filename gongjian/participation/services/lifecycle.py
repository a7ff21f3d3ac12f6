"""The life of an activity: held (with the day, attendance, volunteers' hours and captioned
photos), cancelled with a reason, archived. The rules are ``lifecycle.py``; here they are applied
to the row, locked, with the version the user saw (a stale page is refused with a Conflict),
and every transition is audited."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict
from gongjian.participation import lifecycle
from gongjian.participation.models import Activity, ActivityVolunteer
from gongjian.participation.services._common import _require_at, city_of
from gongjian.participation.services.activities import (
    VolunteerHours,
    check_captions,
    check_volunteer_hours,
    save_photos,
)

MAX_ATTENDANCE = 100_000


def _locked(activity: Activity, expected_version: int | None) -> Activity:
    current = Activity.objects.select_for_update(of=("self",)).get(pk=activity.pk)
    if expected_version is not None and current.version != expected_version:
        raise Conflict(_("This activity has changed since you opened it. Reload the page and try again."))
    return current


def _next(activity: Activity, action: lifecycle.Action) -> str:
    try:
        return lifecycle.decide(activity.status, action)
    except lifecycle.TransitionRefused as refused:
        raise Conflict(refused.message) from None


def _save(activity: Activity, fields: list[str]) -> None:
    activity.version += 1
    activity.save(update_fields=[*fields, "status", "version", "updated_at"])


def activity_hold(
    *,
    user,
    activity: Activity,
    held_on: datetime.date,
    attendance: int,
    volunteers: Sequence[VolunteerHours] = (),
    photos: Sequence[tuple[bytes, str]] = (),
    summary: str = "",
    version: int | None = None,
) -> Activity:
    """Record that a planned activity took place: the day, how many people came, the volunteers'
    hours and photos with captions (a summary replaces the planned one when given)."""
    from gongjian.inspections.photo_storage import photos_process

    _require_at(user, Perm.ACTIVITY_MANAGE, activity.community_id, "activity")
    from gongjian.participation.activity_plans import hold_refusal

    refusal = hold_refusal(activity)
    if refusal:
        raise ValidationError({"plan": refusal})
    errors: dict[str, str] = {}
    if held_on > timezone.localdate():
        errors["held_on"] = _("The day it was held cannot be in the future.")
    if attendance is None or not (1 <= attendance <= MAX_ATTENDANCE):
        errors["attendance"] = _("Give how many people attended (1 to %(n)s).") % {"n": f"{MAX_ATTENDANCE:,}"}
    check_volunteer_hours(volunteers, city_of(activity.community_id), errors)
    check_captions(photos, errors)
    if len(summary) > 4000:
        errors["summary"] = _("Longer than %(n)s characters.") % {"n": 4000}
    if errors:
        raise ValidationError(errors)
    processed = photos_process([data for data, _caption in photos]) if photos else []
    written: list[str] = []
    try:
        with transaction.atomic():
            activity = _locked(activity, version)
            before = activity.status
            activity.status = _next(activity, lifecycle.Action.HOLD)
            activity.held_on, activity.attendance = held_on, attendance
            fields = ["held_on", "attendance"]
            if summary.strip():
                activity.summary = summary.strip()
                fields.append("summary")
            ActivityVolunteer.objects.bulk_create(
                ActivityVolunteer(activity=activity, volunteer=s.volunteer, hours=s.hours) for s in volunteers
            )
            save_photos(activity, processed, [caption for _data, caption in photos], user, written)
            _save(activity, fields)
            audit_record(
                actor=user,
                action="activity.hold",
                target=activity,
                from_state=before,
                to_state=activity.status,
                changes={
                    "held_on": str(held_on),
                    "attendance": attendance,
                    "volunteers": {str(s.volunteer.pk): str(s.hours) for s in volunteers},
                    "photos": len(processed),
                },
            )
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return activity


@transaction.atomic
def activity_cancel(*, user, activity: Activity, reason: str, version: int | None = None) -> Activity:
    """Call off a planned activity, saying why; it leaves the work queue and counts for nothing."""
    _require_at(user, Perm.ACTIVITY_MANAGE, activity.community_id, "activity")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the activity is cancelled.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("Longer than %(n)s characters.") % {"n": 200}})
    activity = _locked(activity, version)
    before = activity.status
    activity.status = _next(activity, lifecycle.Action.CANCEL)
    activity.cancel_reason = reason
    _save(activity, ["cancel_reason"])
    audit_record(
        actor=user, action="activity.cancel", target=activity, from_state=before, to_state=activity.status, note=reason
    )
    return activity


@transaction.atomic
def activity_archive(*, user, activity: Activity, version: int | None = None) -> Activity:
    """File a held activity: its record is complete (the archive keeps collecting its photos)."""
    _require_at(user, Perm.ACTIVITY_MANAGE, activity.community_id, "activity")
    activity = _locked(activity, version)
    before = activity.status
    activity.status = _next(activity, lifecycle.Action.ARCHIVE)
    _save(activity, [])
    audit_record(actor=user, action="activity.archive", target=activity, from_state=before, to_state=activity.status)
    return activity
