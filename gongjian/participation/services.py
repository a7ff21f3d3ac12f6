"""Writes of participation: volunteers, activities, pairings' letters, obligations and leaders.
Every write checks the actor's permission at the unit concerned, runs in a transaction and is
audited. Personal data is validated and sealed here (see ``privacy.py``)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.inputs import check_lengths
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import CobuildUnit, Pairing, Unit
from gongjian.organizations.tree import ancestor_ids_sql
from gongjian.participation import privacy
from gongjian.participation.choices import ActivityStatus, PartyStatus, VolunteerSource, VolunteerStatus
from gongjian.participation.models import (
    Activity,
    ActivityPhoto,
    ActivityType,
    ActivityUnit,
    ActivityVolunteer,
    LiaisonLeader,
    MonthlyTheme,
    Obligation,
    ObligationRecord,
    PairingLetter,
    Volunteer,
    VolunteerSanction,
)


def _require_at(user, perm: Perm, unit_id: int, field: str) -> None:
    if perm not in perms_at_unit(actor_for(user), unit_id):
        raise NotPermitted(_("You cannot do this for this community."))


def city_of(unit_id: int) -> int | None:
    """The city a unit belongs to (its ancestor of level city)."""
    return (
        Unit.objects.filter(id__in=ancestor_ids_sql([unit_id]), level=UnitLevel.CITY)
        .values_list("id", flat=True)
        .first()
    )


# --- volunteers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerData:
    """A volunteer's fields, checked and normalised (``clean_volunteer``)."""

    name: str
    phone: str
    id_number: str
    party_status: str
    work_unit: str
    skills: str
    availability: str


