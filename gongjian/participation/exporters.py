"""Exports of participation lists (exactly the rows a user filtered, masked as on screen), the
import template and the sheet of rows that were not imported, with the reason in a column."""

from __future__ import annotations

import csv
import io

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from gongjian.core.exporters import XLSX, ExportResult
from gongjian.participation.importers import TEMPLATE_HEADERS


def _workbook(title: str, headers: list[str]):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return workbook, sheet


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _stamp() -> str:
    return f"{timezone.localtime():%Y%m%d-%H%M}"


class ErrorSheet:
    """Rows that were not imported, as they were in the file, with the reason in the last column."""

    def __init__(self) -> None:
        self.headers: list[str] = []
        self._buffered: list[list] = []

    def add(self, row: int, values: list[str], reason: str) -> None:
        self._buffered.append([row, *values, reason])

    def render(self) -> bytes:
        workbook, sheet = _workbook(_("Not imported"), [_("Row"), *self.headers, _("Reason")])
        width = len(self.headers)
        for row in self._buffered:
            number, values, reason = row[0], row[1:-1], row[-1]
            values = (values + [""] * width)[:width] if width else values
            sheet.append([number, *values, reason])
        return _save(workbook)


def volunteer_template(kind: str = "volunteers") -> ExportResult:
    """The empty sheet to fill in for an import of this kind, with one example row."""
    from gongjian.participation.importers import ROSTER_SPECS

    if kind in ROSTER_SPECS:
        headers = ROSTER_SPECS[kind].template
        example = {
            "stairwell_heads": ["阳光小区", "3", "2", "张三", "13800000000"],
            "frontage": ["好又多超市", "人民路12号", "门前12米人行道", "卫生、秩序、绿化", "李四", "13800000000"],
            "team_members": ["文明劝导员", "13800000000", "人民路口", "周一、三、五 7:00–9:00"],
        }[kind]
    else:
        kind, headers, example = "volunteers", TEMPLATE_HEADERS, ["张三", "13800000000", "", "居民党员", "", "", ""]
    workbook, sheet = _workbook(_("Template"), headers)
    sheet.append(example)
    return ExportResult(filename=f"{kind}-template.xlsx", content_type=XLSX, content=_save(workbook))


class VolunteerExporter:
    """One row per volunteer; phone and ID number as the presenter gives them (masked unless the
    viewer may see them, which the caller audits)."""

    def __init__(self, rows, *, fmt: str = "xlsx"):
        self.rows = rows  # iterable of VolunteerRow (selectors.present_volunteers)
        self.fmt = fmt

    @staticmethod
    def headers() -> list[str]:
        return [
            _("Name"),
            _("Phone"),
            _("ID number"),
            _("Home community"),
            _("Party membership"),
            _("Work unit"),
            _("Skills"),
            _("Availability"),
            _("Status"),
            _("Service hours"),
            _("Registered on"),
        ]

    def _values(self, row) -> list:
        return [
            row.name,
            row.phone,
            row.id_number,
            row.community,
            row.party_status,
            row.work_unit,
            row.skills,
            row.availability,
            row.status,
            float(row.hours),
            row.registered_on,
        ]

    def render(self) -> ExportResult:
        base = _("volunteers") + f"-{_stamp()}"
        if self.fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(self.headers())
            for row in self.rows:
                writer.writerow(self._values(row))
            # UTF-8 with BOM: Excel on Chinese Windows opens it with the right characters.
            return ExportResult(
                filename=f"{base}.csv",
                content_type="text/csv; charset=utf-8",
                content=("\ufeff" + buffer.getvalue()).encode("utf-8"),
            )
        workbook, sheet = _workbook(_("Volunteers"), self.headers())
        for row in self.rows:
            sheet.append(self._values(row))
        return ExportResult(filename=f"{base}.xlsx", content_type=XLSX, content=_save(workbook))


