"""Excel export of exactly the rows a user filtered."""

from __future__ import annotations

import io

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from gongjian.core.exporters import XLSX, ExportResult
from gongjian.inspections.models import Problem


class ProblemExcelExporter:
    """One row per problem, in the list's order. Streams through the rows with ``iterator`` and
    writes with openpyxl's write-only mode so memory stays flat for large exports."""

    def __init__(self, problems: QuerySet[Problem]):
        self.problems = problems

    def headers(self) -> list[str]:
        return [
            _("Case number"),
            _("Status"),
            _("Category code"),
            _("Category"),
            _("Responsible unit"),
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
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Problems"))
        bold = Font(bold=True)
        from openpyxl.cell import WriteOnlyCell

        header = []
        for title in self.headers():
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        yes, no = _("Yes"), _("No")
        rows = self.problems.select_related("category", "unit", "relapse_of").order_by("-found_at", "-id")
        for p in rows.iterator(chunk_size=2000):
            sheet.append(
                [
                    p.number,
                    p.get_status_display(),
                    p.category.code,
                    p.category.name,
                    p.unit.name,
                    p.get_point_type_display(),
                    p.address,
                    p.description,
                    _local(p.found_at),
                    _local(p.deadline),
                    yes if p.is_overdue else no,
                    yes if p.is_late else no,
                    p.rework_count,
                    p.relapse_of.number if p.relapse_of_id else "",
                    _local(p.closed_at),
                ]
            )
        buffer = io.BytesIO()
        workbook.save(buffer)
        filename = _("problems") + f"-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        return ExportResult(filename=filename, content_type=XLSX, content=buffer.getvalue())


def _local(value):
    # Excel has no time zones: write the local wall-clock time officials expect.
    return timezone.localtime(value).replace(tzinfo=None) if value else None
