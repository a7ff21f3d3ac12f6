"""Streaming a stored file with HTTP Range support, so browsers can seek in audio.

``gongjian.core.storage.file_response`` always sends the whole file with 200, and Django's
``FileResponse`` ignores ``Range``; Chrome and Safari need ``206 Partial Content`` answers to seek
(Safari will not even play audio without them). ``parse_range`` is pure; ``ranged_file_response``
streams the asked-for bytes after the caller has checked the reader's scope."""

from __future__ import annotations

import io
import re

from django.http import Http404, HttpResponse, StreamingHttpResponse

from gongjian.core.storage import file_response, open_stream

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


class Unsatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range a ``Range`` header asks for, or None to send the whole file (no
    header, a syntax we do not serve such as several ranges). Raises Unsatisfiable (416) when the
    range lies outside the file."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or (not match[1] and not match[2]):
        return None
    first, last = match[1], match[2]
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise Unsatisfiable
    return start, end


def _skip(handle, count: int) -> None:
    try:
        handle.seek(count)
        return
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        pass
    while count > 0:  # a stream that cannot seek (an S3 body): read past the start
        data = handle.read(min(CHUNK, count))
        if not data:
            break
        count -= len(data)


def _body(handle, length: int):
    try:
        while length > 0:
            data = handle.read(min(CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(request, stored, *, content_type: str, cache_control: str = "private, max-age=3600"):
    """The whole file (200, with ``Accept-Ranges``) or the asked-for part (206), or 416."""
    header = request.headers.get("Range")
    if not header:
        response = file_response(stored, content_type=content_type, cache_control=cache_control)
        response["Accept-Ranges"] = "bytes"
        return response
    try:
        handle, size = open_stream(stored)
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    try:
        span = parse_range(header, size)
    except Unsatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if span is None:
        handle.close()
        response = file_response(stored, content_type=content_type, cache_control=cache_control)
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = span
    _skip(handle, start)
    response = StreamingHttpResponse(_body(handle, end - start + 1), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    return response