def clean_volunteer(
    *,
    name: str,
    phone: str,
    id_number: str = "",
    party_status: str = PartyStatus.NONE,
    work_unit: str = "",
    skills: str = "",
    availability: str = "",
) -> VolunteerData:
    """Check one volunteer's fields; raises ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the volunteer's name.")
    elif len(name) > 50:
        errors["name"] = _("The name is longer than 50 characters.")
    phone = privacy.normalise_phone(phone)
    if privacy.phone_problem(phone):
        errors["phone"] = _("Not a mainland mobile number (11 digits starting with 13–19).")
    id_number = privacy.normalise_id_number(id_number)
    if id_number:
        problem = privacy.id_number_problem(id_number)
        if problem == "checksum":
            errors["id_number"] = _("The ID number's check digit is wrong; check it for a typing error.")
        elif problem:
            errors["id_number"] = _("Not a valid ID number (18 characters: 17 digits and a digit or X).")
    if party_status not in PartyStatus.values:
        errors["party_status"] = _("Unknown party membership.")
    for field, value, limit in (
        ("work_unit", work_unit, 100),
        ("skills", skills, 200),
        ("availability", availability, 100),
    ):
        if len((value or "").strip()) > limit:
            errors[field] = _("Longer than %(n)s characters.") % {"n": limit}
    if errors:
        raise ValidationError(errors)
    return VolunteerData(
        name=name,
        phone=phone,
        id_number=id_number,
        party_status=party_status,
        work_unit=(work_unit or "").strip(),
        skills=(skills or "").strip(),
        availability=(availability or "").strip(),
    )


def _live_volunteers(community_id: int):
    return Volunteer.objects.filter(community_id=community_id).exclude(status=VolunteerStatus.REJECTED)


def _check_duplicates(community_id: int, data: VolunteerData, id_hash: str, exclude_id: int | None = None) -> None:
    others = _live_volunteers(community_id)
    if exclude_id:
        others = others.exclude(pk=exclude_id)
    errors = {}
    if others.filter(phone=data.phone).exists():
        errors["phone"] = _("A volunteer with this phone number is already registered in this community.")
    if id_hash and others.filter(id_number_hash=id_hash).exists():
        errors["id_number"] = _("A volunteer with this ID number is already registered in this community.")
    if errors:
        raise ValidationError(errors)


def _same_person(community_id: int, data: VolunteerData, id_hash: str):
    same = Q(phone=data.phone)
    if id_hash:
        same |= Q(id_number_hash=id_hash)
    return _live_volunteers(community_id).filter(same)


def _create_volunteer(
    *, community: Unit, data: VolunteerData, status: str, source: str, account=None, flag_duplicates: bool = False
) -> Volunteer:
    """Create a volunteer. A duplicate (same phone or ID number in the community) is refused with
    a message naming the field, or — ``flag_duplicates``, for public sign-ups that must not tell a
    visitor who is registered — kept pending with ``possible_duplicate`` for the reviewer."""
    if community.level != UnitLevel.COMMUNITY:
        raise ValidationError({"community": _("A volunteer's home is a community.")})
    token, id_hash = privacy.IdSealer().seal(data.id_number) if data.id_number else ("", "")
    possible_duplicate = False
    if flag_duplicates:
        possible_duplicate = _same_person(community.pk, data, id_hash).exists()
    else:
        _check_duplicates(community.pk, data, id_hash)
    volunteer = Volunteer(
        community=community,
        user=account,
        name=data.name,
        phone=data.phone,
        id_number_token=token,
        id_number_hash=id_hash,
        id_number_last4=data.id_number[-4:],
        party_status=data.party_status,
        work_unit=data.work_unit,
        skills=data.skills,
        availability=data.availability,
        status=status,
        source=source,
        possible_duplicate=possible_duplicate,
    )
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError:
        # Another request registered the same person a moment ago.
        raise ValidationError({"phone": _("This volunteer is already registered in this community.")})
    return volunteer


@transaction.atomic
def volunteer_register(*, user, community: Unit, account=None, **fields) -> Volunteer:
    """A community worker registers a volunteer of their community."""
    _require_at(user, Perm.VOLUNTEER_MANAGE, community.pk, "community")
    data = clean_volunteer(**fields)
    volunteer = _create_volunteer(
        community=community, data=data, status=VolunteerStatus.ACTIVE, source=VolunteerSource.WORKER, account=account
    )
    audit_record(actor=user, action="volunteer.register", target=volunteer, to_state=volunteer.status)
    return volunteer


@transaction.atomic
def volunteer_sign_up(*, community: Unit, user=None, **fields) -> Volunteer:
    """A person signs themselves up; the community reviews the registration. A signed-in user
    (e.g. a party member reporting to their home community) is linked to the record."""
    account = user if user is not None and user.is_authenticated else None
    if account is not None and Volunteer.objects.filter(user=account).exists():
        raise ValidationError({"name": _("You are already registered as a volunteer.")})
    data = clean_volunteer(**fields)
    volunteer = _create_volunteer(
        community=community,
        data=data,
        status=VolunteerStatus.PENDING,
        source=VolunteerSource.SELF,
        account=account,
        flag_duplicates=True,
    )
    audit_record(
        actor=account,
        action="volunteer.sign_up",
        target=volunteer,
        to_state=volunteer.status,
        note="possible duplicate" if volunteer.possible_duplicate else "",
    )
    return volunteer


@transaction.atomic
def volunteer_review(*, user, volunteer: Volunteer, approve: bool, note: str = "") -> Volunteer:
    """The community accepts or rejects a self sign-up."""
    _require_at(user, Perm.VOLUNTEER_MANAGE, volunteer.community_id, "community")
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.status != VolunteerStatus.PENDING:
        raise Conflict(_("This registration has already been reviewed."))
    before = volunteer.status
    if approve and (
        _live_volunteers(volunteer.community_id)
        .exclude(pk=volunteer.pk)
        .exclude(status=VolunteerStatus.PENDING)
        .filter(
            Q(phone=volunteer.phone)
            | (Q(id_number_hash=volunteer.id_number_hash) if volunteer.id_number_hash else Q(pk__in=[]))
        )
        .exists()
    ):
        raise Conflict(
            _(
                "This person is already registered in this community (same phone or ID number): "
                "reject this sign-up instead."
            )
        )
    volunteer.status = VolunteerStatus.ACTIVE if approve else VolunteerStatus.REJECTED
    try:
        with transaction.atomic():
            volunteer.save(update_fields=["status", "updated_at"])
    except IntegrityError:
        raise Conflict(_("This volunteer is already registered in this community.")) from None
    audit_record(
        actor=user, action="volunteer.review", target=volunteer, from_state=before, to_state=volunteer.status, note=note
    )
    return volunteer


@transaction.atomic
def volunteer_sanction_add(
    *, user, volunteer: Volunteer, kind: str, reason: str, date: datetime.date
) -> VolunteerSanction:
    """Record a commendation or criticism (奖惩) with its reason."""
    _require_at(user, Perm.VOLUNTEER_MANAGE, volunteer.community_id, "volunteer")
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date cannot be in the future.")})
    sanction = VolunteerSanction.objects.create(
        volunteer=volunteer, kind=kind, reason=reason.strip(), date=date, recorded_by=user
    )
    audit_record(actor=user, action=f"volunteer.{kind}", target=volunteer, note=sanction.reason)
    return sanction


def personal_data_view_record(
    *, user, volunteer_ids: Sequence[int] = (), where: str, others: dict[str, Sequence[int]] | None = None
) -> None:
    """Audit that ``user`` saw personal data in full (one event per view): volunteers' phone and ID
    numbers, and ``others`` — other records with phones, by kind (team members' volunteers,
    ``stairwell_heads``, ``frontage_duties``)."""
    others = {kind: list(ids) for kind, ids in (others or {}).items() if ids}
    if not volunteer_ids and not others:
        return
    changes = {"volunteers": list(volunteer_ids)[:1000], "count": len(volunteer_ids), "where": where}
    for kind, ids in others.items():
        changes[kind] = ids[:1000]
        changes["count"] += len(ids)
    audit_record(actor=user, action="volunteer.personal_data_view", target=user, changes=changes)


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
    from gongjian.inspections.services import photos_process

    _require_at(user, Perm.ACTIVITY_MANAGE, community.pk, "community")
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if community.level != UnitLevel.COMMUNITY:
        errors["community"] = _("An activity belongs to a community.")
    if not title.strip():
        errors["title"] = _("Give the activity a title.")
    if not place.strip():
        errors["place"] = _("Say where the activity takes place.")
    if status not in ActivityStatus.values:
        errors["status"] = _("Unknown status.")
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
    if theme is not None and theme.month != day.replace(day=1):
        errors["theme"] = _("The theme belongs to another month.")
    if any(not caption.strip() for _data, caption in photos):
        errors["photos"] = _("Every photo needs a caption saying what it shows.")
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
            for photo, (_data, caption) in zip(processed, photos, strict=True):
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


# --- pairings -----------------------------------------------------------------------------------


def _require_pairing(user, pairing: Pairing) -> None:
    _require_at(user, Perm.PAIRING_MANAGE, pairing.community_id, "pairing")


@transaction.atomic
def pairing_letter_set(
    *, user, pairing: Pairing, signed_on: datetime.date, head_name: str, file: tuple[str, bytes] | None = None
) -> PairingLetter:
    """Record (or replace) the signed responsibility letter of a pairing."""
    _require_pairing(user, pairing)
    if not head_name.strip():
        raise ValidationError({"head_name": _("Name the head of the unit who signed.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("The date cannot be in the future.")})
    letter, created = PairingLetter.objects.get_or_create(
        pairing=pairing, defaults={"signed_on": signed_on, "head_name": head_name.strip()}
    )
    letter.signed_on, letter.head_name = signed_on, head_name.strip()
    if file is not None:
        name, content = file
        if not content.startswith(b"%PDF") and not content[:3] == b"\xff\xd8\xff":
            raise ValidationError({"file": _("Upload the signed letter as a PDF or a JPEG scan.")})
        letter.file.save(name, ContentFile(content), save=False)
    letter.save()
    audit_record(actor=user, action="pairing.letter", target=pairing, note=letter.head_name)
    return letter


@transaction.atomic
def obligation_add(
    *, user, pairing: Pairing, text: str, yearly_target: int, counts_joint_activities: bool = False
) -> Obligation:
    _require_pairing(user, pairing)
    if not text.strip():
        raise ValidationError({"text": _("Describe the obligation.")})
    if yearly_target < 1:
        raise ValidationError({"yearly_target": _("The yearly target is at least 1.")})
    if yearly_target > 10_000:
        raise ValidationError({"yearly_target": _("The yearly target is at most 10,000.")})
    obligation = Obligation.objects.create(
        pairing=pairing, text=text.strip(), yearly_target=yearly_target, counts_joint_activities=counts_joint_activities
    )
    audit_record(actor=user, action="pairing.obligation_add", target=pairing, note=obligation.text)
    return obligation


@transaction.atomic
def obligation_record_add(
    *, user, obligation: Obligation, date: datetime.date, note: str, is_resource_opening: bool = False
) -> ObligationRecord:
    """Record something done towards an obligation (e.g. the sports hall opened on a Sunday)."""
    _require_at(user, Perm.ACTIVITY_MANAGE, obligation.pairing.community_id, "obligation")
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date cannot be in the future.")})
    if not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    record = ObligationRecord.objects.create(
        obligation=obligation, date=date, note=note.strip(), is_resource_opening=is_resource_opening, recorded_by=user
    )
    audit_record(actor=user, action="pairing.obligation_record", target=obligation.pairing, note=record.note)
    return record


@transaction.atomic
def leader_change(*, user, pairing: Pairing, name: str, started_on: datetime.date, position: str = "") -> LiaisonLeader:
    """A new leader in charge takes over the pairing; the previous one's term ends the day before."""
    _require_pairing(user, pairing)
    if not name.strip():
        raise ValidationError({"name": _("Name the leader in charge.")})
    current = LiaisonLeader.objects.select_for_update().filter(pairing=pairing, ended_on__isnull=True).first()
    if current is not None:
        if started_on <= current.started_on:
            raise ValidationError({"started_on": _("The new leader must start after the current one did.")})
        current.ended_on = started_on - datetime.timedelta(days=1)
        current.save(update_fields=["ended_on"])
    leader = LiaisonLeader.objects.create(
        pairing=pairing, name=name.strip(), position=position.strip(), started_on=started_on
    )
    audit_record(
        actor=user,
        action="pairing.leader_change",
        target=pairing,
        from_state=current.name if current else "",
        to_state=leader.name,
    )
    return leader


