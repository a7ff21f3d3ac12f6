from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongjian.accounts.choices import Role
from gongjian.core.models import TimeStampedModel


class User(AbstractUser):
    """A person who signs in. Chinese names do not split into first/last, so one ``name``."""

    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Changed whenever what the user may see changes (memberships, pairings of their co-construction
    # unit, the level of their units): the access module keeps each user's grants in memory under
    # this stamp, read with the user on every request (gongjian/accounts/access.py).
    access_stamp = models.UUIDField(_("access stamp"), default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username


class Membership(TimeStampedModel):
    """A user holds a role in a place: an administrative unit, or (for a liaison) a
    co-construction unit. A user may hold several memberships."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    cobuild_unit = models.ForeignKey(
        "organizations.CobuildUnit",
        verbose_name=_("co-construction unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # A liaison belongs to a co-construction unit; every other role to an administrative unit.
            models.CheckConstraint(
                condition=(
                    Q(role=Role.COBUILD_LIAISON, cobuild_unit__isnull=False, unit__isnull=True)
                    | (~Q(role=Role.COBUILD_LIAISON) & Q(unit__isnull=False, cobuild_unit__isnull=True))
                ),
                name="membership_place_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"], condition=Q(unit__isnull=False), name="membership_unique_unit"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "cobuild_unit"],
                condition=Q(cobuild_unit__isnull=False),
                name="membership_unique_cobuild_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit or self.cobuild_unit}"
