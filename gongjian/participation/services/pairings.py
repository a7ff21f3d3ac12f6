"""Pairings (co-construction): responsibility letters, obligations and their records, leaders in
charge, and themes of the month."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm
from gongjian.core.audit import audit_record
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Pairing, Unit
from gongjian.participation.models import (
    LiaisonLeader,
    MonthlyTheme,
    Obligation,
    ObligationRecord,
    PairingLetter,
)
from gongjian.participation.services._common import _require_at

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