@transaction.atomic
def theme_set(*, user, unit: Unit, month: datetime.date, title: str) -> MonthlyTheme:
    """Set the theme of a month (一月一主题) for a city or street."""
    _require_at(user, Perm.PAIRING_MANAGE, unit.pk, "unit")
    if unit.level not in (UnitLevel.CITY, UnitLevel.DISTRICT, UnitLevel.STREET):
        raise ValidationError({"unit": _("Themes are set by the city or a street.")})
    if not title.strip():
        raise ValidationError({"title": _("Give the theme.")})
    theme, _created = MonthlyTheme.objects.update_or_create(
        unit=unit, month=month.replace(day=1), defaults={"title": title.strip()}
    )
    audit_record(actor=user, action="theme.set", target=theme, note=theme.title)
    return theme


# --- imports ------------------------------------------------------------------------------------


def _import_content(batch) -> bytes:
    """The uploaded sheet, decrypted (it is stored encrypted: it holds ID numbers in clear)."""
    with batch.file.open("rb") as handle:
        return privacy.open_sealed_bytes(handle.read())


def check_rows(*, kind: str, filename: str, content: bytes, community: Unit, report, on_error=None):
    """The checked rows of a sheet of any kind, in chunks (nothing is written)."""
    from gongjian.participation.choices import ImportKind
    from gongjian.participation.importers import roster_rows, volunteer_rows

    if kind == ImportKind.VOLUNTEERS:
        return volunteer_rows(
            filename=filename, content=content, community_id=community.pk, report=report, on_error=on_error
        )
    return roster_rows(
        kind=kind, filename=filename, content=content, community=community, report=report, on_error=on_error
    )


