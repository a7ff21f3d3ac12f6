"""A request id for every request, in every log line of it, and in the logs of the tasks it enqueues.

* ``RequestIdMiddleware`` (first in MIDDLEWARE) takes a well-formed incoming ``X-Request-ID`` (from
  nginx or a load balancer, so one id follows a request through every hop) or makes one, puts it in
  a context variable for the rest of the request, sets it on the response, and logs one line per
  request (method, path, status, duration, user) on the ``gongjian.request`` logger.
* ``RequestIdLogFilter`` (on the console handler, see LOGGING) adds ``request_id`` and ``task_id``
  to every log record, so any logger anywhere carries them without passing anything around.
* Tasks: gongjian/core/task_context.py records the id of the request that enqueued a task and sets
  it again in the worker while the task runs.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from django.utils.functional import empty

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and . _ : - only, at most 128 characters: what proxies and tracers send (UUIDs,
# hex, nginx's $request_id). Anything else (spaces, newlines, quotes) could forge log lines.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")

logger = logging.getLogger("gongjian.request")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header_value: str | None) -> str:
    """The incoming id when it is well formed, else a new one."""
    if header_value and _WELL_FORMED.fullmatch(header_value):
        return header_value
    return new_request_id()


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": _loaded_user_id(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def _loaded_user_id(request) -> int | None:
    """The signed-in user's id when the request already loaded the user (logging never costs a
    query); None otherwise."""
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` and ``task_id`` to every record (empty outside requests and tasks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or "-"
        if not getattr(record, "task_id", None):
            record.task_id = task_id_var.get()
        return True
