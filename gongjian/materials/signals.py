"""A material receipt and a position update file themselves in the unit's archive after the
change commits (as in gongjian/notices/signals.py)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from gongjian.materials.models import MaterialReceipt, PositionUpdate


def _collect_receipt(receipt_id: int) -> None:
    from gongjian.materials.evidence import collect_from_material_receipt

    receipt = (
        MaterialReceipt.objects.select_related("version__material__owner_unit", "unit").filter(pk=receipt_id).first()
    )
    if receipt is not None:
        with transaction.atomic():
            collect_from_material_receipt(receipt)


def _collect_update(update_id: int) -> None:
    from gongjian.materials.evidence import collect_from_position_update

    update = PositionUpdate.objects.select_related("position__unit").filter(pk=update_id).first()
    if update is not None:
        with transaction.atomic():
            collect_from_position_update(update)


@receiver(post_save, sender=MaterialReceipt, dispatch_uid="materials.receipt_saved")
def _receipt_saved(sender, instance: MaterialReceipt, created=False, raw=False, **kwargs):
    if not raw:
        transaction.on_commit(lambda: _collect_receipt(instance.pk), robust=True)


@receiver(post_save, sender=PositionUpdate, dispatch_uid="materials.update_saved")
def _update_saved(sender, instance: PositionUpdate, created=False, raw=False, **kwargs):
    if not raw:
        transaction.on_commit(lambda: _collect_update(instance.pk), robust=True)