@transaction.atomic
def import_upload(*, user, community: Unit, filename: str, content: bytes, kind: str = "volunteers"):
    """Keep an uploaded sheet (volunteers, team members, stairwell heads or 门前三包 entries) for
    preview; nothing is imported yet. Returns the batch and the preview report. A file refused as a
    whole raises ``ImportRefused`` and is not kept."""
    from gongjian.participation.choices import ImportKind
    from gongjian.participation.importers import ImportReport
    from gongjian.participation.models import ImportBatch

    _require_at(user, Perm.VOLUNTEER_MANAGE, community.pk, "community")
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Unknown kind of import.")})
    if community.level != UnitLevel.COMMUNITY:
        raise ValidationError({"community": _("Rosters are imported into a community.")})
    report = ImportReport()
    for _chunk in check_rows(kind=kind, filename=filename, content=content, community=community, report=report):
        pass
    batch = ImportBatch(
        kind=kind,
        community=community,
        filename=filename[:200],
        total_rows=report.total,
        valid_rows=report.valid,
        created_by=user,
    )
    suffix = ".xlsx" if content[:2] == b"PK" else ".csv"
    batch.file.save(f"{kind}{suffix}.sealed", ContentFile(privacy.seal_bytes(content)), save=False)
    try:
        batch.save()
        audit_record(actor=user, action="import.upload", target=batch, to_state=batch.status, note=batch.filename)
        # Leftovers of earlier imports are cleared in the background (also `manage.py purge_imports`).
        from gongjian.participation.tasks import imports_purge_task

        transaction.on_commit(imports_purge_task.enqueue)
    except BaseException:
        default_storage.delete(batch.file.name)
        raise
    return batch, report


