"""The in-app inbox: notifications per user, the reminders for due and overdue plan tasks,
receipts, rectifications and activities (those two in ``reminders.py``) (run in the background by
``tasks.reminders_task``, queued daily by ``manage.py send_reminders``), reading and counting."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongjian.accounts.access import ROLE_PERMS, Perm
from gongjian.notices.models import Notification


def notify_user(*, user_id: int, key: str, title: str, url: str = "", webhook: bool = True) -> bool:
    """Put one message in a user's inbox, once per key; True when it is new. ``webhook=False``: the
    group robot does not get it one by one (the daily reminders send it one summary instead)."""
    try:
        with transaction.atomic():
            item = Notification.objects.create(user_id=user_id, key=key[:100], title=str(title)[:200], url=url[:200])
    except IntegrityError:
        return False
    from gongjian.notices.delivery import deliveries_for

    deliveries_for(user=item.user, key=item.key, title=item.title, url=item.url, webhook=webhook)
    return True


class ReminderDigest:
    """The reminders of one run, for the group robot: a robot takes about 20 messages a minute (企业微信),
    so a city's daily run — hundreds of reminders — goes to it as one summary of what was reminded,
    counted per case (not per person), while each person still gets each reminder in the inbox and by
    email."""

    def __init__(self) -> None:
        self.cases: dict[str, set[str]] = {}

    def notify(self, *, user_id: int, key: str, title: str, url: str = "") -> bool:
        new = notify_user(user_id=user_id, key=key, title=title, url=url, webhook=False)
        if new:
            self.cases.setdefault(reminder_kind(key), set()).add(key[:100])
        return new

    def counts(self) -> dict[str, int]:
        return {kind: len(keys) for kind, keys in self.cases.items()}


def unit_answerers(unit_id: int) -> list[int]:
    """The users who answer notices for a unit: its own members whose role may reply."""
    from gongjian.accounts.models import Membership

    roles = [role for role, perms in ROLE_PERMS.items() if Perm.NOTICE_REPLY in perms]
    return list(
        Membership.objects.filter(unit_id=unit_id, is_active=True, role__in=roles, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def notify_unit(*, unit_id: int, key: str, title: str, url: str = "", notify=notify_user) -> int:
    return sum(notify(user_id=u, key=key, title=title, url=url) for u in unit_answerers(unit_id))


# The kinds of reminder, by the start of their key (notifications.py, reminders.py), in the order the
# group robot's summary lists them.
REMINDER_KINDS = {
    "rectify-overdue": _lazy("Rectifications past their deadline"),
    "rectify-due": _lazy("Rectifications due soon"),
    "task-overdue": _lazy("Overdue plan tasks"),
    "task-start": _lazy("Plan tasks to start today"),
    "receipt-overdue": _lazy("Overdue replies to notices"),
    "receipt-due": _lazy("Replies to notices due soon"),
    "activity-plan": _lazy("Activities whose plan is not approved"),
    "activity-unrecorded": _lazy("Activities not recorded as held or cancelled"),
}


def reminder_kind(key: str) -> str:
    head = key.split(":", 1)[0]
    return next((kind for kind in REMINDER_KINDS if head == kind or head.startswith(f"{kind}-")), "other")


def digest_text(counts: dict[str, int]) -> str:
    """ "今日提醒 N 项：整改已超期 3 项，……" — what one run reminded, for the group robot."""
    parts = [
        _("%(kind)s: %(n)s") % {"kind": label, "n": counts[kind]}
        for kind, label in [*REMINDER_KINDS.items(), ("other", _lazy("Other reminders"))]
        if counts.get(kind)
    ]
    return _("Reminders sent today: %(total)s cases (%(parts)s). Each person finds theirs in the inbox.") % {
        "total": sum(counts.values()),
        "parts": _("; ").join(parts),
    }


def reminders_send(*, today: datetime.date | None = None, now: datetime.datetime | None = None) -> dict[str, int]:
    """Remind owners of plan tasks that should start today or are overdue, the people of units
    whose reply is due tomorrow or overdue, and those of rectifications and activities due or
    overdue (``reminders.py``). Each reminder arrives once (keyed by stage and object)."""
    from gongjian.notices.models import Receipt
    from gongjian.notices.reminders import activity_reminders, rectification_reminders
    from gongjian.plans.models import PlanTask

    now = now or timezone.now()
    today = today or timezone.localdate(now)
    digest = ReminderDigest()
    counts = {"tasks": 0, "receipts": 0}
    tasks = PlanTask.objects.filter(
        plan__is_template=False, owner__isnull=False, owner__is_active=True, progress__lt=100
    ).select_related("plan")
    for task in tasks.filter(latest_finish__lt=today).iterator(chunk_size=500):
        counts["tasks"] += digest.notify(
            user_id=task.owner_id,
            key=f"task-overdue:{task.pk}:{task.latest_finish}",
            title=_("Overdue plan task: %(task)s (due %(due)s)") % {"task": task.name, "due": task.latest_finish},
            url=reverse("plans:detail", args=[task.plan_id]),
        )
    for task in tasks.filter(latest_start=today, progress=0).iterator(chunk_size=500):
        counts["tasks"] += digest.notify(
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
            notify=digest.notify,
        )
    counts["rectifications"] = rectification_reminders(now=now, notify=digest.notify)
    counts["activities"] = activity_reminders(today=today, notify=digest.notify)
    from gongjian.notices.delivery import deliveries_retry, webhook_digest

    if digest.cases:
        webhook_digest(key=f"digest:{now:%Y%m%d%H%M%S%f}", title=digest_text(digest.counts()))

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
