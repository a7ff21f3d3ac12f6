"""Evidence records and their versions: create, revise (against the version the user was looking
at), withdraw and caption a file. Each version goes to the hash-chained archive log."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm
from gongjian.archives import integrity
from gongjian.archives.choices import EvidenceKind, LogAction
from gongjian.archives.models import Evidence, Mechanism
from gongjian.archives.periods import Period
from gongjian.archives.services._common import _city_of, _plain, _require_at
from gongjian.archives.services.files import FileIn, _copy_files, _store, accept_uploads
from gongjian.assessments.models import RuleItem
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict
from gongjian.organizations.models import Unit


def _clean_record(*, unit: Unit, period: Period, title: str, date, started_on, rule_items) -> list[RuleItem]:
    errors = {}
    if not str(title or "").strip():
        errors["title"] = _("A record needs a title.")
    today = timezone.localdate()
    if not isinstance(date, datetime.date):
        errors["date"] = _("Enter a valid date.")
    elif date > today:
        errors["date"] = _("A record cannot be dated in the future.")
    elif date.year < 2000:
        errors["date"] = _("Enter a valid date.")
    if started_on and isinstance(date, datetime.date) and started_on > date:
        errors["started_on"] = _("The start date must not be after the record's date.")
    items = list(rule_items or [])
    if not items:
        errors["rule_items"] = _("Choose at least one assessment item the record counts for.")
    else:
        city_id = _city_of(unit.id)
        if any(item.ruleset.city_id != city_id for item in items):
            errors["rule_items"] = _("An item does not belong to this city's rule sets.")
    if period.start.year < 2000:
        errors["period"] = _("Enter a valid period.")
    if errors:
        raise ValidationError(errors)
    return items


def _new_version(**fields) -> Evidence:
    return Evidence.objects.create(**fields)


@transaction.atomic
def evidence_create(
    *,
    user,
    unit: Unit,
    period: Period,
    kind: str,
    title: str,
    date: datetime.date,
    rule_items: Iterable[RuleItem],
    text: str = "",
    author: str = "",
    files: Sequence[FileIn] = (),
    started_on: datetime.date | None = None,
    mechanism: Mechanism | None = None,
) -> Evidence:
    """A record a community worker adds: scans, Word files, photos, a text record."""
    _require_at(user, Perm.ARCHIVE_MANAGE, unit.id)
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": _("Choose a kind of record.")})
    items = _clean_record(
        unit=unit, period=period, title=title, date=date, started_on=started_on, rule_items=rule_items
    )
    if mechanism is not None and mechanism.unit_id != unit.id:
        raise ValidationError({"mechanism": _("The mechanism belongs to another community.")})
    accepted = accept_uploads(files)
    evidence = _new_version(
        unit=unit,
        period_kind=period.kind,
        period_start=period.start,
        kind=kind,
        title=_plain(title),
        date=date,
        started_on=started_on,
        text=_plain(text),
        author=_plain(author or getattr(user, "name", "") or user.get_full_name() or user.get_username())[:60],
        mechanism=mechanism,
        created_by=user,
    )
    evidence.rule_items.set(items)
    for position, (upload, caption) in enumerate(accepted):
        _store(evidence, position, upload, caption)
    integrity.append(actor=user, action=LogAction.CREATE, evidence=evidence)
    audit_record(actor=user, action="archive.create", target=evidence, to_state="v1", note=str(period))
    return evidence


def _check_current(evidence: Evidence, expected_version: int | None) -> Evidence:
    current = Evidence.objects.select_for_update().filter(record_key=evidence.record_key, is_current=True).first()
    if current is None:
        raise Conflict(_("This record no longer exists."))
    if expected_version is not None and current.version != int(expected_version):
        raise Conflict(
            _("Someone else changed this record (now version %(version)s) since you opened it; reload and try again.")
            % {"version": current.version}
        )
    if current.withdrawn:
        raise Conflict(_("This record has been withdrawn."))
    return current


@transaction.atomic
def evidence_revise(
    *,
    user,
    evidence: Evidence,
    expected_version: int | None,
    title: str | None = None,
    text: str | None = None,
    date: datetime.date | None = None,
    started_on: datetime.date | None = None,
    author: str | None = None,
    period: Period | None = None,
    rule_items: Iterable[RuleItem] | None = None,
    captions: dict[int, str] | None = None,
    add_files: Sequence[FileIn] = (),
    remove_file_ids: Iterable[int] = (),
    mechanism: Mechanism | None | bool = False,
    note: str = "",
    action: str = LogAction.REVISE,
) -> Evidence:
    """Write the next version of a record; the version the user saw must still be current."""
    _require_at(user, Perm.ARCHIVE_MANAGE, evidence.unit_id)
    current = _check_current(evidence, expected_version)
    period = period or Period(current.period_start, current.period_kind)
    items = list(rule_items) if rule_items is not None else list(current.rule_items.all())
    fields = {
        "title": current.title if title is None else _plain(title),
        "text": current.text if text is None else _plain(text),
        "date": current.date if date is None else date,
        "started_on": current.started_on if started_on is None else started_on,
        "author": current.author if author is None else _plain(author)[:60],
    }
    items = _clean_record(
        unit=current.unit,
        period=period,
        title=fields["title"],
        date=fields["date"],
        started_on=fields["started_on"],
        rule_items=items,
    )
    own_files = {f.pk for f in current.files.all()}
    captions = {int(k): v for k, v in (captions or {}).items()}
    remove = {int(i) for i in remove_file_ids}
    if not set(captions) <= own_files or not remove <= own_files:
        raise ValidationError({"files": _("A file does not belong to this record.")})
    accepted = accept_uploads(add_files)
    Evidence.objects.filter(pk=current.pk).update(is_current=False)
    revised = _new_version(
        record_key=current.record_key,
        version=current.version + 1,
        unit=current.unit,
        period_kind=period.kind,
        period_start=period.start,
        kind=current.kind,
        mechanism=current.mechanism if mechanism is False else mechanism,
        source=current.source,
        source_id=current.source_id,
        source_snapshot=current.source_snapshot,
        created_by=user,
        **fields,
    )
    revised.rule_items.set(items)
    position = _copy_files(current, revised, captions=captions, remove=remove)
    for offset, (upload, caption) in enumerate(accepted):
        _store(revised, position + offset, upload, caption)
    integrity.append(actor=user, action=action, evidence=revised)
    audit_record(
        actor=user,
        action="archive.revise",
        target=revised,
        from_state=f"v{current.version}",
        to_state=f"v{revised.version}",
        note=note,
    )
    return revised


@transaction.atomic
def evidence_withdraw(*, user, evidence: Evidence, expected_version: int | None, reason: str) -> Evidence:
    """Withdraw a record filed by mistake: a last version marked withdrawn, with the reason kept."""
    if not str(reason or "").strip():
        raise ValidationError({"reason": _("Say why the record is withdrawn.")})
    _require_at(user, Perm.ARCHIVE_MANAGE, evidence.unit_id)
    current = _check_current(evidence, expected_version)
    Evidence.objects.filter(pk=current.pk).update(is_current=False)
    withdrawn = _new_version(
        record_key=current.record_key,
        version=current.version + 1,
        withdrawn=True,
        unit=current.unit,
        period_kind=current.period_kind,
        period_start=current.period_start,
        kind=current.kind,
        title=current.title,
        date=current.date,
        started_on=current.started_on,
        text=current.text,
        author=current.author,
        mechanism=current.mechanism,
        source=current.source,
        source_id=current.source_id,
        source_snapshot=current.source_snapshot,
        created_by=user,
    )
    withdrawn.rule_items.set(current.rule_items.all())
    _copy_files(current, withdrawn, captions={}, remove=set())
    integrity.append(actor=user, action=LogAction.WITHDRAW, evidence=withdrawn)
    audit_record(actor=user, action="archive.withdraw", target=withdrawn, note=_plain(reason))
    return withdrawn


def caption_set(*, user, evidence: Evidence, expected_version: int | None, file_id: int, caption: str) -> Evidence:
    """Give a photo its caption (the commonest fix the audit asks for)."""
    if not str(caption or "").strip():
        raise ValidationError({"caption": _("Write a caption.")})
    return evidence_revise(user=user, evidence=evidence, expected_version=expected_version, captions={file_id: caption})