def import_preview(*, batch, on_error=None):
    from gongjian.participation.importers import ImportReport

    report = ImportReport()
    for _chunk in check_rows(
        kind=batch.kind,
        filename=batch.filename,
        content=_import_content(batch),
        community=batch.community,
        report=report,
        on_error=on_error,
    ):
        pass
    return report


_ROSTER_SAVERS = {
    "stairwell_heads": lambda user, community, args: stairwell_head_set(user=user, **args),
    "frontage": lambda user, community, args: frontage_duty_add(user=user, community=community, **args),
    "team_members": lambda user, community, args: team_member_add(user=user, community=community, **args),
}


def import_confirm(*, user, batch):
    """Save every valid row of a previewed sheet, all in one transaction (a failure saves none);
    invalid rows stay out and can be downloaded with their reasons."""
    from gongjian.participation.choices import ImportKind, ImportStatus
    from gongjian.participation.exporters import ErrorSheet
    from gongjian.participation.importers import ImportReport
    from gongjian.participation.models import ImportBatch

    _require_at(user, Perm.VOLUNTEER_MANAGE, batch.community_id, "batch")
    content = _import_content(batch)
    report = ImportReport()
    sheet = ErrorSheet()
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("community").get(pk=batch.pk)
        if batch.status != ImportStatus.PREVIEW:
            raise Conflict(_("This import has already been saved or cancelled."))
        chunks = check_rows(
            kind=batch.kind,
            filename=batch.filename,
            content=content,
            community=batch.community,
            report=report,
            on_error=sheet.add,
        )
        if batch.kind == ImportKind.VOLUNTEERS:
            saved = volunteers_bulk_save(chunks=chunks, community_id=batch.community_id)
        else:
            saved = 0
            save = _ROSTER_SAVERS[batch.kind]
            for chunk in chunks:
                for _number, _values, args in chunk:
                    save(user, batch.community, args)
                    saved += 1
        if report.error_count:
            sheet.headers = report.headers
            batch.errors_file.save("rows-not-imported.xlsx", ContentFile(sheet.render()), save=False)
        report.saved = saved
        batch.status = ImportStatus.SAVED
        batch.saved_rows = saved
        batch.valid_rows = report.valid
        batch.total_rows = report.total
        # The uploaded sheet (personal data in the clear) is not kept once its rows are saved; only
        # the rows that were not imported stay, for the user to correct.
        uploaded = batch.file.name
        batch.file = ""
        batch.save(
            update_fields=["status", "saved_rows", "valid_rows", "total_rows", "errors_file", "file", "updated_at"]
        )
        transaction.on_commit(lambda: default_storage.delete(uploaded))
        audit_record(
            actor=user,
            action=f"{batch.kind}.import",
            target=batch,
            from_state=ImportStatus.PREVIEW,
            to_state=ImportStatus.SAVED,
            changes={"saved": saved, "rejected": report.error_count},
        )
    return batch, report


