"""Mechanisms (standing arrangements such as regular meetings), each filed with its record."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm
from gongjian.archives.choices import EvidenceKind, Interval, MechanismKind
from gongjian.archives.models import Mechanism
from gongjian.archives.services._common import _plain, _require_at
from gongjian.archives.services.evidence import evidence_create
from gongjian.archives.services.files import FileIn
from gongjian.assessments.models import RuleItem
from gongjian.core.audit import audit_record
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit


@transaction.atomic
def mechanism_create(
    *,
    user,
    unit: Unit,
    kind: str,
    title: str,
    established_on: datetime.date,
    interval: str,
    rule_items: Iterable[RuleItem],
    document: Sequence[FileIn] = (),
    text: str = "",
) -> Mechanism:
    """Set up one of the six mechanisms; its founding document is archived as a record."""
    _require_at(user, Perm.ARCHIVE_MANAGE, unit.id)
    errors = {}
    if unit.level != UnitLevel.COMMUNITY:
        errors["unit"] = _("Mechanisms belong to a community.")
    if kind not in MechanismKind.values:
        errors["kind"] = _("Choose one of the six mechanisms.")
    elif Mechanism.objects.filter(unit=unit, kind=kind).exists():
        errors["kind"] = _("This community already has this mechanism.")
    if interval not in Interval.values:
        errors["interval"] = _("Choose how often it is expected to run.")
    if not str(title or "").strip():
        errors["title"] = _("A mechanism needs a title.")
    if not isinstance(established_on, datetime.date) or established_on > timezone.localdate():
        errors["established_on"] = _("Enter the date it was set up (not in the future).")
    if not document and not str(text or "").strip():
        errors["document"] = _("Attach the document that sets it up, or write its text.")
    if errors:
        raise ValidationError(errors)
    from gongjian.archives import periods

    try:
        with transaction.atomic():
            mechanism = Mechanism.objects.create(
                unit=unit,
                kind=kind,
                title=_plain(title),
                established_on=established_on,
                interval=interval,
                created_by=user,
            )
    except IntegrityError:  # set up by someone else a moment ago
        raise ValidationError({"kind": _("This community already has this mechanism.")}) from None
    record = evidence_create(
        user=user,
        unit=unit,
        period=periods.of(periods.YEAR, established_on),
        kind=EvidenceKind.DOCUMENT,
        title=_plain(title),
        date=established_on,
        rule_items=rule_items,
        text=text,
        files=document,
    )
    Mechanism.objects.filter(pk=mechanism.pk).update(document_key=record.record_key)
    mechanism.document_key = record.record_key
    audit_record(actor=user, action="archive.mechanism.create", target=mechanism, to_state=kind)
    return mechanism
