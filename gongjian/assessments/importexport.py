"""Rule sets in and out of the platform: the API's JSON shape and an Excel workbook the city office
can edit.

* ``ruleset_to_json`` — a stored rule set in the JSON shape (``gongjian.demo.assessments.demo_rules``):
  items nested as ``children``, decimals as strings, months as ``"YYYY-MM"``.
* ``ruleset_to_xlsx`` / ``RuleSetExcelExporter`` — a workbook with two sheets: the items, one row per
  item with its parent's code, and the settings, one row per header field.
* ``ruleset_from_xlsx`` / ``ruleset_from_json`` — a file back into the JSON-shaped dict that
  ``rulespec.parse_ruleset`` checks. Problems with the file itself (not an xlsx, a missing sheet or
  column, merged cells...) raise ``RuleSetInvalid`` here; problems with the values (text in a number
  column, a cycle, points that do not add up...) are reported by ``parse_ruleset`` with the row
  they are on ("row 7 · points: abc is not a number.").

Nothing here writes to the database: the caller passes the checked spec to
``services.ruleset_create``, so a file with any problem creates nothing."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import iterparse

from gongjian.assessments.models import RuleItem, RuleSet
from gongjian.assessments.rulespec import ITEM_FIELDS, ItemSpec, RuleSetInvalid, spec_to_json
from gongjian.core.exporters import XLSX, ExcelWorkbook, ExportResult
from gongjian.core.inputs import clean_text

# The header fields of a rule set, in the order of the JSON shape and of the settings sheet.
HEADER_FIELDS = [
    "name",
    "version",
    "effective_from",
    "total_points",
    "overdue_deduction",
    "rework_deduction",
    "relapse_deduction",
    "fold_into_monthly_from",
    "levels",
    "flag_level",
    "red_flag_threshold",
    "list_size",
    "policy",
]
MONTH_FIELDS = {"effective_from", "fold_into_monthly_from"}
DECIMAL_HEADER_FIELDS = {
    "total_points",
    "overdue_deduction",
    "rework_deduction",
    "relapse_deduction",
    "red_flag_threshold",
}
# Columns of the items sheet: all of ITEM_FIELDS may be present; these must be.
REQUIRED_COLUMNS = ["code", "parent", "name", "points", "method"]
NUMBER_COLUMNS = {"points", "per_occurrence", "threshold", "per_point"}
TEXT_COLUMNS = {"code", "parent", "categories", "grades"}  # written as text so Excel keeps "1.10", "06036"
COLUMN_WIDTHS = {"code": 10, "parent": 10, "name": 40, "categories": 24, "grades": 20, "indicator": 20}

# Sheet names: the English name, its translation at export time, and the names the city uses.
ITEMS_SHEET = "Rules"
SETTINGS_SHEET = "Settings"
SHEET_ALIASES = {ITEMS_SHEET: {"Rules", "Items", "细则"}, SETTINGS_SHEET: {"Settings", "设置"}}

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 2000  # a real rule set has a few dozen items


# --- out ------------------------------------------------------------------------------------------------------------


def _month(value: datetime.date | None) -> str | None:
    return f"{value:%Y-%m}" if value else None


def compact(value) -> Decimal | None:
    """A decimal without trailing zeros or exponent: 6.00 → 6, 0.9000 → 0.9, 100 → 100."""
    if value is None:
        return None
    return Decimal(format(Decimal(value).normalize(), "f"))


def _str(value) -> str:
    return str(compact(value))


def header_json(ruleset: RuleSet) -> dict:
    """The rule set's header fields in the JSON shape (no items)."""
    return {
        "name": ruleset.name,
        "version": ruleset.version,
        "effective_from": _month(ruleset.effective_from),
        "total_points": _str(ruleset.total_points),
        "overdue_deduction": _str(ruleset.overdue_deduction),
        "rework_deduction": _str(ruleset.rework_deduction),
        "relapse_deduction": _str(ruleset.relapse_deduction),
        "fold_into_monthly_from": _month(ruleset.fold_into_monthly_from),
        "levels": list(ruleset.levels),
        "flag_level": ruleset.flag_level,
        "red_flag_threshold": _str(ruleset.red_flag_threshold),
        "list_size": ruleset.list_size,
        "policy": list(ruleset.policy),
    }


