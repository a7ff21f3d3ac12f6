"""Meetings with their attendees, decisions and photos, and the follow-up of a decision."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm
from gongjian.archives.choices import DecisionStatus, FileKind, MeetingKind
from gongjian.archives.models import Meeting, MeetingAttendee, MeetingDecision, MeetingPhoto
from gongjian.archives.services._common import _plain, _require_at
from gongjian.archives.services.collection import collect_from_meeting
from gongjian.archives.services.files import FileIn, accept_uploads
from gongjian.archives.uploads import AcceptedFile
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict
from gongjian.inspections.photos import camera_time
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit


@dataclass(frozen=True)
class AttendeeIn:
    name: str
    organisation: str = ""
    cobuild_unit_id: int | None = None
    is_head: bool = False


@dataclass(frozen=True)
class DecisionIn:
    text: str
    owner: str
    due_on: datetime.date


@transaction.atomic
def meeting_create(
    *,
    user,
    unit: Unit,
    kind: str,
    title: str,
    held_on: datetime.date,
    minutes: str,
    place: str = "",
    attendees: Sequence[AttendeeIn] = (),
    decisions: Sequence[DecisionIn] = (),
    photos: Sequence[FileIn] = (),
) -> Meeting:
    """A meeting record (例会, 联席会, 推进会); it is archived at once as a meeting record."""
    _require_at(user, Perm.ARCHIVE_MANAGE, unit.id)
    errors = {}
    if unit.level != UnitLevel.COMMUNITY:
        errors["unit"] = _("Meetings are recorded by a community.")
    if kind not in MeetingKind.values:
        errors["kind"] = _("Choose a kind of meeting.")
    if not str(title or "").strip():
        errors["title"] = _("A meeting needs a title.")
    if not str(minutes or "").strip():
        errors["minutes"] = _("Write the minutes.")
    if not isinstance(held_on, datetime.date) or held_on > timezone.localdate() or held_on.year < 2000:
        errors["held_on"] = _("The meeting date must be a real date, not in the future.")
    if not [a for a in attendees if a.name.strip()]:
        errors["attendees"] = _("List who attended.")
    for d in decisions:
        if not d.text.strip() or not d.owner.strip() or not isinstance(d.due_on, datetime.date):
            errors["decisions"] = _("Each decision needs what, who and by when.")
        elif isinstance(held_on, datetime.date) and d.due_on < held_on:
            errors["decisions"] = _("A decision cannot be due before the meeting.")
    from gongjian.organizations.models import Pairing

    cobuild_ids = {a.cobuild_unit_id for a in attendees if a.cobuild_unit_id}
    if cobuild_ids:
        paired = set(Pairing.objects.filter(community=unit).values_list("cobuild_unit_id", flat=True))
        if not cobuild_ids <= paired:
            errors["attendees"] = _("A co-construction unit is not paired with this community.")
    if errors:
        raise ValidationError(errors)
    accepted = accept_uploads(photos)
    if any(a.kind != FileKind.IMAGE for a, _caption in accepted):
        raise ValidationError({"photos": _("Meeting photos must be photos.")})
    meeting = Meeting.objects.create(
        unit=unit,
        kind=kind,
        title=_plain(title),
        held_on=held_on,
        place=_plain(place),
        minutes=_plain(minutes),
        created_by=user,
    )
    MeetingAttendee.objects.bulk_create(
        MeetingAttendee(
            meeting=meeting,
            name=_plain(a.name)[:60],
            organisation=_plain(a.organisation)[:120],
            cobuild_unit_id=a.cobuild_unit_id,
            is_head=a.is_head,
        )
        for a in attendees
        if a.name.strip()
    )
    MeetingDecision.objects.bulk_create(
        MeetingDecision(meeting=meeting, text=_plain(d.text)[:300], owner=_plain(d.owner)[:60], due_on=d.due_on)
        for d in decisions
    )
    for upload, caption in accepted:
        _meeting_photo(meeting, upload, caption, user)
    audit_record(actor=user, action="archive.meeting.create", target=meeting, to_state=meeting.kind)
    collect_from_meeting(meeting, actor=user)
    return meeting


def _meeting_photo(meeting: Meeting, upload: AcceptedFile, caption: str, user) -> MeetingPhoto:
    photo = MeetingPhoto(
        meeting=meeting,
        sha256=upload.sha256,
        caption=_plain(caption)[:200],
        width=upload.width,
        height=upload.height,
        taken_at=camera_time(upload.taken_at),
        uploaded_by=user,
    )
    photo.file.save(upload.name, ContentFile(upload.content), save=False)
    photo.thumbnail.save(f"thumb-{upload.name}", ContentFile(upload.thumbnail or b""), save=False)
    photo.save()
    return photo


@transaction.atomic
def meeting_photo_add(*, user, meeting: Meeting, photos: Sequence[FileIn]) -> Meeting:
    _require_at(user, Perm.ARCHIVE_MANAGE, meeting.unit_id)
    accepted = accept_uploads(photos)
    if any(a.kind != FileKind.IMAGE for a, _caption in accepted):
        raise ValidationError({"photos": _("Meeting photos must be photos.")})
    for upload, caption in accepted:
        _meeting_photo(meeting, upload, caption, user)
    audit_record(actor=user, action="archive.meeting.photos", target=meeting, note=str(len(accepted)))
    collect_from_meeting(meeting, actor=user)
    return meeting


@transaction.atomic
def decision_follow_up(
    *, user, decision: MeetingDecision, expected_version: int | None, status: str, follow_up: str, done_on=None
) -> MeetingDecision:
    """Record what became of a decision; the version guards against two people updating it."""
    meeting = decision.meeting
    _require_at(user, Perm.ARCHIVE_MANAGE, meeting.unit_id)
    if status not in DecisionStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status == DecisionStatus.DONE:
        done_on = done_on or timezone.localdate()
        if done_on < meeting.held_on or done_on > timezone.localdate():
            raise ValidationError({"done_on": _("The date it was done must lie between the meeting and today.")})
    else:
        done_on = None
    before = decision.status
    updated = MeetingDecision.objects.filter(
        pk=decision.pk, **({"version": int(expected_version)} if expected_version is not None else {})
    ).update(status=status, follow_up=_plain(follow_up), done_on=done_on, version=decision.version + 1)
    if not updated:
        raise Conflict(_("Someone else updated this decision since you opened it; reload and try again."))
    decision.refresh_from_db()
    audit_record(
        actor=user, action="archive.decision", target=decision, from_state=before, to_state=status, note=follow_up
    )
    return decision