class ActivityExporter:
    def __init__(self, activities: QuerySet):
        self.activities = activities

    def render(self) -> ExportResult:
        workbook, sheet = _workbook(
            _("Activities"),
            [
                _("Title"),
                _("Type"),
                _("Status"),
                _("Community"),
                _("Organiser"),
                _("Starts at"),
                _("Place"),
                _("Theme of the month"),
                _("Co-construction units"),
                _("Volunteers"),
                _("Volunteer hours"),
                _("Photos"),
            ],
        )
        for a in self.activities.iterator(chunk_size=1000):
            sheet.append(
                [
                    a.title,
                    a.type.name,
                    a.get_status_display(),
                    a.community.name,
                    a.organiser,
                    timezone.localtime(a.starts_at).replace(tzinfo=None),
                    a.place,
                    a.theme.title if a.theme_id else "",
                    a.unit_count,
                    a.volunteer_count,
                    float(a.hour_total or 0),
                    a.photo_count,
                ]
            )
        return ExportResult(filename=_("activities") + f"-{_stamp()}.xlsx", content_type=XLSX, content=_save(workbook))


def table_export(*, title: str, filename: str, headers: list[str], rows) -> ExportResult:
    """Any page's table as a sheet, with exactly the rows the page shows."""
    workbook, sheet = _workbook(title, headers)
    for row in rows:
        sheet.append(list(row))
    return ExportResult(filename=f"{filename}-{_stamp()}.xlsx", content_type=XLSX, content=_save(workbook))


def ranking_export(ranking, month) -> ExportResult:
    return table_export(
        title=_("Participation index"),
        filename=f"participation-index-{month:%Y-%m}",
        headers=[
            _("Rank"),
            _("Co-construction unit"),
            _("Communities"),
            _("Index"),
            _("Attendance"),
            _("Head attendance"),
            _("Obligations progress"),
            _("Stability"),
            _("Activities joined"),
            _("Activities held"),
            _("Leader changes"),
            _("Perfunctory"),
        ],
        rows=(
            [
                r.rank,
                r.cobuild_unit.name,
                "、".join(r.communities),
                float(r.result.index),
                float(r.result.attendance),
                float(r.result.head),
                float(r.result.obligations),
                float(r.result.stability),
                r.joined,
                r.held,
                r.leader_changes,
                _("Yes") if r.result.perfunctory else _("No"),
            ]
            for r in ranking
        ),
    )


def diversity_export(rows, year: int, quarter: int) -> ExportResult:
    return table_export(
        title=_("Diversity"),
        filename=f"activity-diversity-{year}-Q{quarter}",
        headers=[_("Community"), _("Activities"), _("Types"), _("Diversity"), _("One kind only"), _("By type")],
        rows=(
            [
                r.community.name,
                r.result.total,
                r.result.kinds,
                r.result.normalised,
                _("Yes") if r.result.single_kind else _("No"),
                " · ".join(f"{name} {n}" for name, n in r.counts.items()),
            ]
            for r in rows
        ),
    )


def roster_export(roster) -> ExportResult:
    """Teams, stairwell heads and the 门前三包 register of a community, phones as shown on the page."""
    workbook = Workbook(write_only=True)
    teams = workbook.create_sheet(_("Teams"))
    teams.append([_("Team"), _("Name"), _("Phone"), _("Area"), _("Duty schedule"), _("Hours on duty")])
    for team, members in roster.teams:
        for member, phone, hours in members:
            teams.append(
                [team.get_kind_display(), member.volunteer.name, phone, member.area, member.schedule, float(hours)]
            )
    heads = workbook.create_sheet(_("Stairwell heads"))
    heads.append([_("Compound"), _("Building"), _("Entrance"), _("Name"), _("Phone")])
    for head, phone in roster.stairwell_heads:
        heads.append([head.compound.name, head.building, head.entrance, head.name, phone])
    frontage = workbook.create_sheet(_("Frontage duties"))
    frontage.append(
        [
            _("Shop or unit"),
            _("Address"),
            _("Frontage"),
            _("Duties"),
            _("Responsible person"),
            _("Phone"),
            _("Problems"),
        ]
    )
    for duty, phone in roster.frontage:
        duties = "、".join(
            str(label)
            for flag, label in (
                (duty.cleanliness, _("clean")),
                (duty.order, _("order")),
                (duty.greenery, _("greenery")),
            )
            if flag
        )
        frontage.append([duty.holder, duty.address, duty.frontage, duties, duty.responsible, phone, duty.problem_count])
    return ExportResult(
        filename=f"roster-{roster.community.code}-{_stamp()}.xlsx", content_type=XLSX, content=_save(workbook)
    )
