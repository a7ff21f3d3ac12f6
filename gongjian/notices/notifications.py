"""The in-app inbox: notifications per user, the reminders for due and overdue plan tasks,
receipts, rectifications and activities (those two in ``reminders.py``) (run in the background by
``tasks.reminders_task``, queued daily by ``manage.py send_reminders``), reading and counting."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import ROLE_PERMS, Perm
from gongjian.notices.models import Notification


def notify_user(*, user_id: int, key: str, title: str, url: str = "") -> bool:
    """Put one message in a user's inbox, once per key; True when it is new."""
    try:
        with transaction.atomic():
            item = Notification.objects.create(user_id=user_id, key=key[:100], title=str(title)[:200], url=url[:200])
    except IntegrityError:
        return False
    from gongjian.notices.delivery import deliveries_for

    deliveries_for(user=item.user, key=item.key, title=item.title, url=item.url)
    return True


def unit_answerers(unit_id: int) -> list[int]:
    """The users who answer notices for a unit: its own members whose role may reply."""
    from gongjian.accounts.models import Membership

    roles = [role for role, perms in ROLE_PERMS.items() if Perm.NOTICE_REPLY in perms]
    return list(
        Membership.objects.filter(unit_id=unit_id, is_active=True, role__in=roles, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def notify_unit(*, unit_id: int, key: str, title: str, url: str = "") -> int:
    return sum(notify_user(user_id=u, key=key, title=title, url=url) for u in unit_answerers(unit_id))


def reminders_send(*, today: datetime.date | None = None, now: datetime.datetime | None = None) -> dict[str, int]:
    """Remind owners of plan tasks that should start today or are overdue, the people of units
    whose reply is due tomorrow or overdue, and those of rectifications and activities due or
    overdue (``reminders.py``). Each reminder arrives once (keyed by stage and object)."""
    from gongjian.notices.models import Receipt
    from gongjian.notices.reminders import activity_reminders, rectification_reminders
    from gongjian.plans.models import PlanTask

    now = now or timezone.now()
    today = today or timezone.localdate(now)
    counts = {"tasks": 0, "receipts": 0}
    tasks = PlanTask.objects.filter(
        plan__is_template=False, owner__isnull=False, owner__is_active=True, progress__lt=100
    ).select_related("plan")
    for task in tasks.filter(latest_finish__lt=today).iterator(chunk_size=500):
        counts["tasks"] += notify_user(
            user_id=task.owner_id,
            key=f"task-overdue:{task.pk}:{task.latest_finish}",
            title=_("Overdue plan task: %(task)s (due %(due)s)") % {"task": task.name, "due": task.latest_finish},
            url=reverse("plans:detail", args=[task.plan_id]),
        )
    for task in tasks.filter(latest_start=today, progress=0).iterator(chunk_size=500):
        counts["tasks"] += notify_user(
            user_id=task.owner_id,
            key=f"task-start:{task.pk}:{task.latest_start}",
            title=_("Plan task to start today: %(task)s") % {"task": task.name},
            url=reverse("plans:detail", args=[task.plan_id]),
        )
    receipts = Receipt.objects.filter(
        notice__reply_required=True, replied_at__isnull=True, notice__reply_due__lte=today + datetime.timedelta(days=1)
    ).select_related("notice")
    for receipt in receipts.iterator(chunk_size=500):
        overdue = receipt.notice.reply_due < today
        title = (_("Reply overdue: %(title)s") if overdue else _("Reply due soon: %(title)s")) % {
            "title": receipt.notice.title
        }
        state = "overdue" if overdue else "due"
        counts["receipts"] += notify_unit(
            unit_id=receipt.unit_id,
            key=f"receipt-{state}:{receipt.pk}",
            title=title,
            url=reverse("notices:detail", args=[receipt.notice_id]),
        )
    counts["rectifications"] = rectification_reminders(now=now, notify=notify_user)
    counts["activities"] = activity_reminders(today=today, notify=notify_user)
    from gongjian.notices.delivery import deliveries_retry

    counts["retried"] = deliveries_retry()
    return counts


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_read(*, user, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, user=user).update(read_at=timezone.now())


def notifications_read_all(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def notifications_read_for(*, user, key: str) -> int:
    """Opening what a notification points at reads it."""
    return Notification.objects.filter(user=user, key=key, read_at__isnull=True).update(read_at=timezone.now())
