"""Excel export of exactly the rows a user filtered."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongjian.core.exporters import XLSX, ExcelWorkbook, ExportResult, export_stamp
from gongjian.inspections.models import Problem


class ProblemExcelExporter:
    """One row per problem, in the list's order, through the shared workbook writer. Streams through
    the rows with ``iterator`` so memory stays flat for large exports. ``filters`` are the
    ``(label, value)`` pairs the list was filtered by (``core.exporters.describe_filters``)."""

    def __init__(self, problems: QuerySet[Problem], *, filters: Sequence[tuple[str, str]] = ()):
        self.problems = problems
        self.filters = filters

    def headers(self) -> list[str]:
        return [
            _("Case number"),
            _("Status"),
            _("Category"),
            _("Responsible unit"),
            _("Community"),
            _("Street"),
            _("Point type"),
            _("Address"),
            _("Description"),
            _("Found at"),
            _("Deadline"),
            _("Overdue"),
            _("Late"),
            _("Rework count"),
            _("Relapse of"),
            _("Closed at"),
        ]

    def render(self) -> ExportResult:
        book = ExcelWorkbook()
        table = book.table(sheet=_("Problems"), title=_("Problems"), headers=self.headers(), filters=self.filters)
        yes, no = _("Yes"), _("No")
        rows = self.problems.select_related("category", "unit", "relapse_of", "community", "street").order_by(
            "-found_at", "-id"
        )
        for p in rows.iterator(chunk_size=2000):
            table.append(
                [
                    p.number,
                    p.get_status_display(),
                    f"{p.category.code} {p.category.name}",
                    p.unit.name,
                    p.community.name if p.community_id else "",
                    p.street.name if p.street_id else "",
                    p.get_point_type_display(),
                    p.address,
                    p.description,
                    p.found_at,
                    p.deadline,
                    yes if p.is_overdue else no,
                    yes if p.is_late else no,
                    p.rework_count,
                    p.relapse_of.number if p.relapse_of_id else "",
                    p.closed_at,
                ]
            )
        filename = _("problems") + f"-{export_stamp()}.xlsx"
        return ExportResult(filename=filename, content_type=XLSX, content=book.save())
