"""The fund ledger in Excel through the shared writers (formula-safe): the entries the caller sees,
and the yearly totals per community."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.core.exporters import XLSX, ExcelWorkbook, ExportResult
from gongjian.funds import ledger
from gongjian.funds.selectors import lines_of

AMOUNT_FORMAT = "#,##0.00"


class FundLedgerExport:
    """``entries``: a scoped queryset of FundEntry; ``filters``: what it was filtered by."""

    def __init__(self, entries, *, filters: list[tuple[str, str]]):
        self.entries = list(entries.select_related("community", "pairing__cobuild_unit"))
        self.filters = filters

    def render(self) -> ExportResult:
        book = ExcelWorkbook()
        sheet = book.table(
            sheet=_("Entries"),
            title=_("Co-construction fund entries"),
            headers=[
                _("Date"),
                _("Community"),
                _("Kind"),
                _("Source or purpose"),
                _("Co-construction unit"),
                _("Amount (yuan)"),
                _("Effect on the balance"),
                _("Reverses entry"),
                _("Note"),
                _("Entry"),
            ],
            filters=self.filters,
            formats={5: AMOUNT_FORMAT, 6: AMOUNT_FORMAT},
        )
        by_community = defaultdict(list)
        for entry in self.entries:
            line = ledger.Line(entry.kind, entry.amount, entry.date, entry.is_reversal)
            by_community[entry.community].append(entry)
            sheet.append(
                [
                    entry.date,
                    entry.community.name,
                    entry.get_kind_display(),
                    entry.category_label,
                    entry.pairing.cobuild_unit.name if entry.pairing_id else "",
                    entry.amount,
                    ledger.effect(line),
                    entry.reverses_id or "",
                    entry.note,
                    entry.pk,
                ]
            )
        totals = book.table(
            sheet=_("Yearly totals"),
            title=_("Co-construction funds: yearly totals per community"),
            headers=[_("Community"), _("Year"), _("Carried in"), _("Income"), _("Spending"), _("Balance")],
            filters=self.filters,
            formats={2: AMOUNT_FORMAT, 3: AMOUNT_FORMAT, 4: AMOUNT_FORMAT, 5: AMOUNT_FORMAT},
        )
        for community in sorted(by_community, key=lambda unit: (unit.code, unit.pk)):
            for year in ledger.yearly_totals(lines_of(by_community[community])):
                totals.append([community.name, year.year, year.opening, year.income, year.spending, year.closing])
        return ExportResult(
            filename=f"{_('co-construction-funds')}-{timezone.localdate():%Y%m%d}.xlsx",
            content_type=XLSX,
            content=book.save(),
        )
