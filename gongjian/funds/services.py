"""Writes to the fund ledger, audited. An entry is recorded once and never changed; a correction is
a reversing entry (who, when, what it reverses, why). After every write the community's yearly
statement is filed again in the archive (evidence.py)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, can_on_unit
from gongjian.archives.services.files import FileIn, accept_uploads
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.inputs import check_date, check_lengths, clean_text
from gongjian.funds import ledger
from gongjian.funds.choices import EntryKind, IncomeSource, SpendingPurpose
from gongjian.funds.models import FundEntry, FundReceipt, FundStatement
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Pairing, Unit

MAX_RECEIPTS = 10


def _check_date(value) -> datetime.date:
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value or ""))
        except ValueError:
            raise ValidationError({"date": _("Give the date as YYYY-MM-DD.")}) from None
    if value > timezone.localdate():
        raise ValidationError({"date": _("An entry cannot be dated in the future.")})
    try:
        check_date(value)
    except ValidationError as error:
        raise ValidationError({"date": error.messages}) from None
    return value


#: What an entry is booked with, besides the community, the pairing and the receipts.
ENTRY_VALUES = ("kind", "source", "purpose", "amount", "date", "note")


def entry_resent(entry_id: int, *, community, pairing, kind, source, purpose, amount, date, note) -> FundEntry:
    """The entry a write key booked (``api.idempotency``), when the values sent again are the ones it
    was booked with. The same key with other values (a form brought back with the browser's Back
    button and filled in anew) is not a resend: Conflict, so no entry is silently left unbooked."""
    entry = FundEntry.objects.get(pk=entry_id)
    values = {"kind": kind, "source": source, "purpose": purpose, "amount": amount, "date": date, "note": note}
    if not _is_as_sent(entry, community=community, pairing=pairing, **values):
        raise Conflict(
            _("This key already booked entry %(id)s with other values; nothing was booked. Check and send it again.")
            % {"id": entry.pk}
        )
    return entry


def _is_as_sent(entry: FundEntry, *, community, kind, source, purpose, pairing, amount, date, note) -> bool:
    """Is ``entry`` what these values would book (read as ``fund_entry_record`` reads them)?"""
    try:
        amount = ledger.parse_amount(amount)
        date = _check_date(date)  # a date or its text, as the booking reads it
    except (ledger.AmountError, ValidationError):
        return False
    wanted_source = source if kind == EntryKind.INCOME else ""
    wanted_purpose = purpose if kind == EntryKind.SPENDING else ""
    return (
        entry.community_id == community.pk
        and entry.kind == kind
        and entry.source == wanted_source
        and entry.purpose == wanted_purpose
        and entry.pairing_id == (pairing.pk if pairing is not None else None)
        and entry.amount == amount
        and entry.date == date
        and entry.note == clean_text(note or "").strip()
    )


def fund_entry_record(
    *,
    user,
    community: Unit,
    kind: str,
    amount,
    date,
    source: str = "",
    purpose: str = "",
    pairing: Pairing | None = None,
    note: str = "",
    files: Sequence[FileIn] = (),
) -> FundEntry:
    """Record one income or spending entry of a community's ledger, with its receipt files."""
    if community.level != UnitLevel.COMMUNITY:
        raise ValidationError({"community": _("A fund ledger belongs to a community.")})
    if not can_on_unit(actor_for(user), Perm.FUND_MANAGE, community.pk):
        raise NotPermitted(_("You cannot keep this community's fund ledger."))
    errors: dict[str, str] = {}
    if kind not in EntryKind.values:
        errors["kind"] = _("Choose income or spending.")
    elif kind == EntryKind.INCOME:
        if source not in IncomeSource.values:
            errors["source"] = _("Choose where the income comes from.")
        purpose = ""
    else:
        if purpose not in SpendingPurpose.values:
            errors["purpose"] = _("Choose what the money was spent on.")
        source = ""
    if kind == EntryKind.INCOME and source == IncomeSource.CONTRIBUTION and pairing is None:
        errors["pairing"] = _("A contribution names the co-construction unit's pairing.")
    if pairing is not None and pairing.community_id != community.pk:
        errors["pairing"] = _("This pairing is not with this community.")
    try:
        amount = ledger.parse_amount(amount)
    except ledger.AmountError as error:
        errors["amount"] = str(error.message)
    files = list(files)
    if len(files) > MAX_RECEIPTS:
        errors["files"] = _("Attach at most %(count)d receipts.") % {"count": MAX_RECEIPTS}
    if errors:
        raise ValidationError(errors)
    date = _check_date(date)
    note = clean_text(note or "").strip()
    check_lengths(FundEntry, note=note)
    accepted = accept_uploads(files)
    with transaction.atomic():
        entry = FundEntry.objects.create(
            community=community,
            pairing=pairing,
            kind=kind,
            source=source,
            purpose=purpose,
            amount=amount,
            date=date,
            note=note,
            created_by=user,
        )
        _store_receipts(entry, accepted)
        audit_record(
            actor=user,
            action="fund.entry.record",
            target=entry,
            to_state=f"{kind} {amount}",
            changes={"date": f"{date:%Y-%m-%d}", "source": source, "purpose": purpose, "pairing": entry.pairing_id},
        )
        transaction.on_commit(lambda: statement_file(community=community, year=date.year, user=user))
    return entry


