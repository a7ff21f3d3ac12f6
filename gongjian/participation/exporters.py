"""Exports of participation lists (exactly the rows a user filtered, masked as on screen), the
import template and the sheet of rows that were not imported, with the reason in a column."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongjian.core.exporters import (
    XLSX,
    ExcelWorkbook,
    ExportResult,
    csv_export,
    excel_export,
    export_stamp,
)
from gongjian.participation.importers import TEMPLATE_HEADERS


def _stamp() -> str:
    return export_stamp()


class ErrorSheet:
    """Rows that were not imported, as they were in the file, with the reason in the last column."""

    def __init__(self) -> None:
        self.headers: list[str] = []
        self._buffered: list[list] = []

    def add(self, row: int, values: list[str], reason: str) -> None:
        self._buffered.append([row, *values, reason])

    def render(self) -> bytes:
        width = len(self.headers)

        def rows():
            for row in self._buffered:
                number, values, reason = row[0], row[1:-1], row[-1]
                values = (values + [""] * width)[:width] if width else values
                yield [number, *values, reason]

        return excel_export(
            filename="",
            title=_("Rows not imported"),
            sheet=_("Not imported"),
            headers=[_("Row"), *self.headers, _("Reason")],
            rows=rows(),
        ).content


def volunteer_template(kind: str = "volunteers") -> ExportResult:
    """The empty sheet to fill in for an import of this kind, with one example row. The importer
    skips the title row above the headers."""
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
    book = ExcelWorkbook()
    table = book.table(sheet=_("Template"), title=_("Import template: fill in one row per person"), headers=headers)
    table.append(example)
    return ExportResult(filename=f"{kind}-template.xlsx", content_type=XLSX, content=book.save())


class VolunteerExporter:
    """One row per volunteer; phone and ID number as the presenter gives them (masked unless the
    viewer may see them, which the caller audits)."""

    def __init__(self, rows, *, fmt: str = "xlsx", filters: Sequence[tuple[str, str]] = ()):
        self.rows = rows  # iterable of VolunteerRow (selectors.present_volunteers)
        self.fmt = fmt
        self.filters = filters

    @staticmethod
    def headers() -> list[str]:
        return [
            _("Name"),
            _("Phone"),
            _("ID number"),
            _("Home community"),
            _("Street"),
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
            row.street,
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
        rows = (self._values(row) for row in self.rows)
        if self.fmt == "csv":
            return csv_export(filename=f"{base}.csv", headers=self.headers(), rows=rows)
        return excel_export(
            filename=f"{base}.xlsx", title=_("Volunteers"), headers=self.headers(), rows=rows, filters=self.filters
        )


class ActivityExporter:
    def __init__(self, activities: QuerySet, *, filters: Sequence[tuple[str, str]] = ()):
        self.activities = activities
        self.filters = filters

    def render(self) -> ExportResult:
        book = ExcelWorkbook()
        table = book.table(
            sheet=_("Activities"),
            title=_("Activities"),
            filters=self.filters,
            headers=[
                _("Title"),
                _("Type"),
                _("Status"),
                _("Community"),
                _("Street"),
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
        for a in self.activities.select_related("community__parent").iterator(chunk_size=1000):
            table.append(
                [
                    a.title,
                    a.type.name,
                    a.get_status_display(),
                    a.community.name,
                    a.community.parent.name if a.community.parent_id else "",
                    a.organiser,
                    a.starts_at,
                    a.place,
                    a.theme.title if a.theme_id else "",
                    a.unit_count,
                    a.volunteer_count,
                    float(a.hour_total or 0),
                    a.photo_count,
                ]
            )
        return ExportResult(filename=_("activities") + f"-{_stamp()}.xlsx", content_type=XLSX, content=book.save())


def table_export(
    *, title: str, filename: str, headers: list[str], rows, filters: Sequence[tuple[str, str]] = ()
) -> ExportResult:
    """Any page's table as a sheet, with exactly the rows the page shows."""
    return excel_export(
        filename=f"{filename}-{_stamp()}.xlsx", title=title, headers=headers, rows=rows, filters=filters
    )


def ranking_export(ranking, month) -> ExportResult:
    return table_export(
        title=_("Participation index"),
        filters=[(_("Month"), f"{month:%Y-%m}")],
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
        filters=[(_("Quarter"), f"{year}-Q{quarter}")],
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
    book = ExcelWorkbook()
    where = [(_("Community"), roster.community.name)]
    teams = book.table(
        sheet=_("Teams"),
        title=_("Teams"),
        filters=where,
        headers=[_("Team"), _("Name"), _("Phone"), _("Area"), _("Duty schedule"), _("Hours on duty")],
    )
    for team, members in roster.teams:
        for member, phone, hours in members:
            teams.append(
                [team.get_kind_display(), member.volunteer.name, phone, member.area, member.schedule, float(hours)]
            )
    heads = book.table(
        sheet=_("Stairwell heads"),
        title=_("Stairwell heads"),
        filters=where,
        headers=[_("Compound"), _("Building"), _("Entrance"), _("Name"), _("Phone")],
    )
    for head, phone in roster.stairwell_heads:
        heads.append([head.compound.name, head.building, head.entrance, head.name, phone])
    frontage = book.table(
        sheet=_("Frontage duties"),
        title=_("Frontage duties"),
        filters=where,
        headers=[
            _("Shop or unit"),
            _("Address"),
            _("Frontage"),
            _("Duties"),
            _("Responsible person"),
            _("Phone"),
            _("Problems"),
        ],
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
        filename=f"roster-{roster.community.code}-{_stamp()}.xlsx", content_type=XLSX, content=book.save()
    )
