"""One interface for every export (Excel, Word, PDF, ZIP): ``render()`` returns the file name,
its content type and its bytes. Views, background tasks and management commands all call it.

Every spreadsheet goes through the writers below, which hold the house rules in one place:

* **Safe to open.** A text cell that a spreadsheet would read as a formula (starting with ``=``,
  ``+``, ``-``, ``@``, tab or carriage return) is written as text: in Excel typed as a string
  with the quote prefix (the value stays exactly as typed), in CSV prefixed with an apostrophe.
  Numbers are numbers, negative ones included; only text is neutralised. No cell is ever written
  as a formula unless the product made the formula (:class:`Formula`).
* **Never raises on a stored value.** Characters the XLSX format cannot hold (openpyxl's
  ``ILLEGAL_CHARACTERS_RE``) are dropped and text is cut at Excel's 32,767 characters.
* **As officials expect it** (:class:`ExcelTable`): a title row saying what was exported, with which
  filter and when; the header frozen below it with an autofilter; column widths that fit the content
  (a CJK character counts as two); dates and times as real Excel dates with a number format.
"""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ExportResult:
    filename: str
    content_type: str
    content: bytes


class Exporter(Protocol):
    def render(self) -> ExportResult: ...


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

#: A spreadsheet reads a cell starting with one of these as a formula (in Excel, or once saved as CSV).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The most characters one XLSX cell holds.
XLSX_CELL_LIMIT = 32767

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def download_response(result: ExportResult) -> HttpResponse:
    response = HttpResponse(result.content, content_type=result.content_type)
    # RFC 6266 filename* so Chinese file names survive every browser.
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    return response


def private_image_response(record, kind: str):
    """Serve a stored image (``file``) or its thumbnail (``thumbnail``) of a record the caller has
    already checked access to. Media is never public: every image goes through a scoped view and
    is streamed from the storage (local disk or S3), never linked to."""
    from django.http import Http404

    from gongjian.core.storage import file_response

    if kind not in ("full", "thumb"):
        raise Http404
    field = record.thumbnail if kind == "thumb" else record.file
    return file_response(field, content_type="image/jpeg")


# --- cells ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    """A formula the product itself wrote (e.g. a total); the only way a cell becomes a formula."""

    text: str


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def xlsx_text(value: Any) -> str:
    """``value`` as text an XLSX cell can hold: no illegal characters, at most 32,767 characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:XLSX_CELL_LIMIT]


def csv_text(value: Any) -> Any:
    """A CSV field: text starting like a formula gets a leading apostrophe; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str | Promise):
        text = str(value)
        return "'" + text if looks_like_formula(text) else text
    if isinstance(value, datetime.datetime):
        return f"{excel_time(value):%Y-%m-%d %H:%M}"
    return value