def _store_receipts(entry: FundEntry, accepted) -> None:
    for file, _caption in accepted:
        row = FundReceipt(
            entry=entry,
            name=file.name,
            kind=file.kind,
            content_type=file.content_type,
            size=len(file.content),
            sha256=file.sha256,
        )
        row.file.save(file.name, ContentFile(file.content), save=False)
        row.save()


def fund_entry_reverse(*, user, entry: FundEntry, reason: str) -> FundEntry:
    """Cancel an entry by a reversing one of the same kind and amount, dated today (or the entry's
    own date, if later), with the reason. An entry is reversed once; a reversal is never reversed
    (record the entry again instead)."""
    if not can_on_unit(actor_for(user), Perm.FUND_MANAGE, entry.community_id):
        raise NotPermitted(_("You cannot keep this community's fund ledger."))
    reason = clean_text(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the entry is reversed.")})
    check_lengths(FundEntry, note=reason)
    if entry.reverses_id is not None:
        raise ValidationError({"entry": _("A reversing entry cannot itself be reversed; record the entry again.")})
    with transaction.atomic():
        locked = FundEntry.objects.select_for_update().get(pk=entry.pk)
        if FundEntry.objects.filter(reverses=locked).exists():
            raise ValidationError({"entry": _("This entry has already been reversed.")})
        reversal = FundEntry.objects.create(
            community_id=locked.community_id,
            pairing_id=locked.pairing_id,
            kind=locked.kind,
            source=locked.source,
            purpose=locked.purpose,
            amount=locked.amount,
            date=max(timezone.localdate(), locked.date),
            note=reason,
            reverses=locked,
            created_by=user,
        )
        audit_record(
            actor=user,
            action="fund.entry.reverse",
            target=locked,
            from_state=f"{locked.kind} {locked.amount}",
            to_state=f"reversed by {reversal.pk}",
            note=reason,
        )
        community = locked.community
        years = {locked.date.year, reversal.date.year}
        transaction.on_commit(lambda: [statement_file(community=community, year=y, user=user) for y in sorted(years)])
    return reversal


def statement_file(*, community: Unit, year: int, user=None):
    """File (or bring up to date) the community's statement of one year in its archive."""
    from gongjian.funds.evidence import collect_from_statement

    # Called after the entry's commit (on_commit): its own transaction, which the archive's hash chain
    # needs for its row lock.
    with transaction.atomic():
        statement, created = FundStatement.objects.get_or_create(community=community, year=year)
        if created:
            audit_record(actor=user, action="fund.statement.create", target=statement, to_state=str(year))
        return collect_from_statement(statement, actor=user)


def fund_statement_file_year(*, user, community: Unit, year) -> tuple[FundStatement, object]:
    """A keeper of the ledger files (or brings up to date) the community's statement of one year in
    its archive, on purpose (the statement also files itself after every write). Returns the
    statement and the archive record (None while no published template asks for documents)."""
    if community.level != UnitLevel.COMMUNITY:
        raise ValidationError({"community": _("A fund ledger belongs to a community.")})
    if not can_on_unit(actor_for(user), Perm.FUND_MANAGE, community.pk):
        raise NotPermitted(_("You cannot keep this community's fund ledger."))
    this_year = timezone.localdate().year
    try:
        year = int(year)
    except (TypeError, ValueError, OverflowError):
        year = 0
    if not 2000 <= year <= this_year:
        raise ValidationError({"year": _("Choose a year between 2000 and %(year)s.") % {"year": this_year}})
    with transaction.atomic():
        evidence = statement_file(community=community, year=year, user=user)
        statement = FundStatement.objects.get(community=community, year=year)
        audit_record(
            actor=user,
            action="fund.statement.file",
            target=statement,
            to_state=f"v{evidence.version}" if evidence is not None else "no template",
            note=str(year),
        )
    return statement, evidence
