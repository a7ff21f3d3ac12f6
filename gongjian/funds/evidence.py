"""A community's yearly fund statement files itself in the archive as a document record: the year's
income by source, spending by purpose, the opening and closing balances and every entry."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from gongjian.archives.choices import EvidenceKind
from gongjian.archives.services.collection import _collect, _in_site_language
from gongjian.archives.services.files import StoredFile
from gongjian.funds import ledger
from gongjian.funds.models import FundEntry, FundReceipt, FundStatement
from gongjian.funds.selectors import community_lines


def statement_text(statement: FundStatement) -> str:
    totals = ledger.totals_for(community_lines(statement.community_id), statement.year)
    entries = list(
        FundEntry.objects.filter(community_id=statement.community_id, date__year=statement.year)
        .select_related("pairing__cobuild_unit")
        .order_by("date", "id")
    )
    by_category: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        by_category[(entry.kind, entry.category_label)] += -entry.amount if entry.is_reversal else entry.amount
    lines = [
        _("Balance carried in: %(amount)s yuan") % {"amount": ledger.yuan(totals.opening)},
        _("Income: %(amount)s yuan") % {"amount": ledger.yuan(totals.income)},
        _("Spending: %(amount)s yuan") % {"amount": ledger.yuan(totals.spending)},
        _("Balance at the end of the year: %(amount)s yuan") % {"amount": ledger.yuan(totals.closing)},
    ]
    if by_category:
        lines += ["", _("By source and purpose:")]
        for (_kind, label), amount in sorted(by_category.items()):
            lines.append(f"{label}：{ledger.yuan(amount)}")
    if entries:
        lines += ["", _("Entries:")]
        for n, entry in enumerate(entries, 1):
            sign = (
                "+" if ledger.effect(ledger.Line(entry.kind, entry.amount, entry.date, entry.is_reversal)) > 0 else "−"
            )
            partner = f"（{entry.pairing.cobuild_unit.name}）" if entry.pairing_id else ""
            reversal = _("reverses entry %(id)s: ") % {"id": entry.reverses_id} if entry.is_reversal else ""
            lines.append(
                f"{n}. {entry.date:%Y-%m-%d} {entry.category_label}{partner} {sign}{ledger.yuan(entry.amount)} "
                f"{reversal}{entry.note}".rstrip()
            )
    return "\n".join(lines)


@_in_site_language
def collect_from_statement(statement: FundStatement, *, actor=None, cache: dict | None = None):
    receipts = FundReceipt.objects.filter(
        entry__community_id=statement.community_id, entry__date__year=statement.year
    ).order_by("entry__date", "id")
    files = [
        StoredFile(
            file_name=r.file.name,
            thumbnail_name="",
            name=r.name,
            caption=r.name,
            taken_at=None,
            width=None,
            height=None,
            kind=r.kind,
            content_type=r.content_type,
        )
        for r in receipts
    ]
    last = (
        FundEntry.objects.filter(community_id=statement.community_id, date__year=statement.year)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    return _collect(
        source="funds",
        source_id=statement.pk,
        unit=statement.community,
        kind=EvidenceKind.DOCUMENT,
        title=_("Fund statement %(year)s") % {"year": statement.year},
        date=last or datetime.date(statement.year, 12, 31),
        text=statement_text(statement),
        files=files,
        actor=actor,
        cache=cache,
    )