def excel_time(value: datetime.datetime) -> datetime.datetime:
    """Excel has no time zones: the local wall-clock time officials expect."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def xlsx_cell(sheet, value: Any, *, font=None):
    """One write-only cell holding ``value`` as a value: text as text (quote-prefixed when it starts
    like a formula), numbers as numbers, dates as dates with a number format."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, Formula):
        cell = WriteOnlyCell(sheet, value="=" + value.text.lstrip("="))
    elif value is None or isinstance(value, bool | int | float | Decimal):
        cell = WriteOnlyCell(sheet, value=value)
    elif isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=excel_time(value))
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
    else:
        text = xlsx_text(value)
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        if looks_like_formula(text):
            cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def display_width(value: Any) -> int:
    """How many Latin characters wide ``value`` shows: a CJK (wide) character counts as two."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    text = str(value)
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


# --- tables -----------------------------------------------------------------------------------------------------------


#: Filter parameters that name a row by its id, and the model whose name the title row shows instead.
NAMED_BY_ID = {
    "unit": "organizations.Unit",
    "community": "organizations.Unit",
    "street": "organizations.Unit",
    "cobuild_unit": "organizations.CobuildUnit",
}


def _name_of(model_label: str, pk: int) -> str:
    from django.apps import apps

    row = apps.get_model(model_label).objects.filter(pk=pk).first()
    return str(getattr(row, "name", row)) if row is not None else str(pk)


def describe_filters(form) -> list[tuple[str, str]]:
    """A valid filter form's non-empty values as ``(label, value)`` pairs, choices by their label and
    units by their name: what the title row says the export was filtered by."""
    if form is None or not form.is_bound or not form.is_valid():
        return []
    pairs = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()) or name not in form.fields:
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", []) or [])
        if isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        elif name in NAMED_BY_ID and isinstance(value, int):
            shown = _name_of(NAMED_BY_ID[name], value)
        elif isinstance(value, list | tuple | set):
            shown = "、".join(str(choices.get(v, choices.get(str(v), v))) for v in value)
        elif isinstance(value, datetime.date) and getattr(field.widget, "input_type", "") == "month":
            shown = f"{value:%Y-%m}"
        elif hasattr(value, "_meta"):
            shown = str(value)
        else:
            shown = str(choices.get(value, choices.get(str(value), value)))
        pairs.append((str(field.label or name), shown))
    return pairs


@dataclass
class ExcelTable:
    """One sheet of a workbook as officials expect it. Rows are streamed (write-only); the first
    ``sample`` rows are held back to measure the column widths, then everything is written."""

    sheet: Any
    title: str
    headers: Sequence[str]
    #: ``(label, value)`` pairs the rows were filtered by; None for a sheet that is not a filtered list.
    filters: Sequence[tuple[str, str]] | None = None
    #: Number formats by column index, e.g. ``{0: "@"}`` for a column Excel must keep as text.
    formats: dict[int, str] = field(default_factory=dict)
    sample: int = 1000
    _buffer: list[list] = field(default_factory=list)
    _started: bool = False
    _rows: int = 0

    def append(self, values: Iterable[Any]) -> None:
        values = list(values)
        self._rows += 1
        if self._started:
            self._write(values)
            return
        self._buffer.append(values)
        if len(self._buffer) >= self.sample:
            self._start()

    def title_text(self) -> str:
        stamp = _("exported %(time)s") % {"time": f"{timezone.localtime():%Y-%m-%d %H:%M}"}
        if self.filters is None:
            return f"{self.title} — {stamp}"
        if self.filters:
            pairs = _("; ").join(_("%(label)s: %(value)s") % {"label": k, "value": v} for k, v in self.filters)
            shown = _("Filter: %(filters)s") % {"filters": pairs}
        else:
            shown = _("No filter: all rows you may see")
        return f"{self.title} — {shown} — {stamp}"

    def _start(self) -> None:
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self._started = True
        widths = [display_width(h) for h in self.headers]
        for row in self._buffer:
            for index, value in enumerate(row[: len(widths)]):
                widths[index] = max(widths[index], display_width(value))
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 6), 60)
        self.sheet.freeze_panes = "A3"
        self.sheet.append([xlsx_cell(self.sheet, self.title_text(), font=Font(bold=True, size=13))])
        bold = Font(bold=True)
        self.sheet.append([xlsx_cell(self.sheet, h, font=bold) for h in self.headers])
        for row in self._buffer:
            self._write(row)
        self._buffer = []

    def _write(self, values: list) -> None:
        cells = [xlsx_cell(self.sheet, v) for v in values]
        for index, number_format in self.formats.items():
            if index < len(cells):
                cells[index].number_format = number_format
        self.sheet.append(cells)

    def close(self) -> None:
        from openpyxl.utils import get_column_letter

        if not self._started:
            self._start()
        last = get_column_letter(max(1, len(self.headers)))
        self.sheet.auto_filter.ref = f"A2:{last}{2 + self._rows}"


class ExcelWorkbook:
    """The one workbook writer: ``table()`` per sheet, then ``save()`` for the bytes."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)
        self.tables: list[ExcelTable] = []

    def table(
        self,
        *,
        sheet: str,
        title: str,
        headers: Sequence[str],
        filters: Sequence[tuple[str, str]] | None = None,
        formats: dict[int, str] | None = None,
    ) -> ExcelTable:
        # Sheet names: at most 31 characters, none of []:*?/\ .
        name = "".join(ch for ch in xlsx_text(sheet) if ch not in "[]:*?/\\")[:31] or "Sheet"
        table = ExcelTable(
            self.workbook.create_sheet(name),
            str(title),
            [str(h) for h in headers],
            None if filters is None else list(filters),
            dict(formats or {}),
        )
        self.tables.append(table)
        return table

    def save(self) -> bytes:
        for table in self.tables:
            table.close()
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


def excel_export(
    *,
    filename: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Iterable[Any]],
    filters: Sequence[tuple[str, str]] | None = None,
    sheet: str | None = None,
) -> ExportResult:
    """A one-sheet export through :class:`ExcelWorkbook`."""
    book = ExcelWorkbook()
    table = book.table(sheet=sheet or title, title=title, headers=headers, filters=filters)
    for row in rows:
        table.append(row)
    return ExportResult(filename=filename, content_type=XLSX, content=book.save())


def csv_export(*, filename: str, headers: Sequence[str], rows: Iterable[Iterable[Any]]) -> ExportResult:
    """A CSV export: UTF-8 with a BOM so that Excel on Chinese Windows opens it with the right
    characters, every text field neutralised (:func:`csv_text`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_text(h) for h in headers])
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return ExportResult(filename=filename, content_type=CSV, content=("\ufeff" + buffer.getvalue()).encode("utf-8"))


def export_stamp() -> str:
    return f"{timezone.localtime():%Y%m%d-%H%M}"
