"""What the API keeps of its own: the keys that make a write safe to resend (``idempotency.py``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WriteKey(models.Model):
    """A write sent with an ``Idempotency-Key`` header (a UUID the client made) and what it made:
    the same key from the same user again answers with that object instead of writing twice.
    ``action`` names the write (e.g. ``position.register``) and so the model ``object_id`` is of.

    The field app's problem reports keep theirs in ``inspections.IdempotencyKey`` (tied to the
    problem); this one serves every other API write."""

    key = models.UUIDField(_("idempotency key"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("object id"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("API write key")
        verbose_name_plural = _("API write keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_write_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"