def item_specs(ruleset: RuleSet) -> list[ItemSpec]:
    """The stored items as ``ItemSpec`` rows in tree order (parents before their children)."""
    items = list(RuleItem.objects.filter(ruleset=ruleset).order_by("position", "id"))
    code_of = {item.pk: item.code for item in items}
    return [
        ItemSpec(
            code=item.code,
            name=item.name,
            points=compact(item.points),
            parent=code_of.get(item.parent_id, ""),
            frequency=item.frequency,
            level=item.level,
            method=item.method,
            per_occurrence=compact(item.per_occurrence),
            categories=list(item.categories),
            grades=[compact(str(g)) for g in item.grades],
            indicator=item.indicator,
            threshold=compact(item.threshold),
            per_point=compact(item.per_point),
        )
        for item in items
    ]


def ruleset_to_json(ruleset: RuleSet) -> dict:
    """The API's JSON shape; ``rulespec.parse_ruleset`` reads it back to the same rule set."""
    return spec_to_json(item_specs(ruleset), header_json(ruleset))


def ruleset_to_xlsx(ruleset: RuleSet) -> bytes:
    """A workbook with the items (one row each, parent by code) and the settings (key, value), through
    the shared writer (title row, frozen header, autofilter); ``ruleset_from_xlsx`` skips the title rows."""
    book = ExcelWorkbook()
    which = f"{ruleset.name} v{ruleset.version}"
    items = book.table(
        sheet=_(ITEMS_SHEET),
        title=_("%(label)s: %(value)s") % {"label": _("Assessment rules"), "value": which},
        headers=ITEM_FIELDS,
        # Codes stay text when the city edits them in Excel ("1.10", "06036").
        formats={index: "@" for index, name in enumerate(ITEM_FIELDS) if name in TEXT_COLUMNS},
    )
    for spec in item_specs(ruleset):
        items.append([_item_cell(spec, name) for name in ITEM_FIELDS])
    settings_table = book.table(
        sheet=_(SETTINGS_SHEET),
        title=_("%(label)s: %(value)s") % {"label": _("Rule set settings"), "value": which},
        headers=["key", "value"],
    )
    header = header_json(ruleset)
    for name in HEADER_FIELDS:
        value = header[name]
        if name == "policy":
            value = json.dumps(value, ensure_ascii=False)
        elif name == "levels":
            value = ", ".join(value)
        elif name in DECIMAL_HEADER_FIELDS:
            value = Decimal(value)
        settings_table.append([name, value])  # a month stays the text "2026-08", never a date Excel reformats
    return book.save()


def _item_cell(spec: ItemSpec, name: str):
    """Decimals stay numbers (the city sums them in Excel); lists become comma-separated text."""
    value = getattr(spec, name)
    if name in NUMBER_COLUMNS:
        return value  # Decimal or None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value or ""


class RuleSetExcelExporter:
    """The rule set as an editable workbook, through the shared exporter interface."""

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset

    def render(self) -> ExportResult:
        filename = f"{self.ruleset.name}-v{self.ruleset.version}-{self.ruleset.effective_from:%Y-%m}.xlsx"
        return ExportResult(filename=filename, content_type=XLSX, content=ruleset_to_xlsx(self.ruleset))


# --- in -------------------------------------------------------------------------------------------------------------


def ruleset_from_json(data: str | bytes) -> dict:
    """JSON text (or UTF-8 bytes, with or without a BOM) → the dict for ``parse_ruleset``."""
    if isinstance(data, bytes | bytearray):
        if len(data) > MAX_FILE_BYTES:
            raise RuleSetInvalid([_("The file is too large (at most 5 MB).")])
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RuleSetInvalid([_("The file is not UTF-8 text, so it cannot be JSON.")])
    try:
        parsed = json.loads(data)
    except json.JSONDecodeError as exc:
        raise RuleSetInvalid(
            [
                _("The file is not valid JSON: %(message)s at line %(line)s, column %(column)s.")
                % {"message": exc.msg, "line": exc.lineno, "column": exc.colno}
            ]
        )
    if not isinstance(parsed, dict):
        raise RuleSetInvalid([_("The rule set must be a JSON object.")])
    return parsed