def volunteers_bulk_save(*, chunks, community_id: int, registered_on: datetime.date | None = None) -> int:
    """Insert checked rows chunk by chunk, encrypting ID numbers; the caller holds the transaction.

    Rows go in with one ``executemany`` per chunk on the model's own table and columns (``_meta``):
    imports of 100,000 rows spend their time checking rows, not building model instances."""
    from django.db import connection

    sealer = privacy.IdSealer()
    ops = connection.ops
    today = ops.adapt_datefield_value(registered_on or timezone.localdate())
    now = ops.adapt_datetimefield_value(timezone.now())
    meta = Volunteer._meta
    names = [
        "community",
        "name",
        "phone",
        "id_number_token",
        "id_number_hash",
        "id_number_last4",
        "party_status",
        "work_unit",
        "skills",
        "availability",
        "status",
        "source",
        "registered_on",
        "possible_duplicate",
        "created_at",
        "updated_at",
    ]
    columns = ", ".join(ops.quote_name(meta.get_field(name).column) for name in names)
    sql = f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
    active, source = VolunteerStatus.ACTIVE.value, VolunteerSource.IMPORT.value
    saved = 0
    with connection.cursor() as cursor:
        for chunk in chunks:
            if not chunk:
                continue
            params = [
                (
                    community_id,
                    data.name,
                    data.phone,
                    sealer.seal(data.id_number)[0] if data.id_number else "",
                    id_hash,
                    data.id_number[-4:],
                    str(data.party_status),
                    data.work_unit,
                    data.skills,
                    data.availability,
                    active,
                    source,
                    today,
                    False,
                    now,
                    now,
                )
                for _number, _values, data, id_hash in chunk
            ]
            cursor.executemany(sql, params)
            saved += len(params)
    return saved


@transaction.atomic
def import_cancel(*, user, batch) -> None:
    """Drop a previewed sheet: nothing was saved, and the file is deleted."""
    from gongjian.participation.choices import ImportStatus
    from gongjian.participation.models import ImportBatch

    _require_at(user, Perm.VOLUNTEER_MANAGE, batch.community_id, "batch")
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.PREVIEW:
        raise Conflict(_("This import has already been saved or cancelled."))
    name = batch.file.name
    batch.status = ImportStatus.CANCELLED
    batch.file = ""
    batch.save(update_fields=["status", "file", "updated_at"])
    transaction.on_commit(lambda: default_storage.delete(name))
    audit_record(
        actor=user, action="import.cancel", target=batch, from_state=ImportStatus.PREVIEW, to_state=batch.status
    )


@dataclass(frozen=True)
class PurgeResult:
    previews: int
    sheets: int


