"""The competition's ranking in Excel through the shared writers: one row a unit, its street and
community, kind, score, rate, ranks and the final score after adjustments."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.core.exporters import XLSX, ExcelWorkbook, ExportResult
from gongjian.organizations.choices import CobuildKind

POINTS_FORMAT = "0.00"
RATE_FORMAT = "0.00%"


class CompetitionRankingExport:
    """``rows``: the ranking the caller sees (``selectors.ranking``), with the filters it used."""

    def __init__(self, competition, rows, *, filters: list[tuple[str, str]]):
        self.competition = competition
        self.rows = rows
        self.filters = filters

    def render(self) -> ExportResult:
        book = ExcelWorkbook()
        sheet = book.table(
            sheet=_("Ranking"),
            title=_("%(name)s: ranking") % {"name": self.competition.name},
            headers=[
                _("Rank in the city"),
                _("Co-construction unit"),
                _("Kind"),
                _("Street"),
                _("Community"),
                _("Score"),
                _("Maximum score"),
                _("Score rate"),
                _("Rank in the street"),
                _("Rank among units of its kind"),
                _("Items without a result"),
                _("Final score after adjustments"),
            ],
            filters=self.filters,
            formats={5: POINTS_FORMAT, 6: POINTS_FORMAT, 7: RATE_FORMAT, 11: POINTS_FORMAT},
        )
        for row in self.rows:
            sheet.append(
                [
                    row.rank_city,
                    row.cobuild_unit.name,
                    str(CobuildKind(row.kind).label) if row.kind in CobuildKind.values else row.kind,
                    row.street.name if row.street_id else "",
                    row.place.name if row.place.level == "community" else "",
                    row.score,
                    row.max_score,
                    row.rate,
                    row.rank_street,
                    row.rank_kind,
                    row.missing,
                    row.adjusted,
                ]
            )
        return ExportResult(
            filename=f"{_('environment-competition')}-{self.competition.pk}-{timezone.localdate():%Y%m%d}.xlsx",
            content_type=XLSX,
            content=book.save(),
        )