def _sheet_by_name(workbook, name: str):
    wanted = {n.casefold() for n in (SHEET_ALIASES[name] | {_(name)})}
    for sheet in workbook.worksheets:
        if sheet.title.strip().casefold() in wanted:
            return sheet
    return None


def _merged_ranges(sheet) -> list[str]:
    """Merged ranges of a read-only sheet: openpyxl skips them in read-only mode, so read the
    sheet's XML for its ``mergeCell`` elements (streamed, like the rows)."""
    ranges = []
    with sheet._get_source() as source:
        for _event, element in iterparse(source):
            if element.tag.endswith("}mergeCell"):
                ranges.append(element.get("ref", ""))
            element.clear()
    return ranges


def _text(value) -> str:
    """A cell as text: whole numbers without ".0" (a code typed as 3 is "3"); cleaned like every
    other input (``core.inputs.clean_text``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value)).strip()


def _number_text(value):
    """A number cell as the string ``parse_ruleset`` reads (so 0.1 stays 0.1, not 0.1000000000000000055)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return _text(value) if isinstance(value, float) else str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()  # reported as "not a number"
    return str(value).strip()


def _rows(sheet):
    """(row number, values) for each row of a sheet, refusing sheets beyond MAX_ROWS."""
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + 1:
            raise RuleSetInvalid(
                [_("Sheet %(sheet)s has more than %(max)s rows.") % {"sheet": sheet.title, "max": MAX_ROWS}]
            )
        yield number, values


def _blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _not_xlsx() -> str:
    return _("The file is not an Excel workbook (.xlsx). Save it from Excel as “Excel Workbook (*.xlsx)”.")


def _open_workbook(data: bytes):
    if len(data) > MAX_FILE_BYTES:
        raise RuleSetInvalid([_("The file is too large (at most 5 MB).")])
    if not data.startswith(b"PK"):
        raise RuleSetInvalid([_not_xlsx()])
    try:
        # A few MB of zip may unpack to gigabytes: look at the declared sizes before reading any part.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise RuleSetInvalid([_not_xlsx()])
    if unpacked > MAX_UNPACKED_BYTES:
        raise RuleSetInvalid([_("The file is too large (at most 5 MB).")])
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for missing or broken parts of a workbook
        raise RuleSetInvalid([_not_xlsx()])


def ruleset_from_xlsx(data: bytes) -> dict:
    """An Excel workbook (as written by ``ruleset_to_xlsx``) → the dict for ``parse_ruleset``.

    Items come back flat, each with its ``parent`` code and ``_row`` ("row 7") so that errors name
    the row; empty rows are skipped. Raises ``RuleSetInvalid`` listing every problem found with
    the file's structure."""
    workbook = _open_workbook(data)
    try:
        return _read_workbook(workbook)
    except RuleSetInvalid:
        raise
    except Exception:
        raise RuleSetInvalid(
            [_("The file is not an Excel workbook (.xlsx). Save it from Excel as “Excel Workbook (*.xlsx)”.")]
        )
    finally:
        workbook.close()


def _read_workbook(workbook) -> dict:
    errors: list[str] = []
    items_sheet = _sheet_by_name(workbook, ITEMS_SHEET)
    settings_sheet = _sheet_by_name(workbook, SETTINGS_SHEET)
    for sheet, name in ((items_sheet, ITEMS_SHEET), (settings_sheet, SETTINGS_SHEET)):
        if sheet is None:
            errors.append(
                _("The workbook has no sheet named “%(name)s”; its sheets are: %(sheets)s.")
                % {"name": _(name), "sheets": ", ".join(workbook.sheetnames) or "—"}
            )
    for sheet in (items_sheet, settings_sheet):
        if sheet is None:
            continue
        merged = _merged_ranges(sheet)
        if merged:
            errors.append(
                _("Sheet %(sheet)s has merged cells (%(ranges)s): unmerge them and fill in every cell.")
                % {"sheet": sheet.title, "ranges": ", ".join(merged)}
            )
    if errors:
        raise RuleSetInvalid(errors)
    header = _read_settings(settings_sheet, errors)
    items = _read_items(items_sheet, errors)
    if errors:
        raise RuleSetInvalid(errors)
    return {**header, "items": items}


