"""The content of Word (.docx) and Excel (.xlsx) evidence, read for the binder: an inspector reads
the roster or the plan itself, not a file name and a hash. Bounded in size — a binder quotes a
document, it does not become one — and always plain text (never markup, never a formula)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

MAX_PARAGRAPHS = 120  # paragraphs quoted from one Word file
MAX_CHARS = 12_000  # characters quoted from one file
MAX_ROWS = 60  # rows of one table or sheet
MAX_COLUMNS = 12
MAX_SHEETS = 3
MAX_TABLES = 8


@dataclass
class OfficeTable:
    title: str  # the sheet's name, or "" for a table inside a Word file
    rows: list[list[str]]


@dataclass
class OfficeContent:
    """What a file says, in its order: ("p", text) paragraphs and ("table", OfficeTable) tables."""

    blocks: list[tuple[str, str | OfficeTable]] = field(default_factory=list)
    truncated: bool = False
    chars: int = 0

    def add_text(self, text: str) -> bool:
        text = " ".join(text.split())
        if not text:
            return True
        if self.chars + len(text) > MAX_CHARS or sum(1 for k, _v in self.blocks if k == "p") >= MAX_PARAGRAPHS:
            self.truncated = True
            return False
        self.blocks.append(("p", text))
        self.chars += len(text)
        return True

    def add_table(self, title: str, rows: list[list[str]], more: bool) -> bool:
        if sum(1 for k, _v in self.blocks if k == "table") >= MAX_TABLES:
            self.truncated = True
            return False
        rows = [row for row in rows if any(cell for cell in row)]
        if not rows:
            return True
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        # Columns empty in every row say nothing.
        keep = [i for i in range(width) if any(row[i] for row in rows)]
        self.blocks.append(("table", OfficeTable(title, [[row[i] for i in keep] for row in rows])))
        self.chars += sum(len(cell) for row in rows for cell in row)
        if more:
            self.truncated = True
        return True

    @property
    def tables(self) -> list[OfficeTable]:
        return [value for kind, value in self.blocks if kind == "table"]

    @property
    def paragraphs(self) -> list[str]:
        return [value for kind, value in self.blocks if kind == "p"]


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat") and not isinstance(value, str):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text.replace("T", " ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())[:200]


def read_docx(handle) -> OfficeContent:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(handle)
    content = OfficeContent()
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            if not content.add_text(Paragraph(child, document).text):
                break
        elif tag == "tbl":
            table = Table(child, document)
            rows = []
            for row in table.rows[: MAX_ROWS + 1]:
                cells, seen = [], set()
                for cell in row.cells[:MAX_COLUMNS]:
                    if id(cell._tc) in seen:  # a merged cell repeats across the columns it spans
                        continue
                    seen.add(id(cell._tc))
                    cells.append(_cell(cell.text))
                rows.append(cells)
            if not content.add_table("", rows[:MAX_ROWS], len(table.rows) > MAX_ROWS):
                break
    return content


def read_xlsx(handle) -> OfficeContent:
    from openpyxl import load_workbook

    workbook = load_workbook(handle, read_only=True, data_only=True)
    content = OfficeContent()
    try:
        for index, sheet in enumerate(workbook.worksheets):
            if index >= MAX_SHEETS:
                content.truncated = True
                break
            rows, more = [], False
            for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                cells = [_cell(value) for value in row]
                if not any(cells):
                    continue
                if len(rows) >= MAX_ROWS:
                    more = True
                    break
                rows.append(cells)
            if not content.add_table(sheet.title, rows, more):
                break
    finally:
        workbook.close()
    return content


def read_office(evidence_file) -> OfficeContent | None:
    """The content of a stored .docx or .xlsx, or None (logged) when it cannot be read."""
    readers = {"docx": read_docx, "xlsx": read_xlsx}
    reader = readers.get(evidence_file.kind)
    if reader is None:
        return None
    try:
        with evidence_file.file.open("rb") as handle:
            return reader(handle)
    except Exception as error:  # an uploaded file can break a parser in any way: it is then unreadable
        logger.warning("Binder: could not read %s (%s): %s", evidence_file.pk, evidence_file.name, error)
        return None
