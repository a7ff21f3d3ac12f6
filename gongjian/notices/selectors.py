"""Reads of notices and receipts, scoped through the access module.

A notice is visible to its sender's people (``NOTICE_SEND`` at the sender unit) and to the
people of its recipients (``NOTICE_VIEW``). The sender's people see every receipt; anyone else
only the receipts of units in their own scope, so a community never sees another's reply."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gongjian.accounts.access import Actor, Perm, can_on_unit, restrict
from gongjian.notices.models import Notice, Notification, Receipt


def _visible_receipts(actor: Actor) -> QuerySet[Receipt]:
    return restrict(Receipt.objects.all(), actor, Perm.NOTICE_VIEW)


def notice_list(*, actor: Actor) -> QuerySet[Notice]:
    sent = restrict(Notice.objects.all(), actor, Perm.NOTICE_SEND, unit_field="sender_unit").values("pk")
    received = _visible_receipts(actor).values("notice_id")
    return (
        Notice.objects.filter(Q(pk__in=sent) | Q(pk__in=received))
        .select_related("sender_unit")
        .annotate(
            recipients=Count("receipts", distinct=True),
            unread=Count("receipts", filter=Q(receipts__read_at__isnull=True), distinct=True),
            unacknowledged=Count("receipts", filter=Q(receipts__acknowledged_at__isnull=True), distinct=True),
            unreplied=Count(
                "receipts", filter=Q(reply_required=True, receipts__replied_at__isnull=True), distinct=True
            ),
        )
        # Explicit: Django leaves Meta.ordering out of a query with aggregates (GROUP BY).
        .order_by("-sent_at", "-id")
    )


def notice_get(*, actor: Actor, notice_id) -> Notice:
    try:
        return notice_list(actor=actor).get(pk=int(notice_id))
    except (Notice.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def is_sender_side(*, actor: Actor, notice: Notice) -> bool:
    return can_on_unit(actor, Perm.NOTICE_SEND, notice.sender_unit_id)


def notice_receipts(*, actor: Actor, notice: Notice) -> QuerySet[Receipt]:
    """The receipts the actor may see: all for the sender's people, else their own units'."""
    receipts = notice.receipts.select_related("unit", "read_by", "acknowledged_by", "replied_by").prefetch_related(
        "files"
    )
    if is_sender_side(actor=actor, notice=notice):
        return receipts
    return restrict(receipts, actor, Perm.NOTICE_VIEW)


def receipt_get(*, actor: Actor, notice: Notice, receipt_id) -> Receipt:
    try:
        return notice_receipts(actor=actor, notice=notice).get(pk=int(receipt_id))
    except (Receipt.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def own_receipt(*, actor: Actor, notice: Notice) -> Receipt | None:
    """The receipt of the actor's own unit (where they are a member who may reply), if any."""
    unit_ids = [g.unit_id for g in actor.grants if g.unit_id]
    receipt = notice.receipts.filter(unit_id__in=unit_ids).select_related("unit").first()
    if receipt is None or not can_on_unit(actor, Perm.NOTICE_REPLY, receipt.unit_id):
        return None
    return receipt


def receipts_pending_for(*, actor: Actor, today: datetime.date | None = None) -> QuerySet[Receipt]:
    """Receipts of the actor's own units still waiting for an acknowledgement or a due reply,
    overdue ones first: the recipient's queue."""
    today = today or timezone.localdate()
    unit_ids = [g.unit_id for g in actor.grants if g.unit_id]
    if not unit_ids:
        return Receipt.objects.none()
    waiting = Q(acknowledged_at__isnull=True) | Q(notice__reply_required=True, replied_at__isnull=True)
    return (
        restrict(Receipt.objects.filter(unit_id__in=unit_ids), actor, Perm.NOTICE_REPLY)
        .filter(waiting)
        .select_related("notice", "unit")
        .order_by("notice__reply_due", "-notice__sent_at", "id")
    )


def receipts_overdue_for(*, actor: Actor, today: datetime.date | None = None) -> QuerySet[Receipt]:
    today = today or timezone.localdate()
    return receipts_pending_for(actor=actor, today=today).filter(
        notice__reply_required=True, replied_at__isnull=True, notice__reply_due__lt=today
    )


def notifications_of(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def notification_get(*, user, notification_id) -> Notification:
    try:
        return Notification.objects.get(user=user, pk=int(notification_id))
    except (Notification.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def work_queue_extras(*, actor: Actor, user) -> dict:
    """What the work queue shows of plans and notices: the receipts waiting for the user's unit
    (overdue first) and the user's overdue plan tasks."""
    from gongjian.plans.selectors import tasks_overdue_for

    receipts = sorted(receipts_pending_for(actor=actor)[:20], key=lambda r: not r.is_overdue)
    return {"receipts": receipts, "tasks": list(tasks_overdue_for(actor=actor, user=user)[:20])}
