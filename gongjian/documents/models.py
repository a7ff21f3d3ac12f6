from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentSequence(models.Model):
    """The last sequence number used for one organ prefix in one year (发文字号 run yearly)."""

    prefix = models.CharField(_("organ prefix"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document number sequence")
        verbose_name_plural = _("document number sequences")
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="document_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.last}"


class DocumentNumber(models.Model):
    """The document number (发文字号) a published month's bulletin was issued under: allocated once,
    the first time the published bulletin is issued, and never again."""

    assessment = models.OneToOneField(
        "assessments.Assessment",
        verbose_name=_("assessment"),
        on_delete=models.PROTECT,
        related_name="document_number",
    )
    prefix = models.CharField(_("organ prefix"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("number"))
    issued_on = models.DateField(_("issued on"))
    allocated_at = models.DateTimeField(_("allocated at"), auto_now_add=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("document number")
        verbose_name_plural = _("document numbers")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year", "sequence"], name="document_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.sequence}号"
