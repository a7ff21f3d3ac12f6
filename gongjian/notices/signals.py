"""A receipt files the notice with its acknowledgement and reply in the recipient's archive after
the change commits (as in gongjian/archives/signals.py)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from gongjian.notices.models import Receipt


def _collect_receipt(receipt_id: int) -> None:
    from gongjian.notices.evidence import collect_from_receipt

    receipt = Receipt.objects.select_related("notice", "notice__sender_unit", "unit").filter(pk=receipt_id).first()
    if receipt is not None:
        with transaction.atomic():
            collect_from_receipt(receipt)


@receiver(post_save, sender=Receipt, dispatch_uid="notices.receipt_saved")
def _receipt_saved(sender, instance: Receipt, raw=False, **kwargs):
    if not raw and instance.acknowledged_at is not None:
        transaction.on_commit(lambda: _collect_receipt(instance.pk), robust=True)