def imports_purge(*, now: datetime.datetime | None = None) -> PurgeResult:
    """Delete what imports leave behind: sheets uploaded for preview and never confirmed or
    cancelled (after IMPORT_PREVIEW_TTL_HOURS; the batch becomes cancelled) and the sheets of rows
    not imported (after IMPORT_ERRORS_TTL_DAYS). Files go once the database says so."""
    from django.conf import settings

    from gongjian.participation.choices import ImportStatus
    from gongjian.participation.models import ImportBatch

    now = now or timezone.now()
    preview_cutoff = now - datetime.timedelta(hours=settings.IMPORT_PREVIEW_TTL_HOURS)
    sheet_cutoff = now - datetime.timedelta(days=settings.IMPORT_ERRORS_TTL_DAYS)
    previews = sheets = 0
    for batch_id in ImportBatch.objects.filter(status=ImportStatus.PREVIEW, created_at__lt=preview_cutoff).values_list(
        "id", flat=True
    ):
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, status=ImportStatus.PREVIEW).first()
            if batch is None:
                continue
            name = batch.file.name
            batch.status = ImportStatus.CANCELLED
            batch.file = ""
            batch.save(update_fields=["status", "file", "updated_at"])
            if name:
                transaction.on_commit(lambda name=name: default_storage.delete(name))
            audit_record(
                actor=None,
                action="import.expire",
                target=batch,
                from_state=ImportStatus.PREVIEW,
                to_state=batch.status,
                note="preview not confirmed in time",
            )
            previews += 1
    for batch_id in (
        ImportBatch.objects.exclude(errors_file="").filter(updated_at__lt=sheet_cutoff).values_list("id", flat=True)
    ):
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
            name = batch.errors_file.name
            if not name:
                continue
            batch.errors_file = ""
            batch.save(update_fields=["errors_file"])
            transaction.on_commit(lambda name=name: default_storage.delete(name))
            audit_record(actor=None, action="import.errors_purge", target=batch, note="rows-not-imported sheet deleted")
            sheets += 1
    return PurgeResult(previews=previews, sheets=sheets)


# --- teams, stairwell heads, frontage duties -------------------------------------------------------


@transaction.atomic
def team_member_add(*, user, community: Unit, kind: str, volunteer: Volunteer, area: str, schedule: str):
    """Put a registered volunteer of the community on one of its four teams."""
    from gongjian.participation.choices import TeamKind
    from gongjian.participation.models import Team, TeamMember

    _require_at(user, Perm.VOLUNTEER_MANAGE, community.pk, "community")
    errors = {}
    if community.level != UnitLevel.COMMUNITY:
        errors["community"] = _("Teams belong to a community.")
    if kind not in TeamKind.values:
        errors["kind"] = _("Unknown team.")
    if volunteer.community_id != community.pk or volunteer.status != VolunteerStatus.ACTIVE:
        errors["volunteer"] = _("Choose a registered volunteer of this community.")
    if not area.strip():
        errors["area"] = _("Say which area the member looks after.")
    if not schedule.strip():
        errors["schedule"] = _("Give the duty schedule.")
    if errors:
        raise ValidationError(errors)
    check_lengths(TeamMember, area=area.strip(), schedule=schedule.strip())
    team, _created = Team.objects.get_or_create(community=community, kind=kind)
    if team.members.filter(volunteer=volunteer).exists():
        raise ValidationError({"volunteer": _("%(name)s is already on this team.") % {"name": volunteer.name}})
    member = TeamMember.objects.create(team=team, volunteer=volunteer, area=area.strip(), schedule=schedule.strip())
    audit_record(actor=user, action="team.member_add", target=team, note=f"{volunteer.pk} {member.area}")
    return member


@transaction.atomic
def duty_shift_record(*, user, member, date: datetime.date, hours: Decimal, note: str = ""):
    """A shift served on duty (e.g. persuasion at a crossing): counts as service hours."""
    from gongjian.participation.models import DutyShift

    _require_at(user, Perm.VOLUNTEER_MANAGE, member.team.community_id, "member")
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date cannot be in the future.")})
    if not (Decimal("0") < hours <= Decimal("24")):
        raise ValidationError({"hours": _("Hours must be more than 0 and at most 24.")})
    shift = DutyShift.objects.create(member=member, date=date, hours=hours, note=note.strip())
    audit_record(
        actor=user, action="team.duty_shift", target=member.team, note=f"{member.volunteer_id} {hours}h {date}"
    )
    return shift


