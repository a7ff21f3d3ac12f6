"""One interface for every export (Excel, Word, PDF, ZIP): ``render()`` returns the file name,
its content type and its bytes. Views, background tasks and management commands all call it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.http import HttpResponse


@dataclass(frozen=True)
class ExportResult:
    filename: str
    content_type: str
    content: bytes


class Exporter(Protocol):
    def render(self) -> ExportResult: ...


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
