"""Reading our Excel exports back in tests: the title row, the headers below it and the rows."""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import load_workbook


@dataclass
class ExportedSheet:
    title: str
    headers: list
    rows: list[tuple]
    sheet: object

    def column(self, header) -> list:
        index = self.headers.index(header)
        return [row[index] for row in self.rows]

    def dicts(self) -> list[dict]:
        return [dict(zip(self.headers, row, strict=False)) for row in self.rows]


def read_export(content: bytes, sheet: int | str = 0) -> ExportedSheet:
    workbook = load_workbook(io.BytesIO(content))
    ws = workbook[sheet] if isinstance(sheet, str) else workbook.worksheets[sheet]
    values = list(ws.iter_rows(values_only=True))
    return ExportedSheet(title=values[0][0], headers=list(values[1]), rows=values[2:], sheet=ws)