def _clean_contact(name: str, phone: str) -> tuple[str, str]:
    errors = {}
    name = (name or "").strip()
    phone = privacy.normalise_phone(phone)
    if not name:
        errors["name"] = _("Give the name.")
    if privacy.phone_problem(phone):
        errors["phone"] = _("Not a mainland mobile number (11 digits starting with 13–19).")
    if errors:
        raise ValidationError(errors)
    return name, phone


@transaction.atomic
def stairwell_head_set(*, user, compound: Unit, building: str, entrance: str, name: str, phone: str):
    """Name (or replace) the stairwell head (楼道长) of one building entrance of a compound."""
    from gongjian.participation.models import StairwellHead

    _require_at(user, Perm.VOLUNTEER_MANAGE, compound.pk, "compound")
    if compound.level != UnitLevel.COMPOUND:
        raise ValidationError({"compound": _("A stairwell belongs to a compound.")})
    if not building.strip() or not entrance.strip():
        raise ValidationError({"building": _("Give the building and the entrance.")})
    name, phone = _clean_contact(name, phone)
    head, created = StairwellHead.objects.update_or_create(
        compound=compound,
        building=building.strip(),
        entrance=entrance.strip(),
        defaults={"name": name, "phone": phone},
    )
    audit_record(
        actor=user, action="stairwell_head.set", target=compound, note=f"{head.building}-{head.entrance} {name}"
    )
    return head


@transaction.atomic
def frontage_duty_add(
    *,
    user,
    community: Unit,
    holder: str,
    address: str,
    frontage: str,
    responsible: str,
    phone: str,
    cleanliness: bool = True,
    order: bool = True,
    greenery: bool = True,
    pledge: tuple[str, bytes] | None = None,
):
    """Add a shop or unit to the 门前三包 register, with its signed pledge."""
    from gongjian.participation.models import FrontageDuty

    _require_at(user, Perm.VOLUNTEER_MANAGE, community.pk, "community")
    if community.level != UnitLevel.COMMUNITY:
        raise ValidationError({"community": _("The register is kept by a community.")})
    if not holder.strip() or not address.strip() or not frontage.strip():
        raise ValidationError({"holder": _("Give the shop or unit, its address and its frontage.")})
    if not (cleanliness or order or greenery):
        raise ValidationError({"cleanliness": _("Choose at least one of the three duties.")})
    responsible, phone = _clean_contact(responsible, phone)
    duty = FrontageDuty(
        community=community,
        holder=holder.strip(),
        address=address.strip(),
        frontage=frontage.strip(),
        responsible=responsible,
        phone=phone,
        cleanliness=cleanliness,
        order=order,
        greenery=greenery,
    )
    if pledge is not None:
        name, content = pledge
        if not content.startswith(b"%PDF") and content[:3] != b"\xff\xd8\xff":
            raise ValidationError({"pledge": _("Upload the signed pledge as a PDF or a JPEG scan.")})
        duty.pledge.save(name, ContentFile(content), save=False)
    duty.save()
    audit_record(actor=user, action="frontage_duty.add", target=duty)
    return duty


FRONTAGE_CATEGORY = "L0103"


@transaction.atomic
def frontage_problem_link(*, user, problem, duty):
    """Point a problem of category 门前三包不落实 (L0103) at the register entry it concerns."""
    from gongjian.participation.models import FrontageProblem

    perms = perms_at_unit(actor_for(user), problem.unit_id)
    if Perm.PROBLEM_REPORT not in perms and Perm.PROBLEM_RECTIFY not in perms:
        raise NotPermitted(_("You cannot do this for this community."))
    if problem.category.code != FRONTAGE_CATEGORY:
        raise ValidationError({"problem": _("Only problems of category 门前三包不落实 (L0103) point at the register.")})
    community_id = problem.unit_id if problem.unit.level == UnitLevel.COMMUNITY else problem.unit.parent_id
    if duty.community_id != community_id:
        raise ValidationError({"duty": _("This register entry belongs to another community.")})
    link, _created = FrontageProblem.objects.update_or_create(problem=problem, defaults={"duty": duty})
    audit_record(actor=user, action="frontage_duty.problem_link", target=duty, note=problem.number)
    return link
