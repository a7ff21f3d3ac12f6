"""Background work of notices: the daily reminders (queued by ``manage.py send_reminders``)."""

from __future__ import annotations

from django_tasks import task


@task()
def reminders_task() -> dict[str, int]:
    """Create the inbox reminders for due and overdue plan tasks, receipts, rectifications and activities."""
    from gongjian.notices.notifications import reminders_send

    return reminders_send()


@task()
def deliver_task(delivery_id: int) -> str:
    """Send one notification by webhook or email (a failure is recorded and retried later)."""
    from gongjian.notices.delivery import delivery_send

    return delivery_send(delivery_id)
