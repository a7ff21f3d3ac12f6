"""JSON log lines (LOG_FORMAT=json): one object per line, for a log collector.

Every line has ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``request_id`` and,
inside a task, ``task_id``; the extra fields a caller passes (``logger.info(..., extra={...})``,
e.g. the request line's method, path, status and duration_ms) are added as they are; an exception
adds ``exc_info`` with the traceback.
"""

from __future__ import annotations

import datetime
import json
import logging

# The attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if not entry.get("task_id"):
            entry.pop("task_id", None)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
