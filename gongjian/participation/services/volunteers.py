"""Volunteers: checking and registering them, public sign-ups and their review, rewards and
penalties, and the audit of full views of personal data."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.participation import privacy
from gongjian.participation.choices import PartyStatus, VolunteerSource, VolunteerStatus
from gongjian.participation.models import (
    Volunteer,
    VolunteerSanction,
)
from gongjian.participation.services._common import _require_at

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


@dataclass(frozen=True)
class Revealed:
    """One volunteer's numbers in full, as revealed on purpose."""

    phone: str
    id_number: str


REVEAL_REASON_MAX = 200


def volunteer_reveal(*, user, volunteer: Volunteer, reason: str, ip: str = "", user_agent: str = "") -> Revealed:
    """Show one volunteer's phone and ID number in full, on purpose: only for a person holding
    ``Perm.PERSONAL_DATA_VIEW`` at the volunteer's community, with a reason, and audited — who
    (the actor), whose (the volunteer), when (the event's time), where (address and browser)."""
    _require_at(user, Perm.PERSONAL_DATA_VIEW, volunteer.community_id, "volunteer")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why you need the full numbers.")})
    if len(reason) > REVEAL_REASON_MAX:
        raise ValidationError({"reason": _("Longer than %(n)s characters.") % {"n": REVEAL_REASON_MAX}})
    revealed = Revealed(
        phone=volunteer.phone,
        id_number=privacy.decrypt_id_number(volunteer.id_number_token) if volunteer.id_number_token else "",
    )
    audit_record(
        actor=user,
        action="volunteer.reveal",
        target=volunteer,
        note=reason,
        changes={"ip": ip[:45], "user_agent": user_agent[:300], "fields": ["phone", "id_number"]},
    )
    return revealed
