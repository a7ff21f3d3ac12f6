"""A new access stamp for every user whose grants change, so the actors kept in each process's
memory (gongjian/accounts/access.py) are rebuilt at their next request, on every node.

This is cache invalidation, not business logic: the services write memberships and pairings as
before. Writes that bypass ``save()``/``delete()`` (``QuerySet.update``, raw SQL) must call
``access_changed`` themselves.
"""

from __future__ import annotations

import uuid

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from gongjian.accounts.choices import Role
from gongjian.accounts.models import Membership, User


def access_changed(users) -> None:
    """Give these users (a queryset) a new access stamp."""
    users.update(access_stamp=uuid.uuid4())


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="accounts.stamp_membership")
def membership_changed(sender, instance: Membership, **kwargs) -> None:
    access_changed(User.objects.filter(pk=instance.user_id))


@receiver([post_save, post_delete], sender="organizations.Pairing", dispatch_uid="accounts.stamp_pairing")
def pairing_changed(sender, instance, **kwargs) -> None:
    access_changed(
        User.objects.filter(
            memberships__role=Role.COBUILD_LIAISON, memberships__cobuild_unit_id=instance.cobuild_unit_id
        )
    )


@receiver(post_save, sender="organizations.Unit", dispatch_uid="accounts.stamp_unit")
def unit_changed(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    # An actor holds its units' levels; a new unit changes no one's grants.
    if created or (update_fields is not None and "level" not in update_fields):
        return
    access_changed(User.objects.filter(memberships__unit_id=instance.pk))