def _read_settings(sheet, errors: list[str]) -> dict:
    header: dict = {}
    for number, values in _rows(sheet):
        if _blank(values):
            continue
        key = _text(values[0] if values else None)
        value = values[1] if len(values) > 1 else None
        if key.casefold() == "key" or (number == 1 and sum(1 for v in values if _text(v)) == 1):
            continue  # the header row, and the title row our exports put above it
        where = _("Sheet %(sheet)s, row %(row)s") % {"sheet": sheet.title, "row": number}
        if key not in HEADER_FIELDS:
            errors.append(
                _("%(where)s: unknown setting “%(key)s”; the settings are: %(known)s.")
                % {"where": where, "key": key, "known": ", ".join(HEADER_FIELDS)}
            )
            continue
        if key in header:
            errors.append(_("%(where)s: the setting %(key)s is given twice.") % {"where": where, "key": key})
            continue
        if key in MONTH_FIELDS:
            header[key] = f"{value:%Y-%m}" if isinstance(value, datetime.date) else _text(value)
        elif key in DECIMAL_HEADER_FIELDS:
            header[key] = _number_text(value)
        elif key == "levels":
            header[key] = [c.strip() for c in _text(value).replace("，", ",").split(",") if c.strip()]
        elif key == "policy":
            text = _text(value)
            try:
                header[key] = json.loads(text) if text else []
            except json.JSONDecodeError as exc:
                errors.append(
                    _("%(where)s, policy: not valid JSON (%(message)s).") % {"where": where, "message": exc.msg}
                )
        else:
            header[key] = _text(value)
    return header


def _read_items(sheet, errors: list[str]) -> list[dict]:
    rows = _rows(sheet)
    columns: dict[int, str] = {}
    for _heading_row, values in rows:
        if _blank(values) or sum(1 for v in values if _text(v)) == 1:
            continue  # blank, or the title row our exports put above the headings
        seen: set[str] = set()
        for index, cell in enumerate(values):
            heading = _text(cell)
            if not heading:
                continue
            key = heading.casefold()
            letter = get_column_letter(index + 1)
            if key not in ITEM_FIELDS:
                errors.append(
                    _("Sheet %(sheet)s, column %(column)s: unknown heading “%(heading)s”; the columns are: %(known)s.")
                    % {"sheet": sheet.title, "column": letter, "heading": heading, "known": ", ".join(ITEM_FIELDS)}
                )
            elif key in seen:
                errors.append(
                    _("Sheet %(sheet)s, column %(column)s: the column %(heading)s appears twice.")
                    % {"sheet": sheet.title, "column": letter, "heading": heading}
                )
            else:
                seen.add(key)
                columns[index] = key
        missing = [name for name in REQUIRED_COLUMNS if name not in seen]
        if missing:
            errors.append(
                _("Sheet %(sheet)s: the required columns %(columns)s are missing (the first row holds the headings).")
                % {"sheet": sheet.title, "columns": ", ".join(missing)}
            )
        break
    else:
        errors.append(_("Sheet %(sheet)s is empty.") % {"sheet": sheet.title})
        return []
    if errors:
        return []
    items = []
    for number, values in rows:
        if _blank(values):
            continue
        where = _("row %(row)s") % {"row": number}
        raw: dict = {"_row": where}
        for index, name in columns.items():
            value = values[index] if index < len(values) else None
            if name in ("code", "parent") and isinstance(value, datetime.date):
                errors.append(
                    _("%(where)s, %(column)s: Excel turned the code into a date; format the column as text.")
                    % {"where": where, "column": name}
                )
                continue
            if name in NUMBER_COLUMNS:
                raw[name] = _number_text(value)
            elif name == "categories" and isinstance(value, int | float) and not isinstance(value, bool):
                # Excel drops the leading zero of a code typed as a number (06036 → 6036).
                raw[name] = _text(value).zfill(5)
            else:
                raw[name] = _text(value)
        items.append(raw)
    return items
