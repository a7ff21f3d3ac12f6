"""Request ids in the logs of background jobs (see gongjian/core/request_id.py).

For whoever writes tasks: nothing to do. Log with ``logging.getLogger(__name__)`` inside a task and
every line carries ``request_id`` (the request that enqueued the job) and ``task_id`` (the job):

* ``task_enqueued``: on the database queue, the current request id (if any) is stored beside the
  job (``TaskOrigin``, one row, deleted with the job). With the immediate backend the task runs in
  the request itself, which already carries the id.
* ``task_started`` (in the worker, in the thread that runs the job): the stored id is set in the
  context variables the log filter reads; ``task_finished`` restores what was there before.

On the RQ backend no origin is stored: the job's lines carry its ``task_id``, and the request's
"enqueued" line (logger ``gongjian.tasks``) links that task id to the request id.
"""

from __future__ import annotations

import contextvars
import logging

from django.dispatch import receiver
from django_tasks.signals import task_enqueued, task_finished, task_started

from gongjian.core.request_id import current_request_id, request_id_var, task_id_var

logger = logging.getLogger("gongjian.tasks")

_DATABASE_BACKEND = "django_tasks_db.backend.DatabaseBackend"
# The (request id, task id) tokens to restore when the running task finishes.
_saved: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("task_context_saved", default=None)


def _is_database_backend(sender) -> bool:
    # Senders are backend classes, except db_worker's task_started, which sends the instance.
    if not isinstance(sender, type):
        sender = type(sender)
    return f"{sender.__module__}.{sender.__qualname__}" == _DATABASE_BACKEND


@receiver(task_enqueued, dispatch_uid="gongjian.task_origin")
def remember_origin(sender, task_result, **kwargs) -> None:
    request_id = current_request_id()
    logger.info("Task %s enqueued (%s)", task_result.id, task_result.task.module_path)
    if request_id and _is_database_backend(sender):
        from gongjian.core.models import TaskOrigin

        TaskOrigin.objects.create(task_id=task_result.id, request_id=request_id)


@receiver(task_started, dispatch_uid="gongjian.task_context_start")
def enter_task_context(sender, task_result, **kwargs) -> None:
    request_id = current_request_id()
    if _is_database_backend(sender):
        from gongjian.core.models import TaskOrigin

        stored = TaskOrigin.objects.filter(task_id=task_result.id).values_list("request_id", flat=True).first()
        request_id = stored or ""
    _saved.set((request_id_var.set(request_id), task_id_var.set(str(task_result.id))))


@receiver(task_finished, dispatch_uid="gongjian.task_context_finish")
def leave_task_context(sender, task_result, **kwargs) -> None:
    saved = _saved.get()
    if saved is None:
        return
    request_token, task_token = saved
    _saved.set(None)
    try:
        task_id_var.reset(task_token)
        request_id_var.reset(request_token)
    except ValueError:  # set in another context: leave the values for the next task to replace
        task_id_var.set("")
        request_id_var.set("")
