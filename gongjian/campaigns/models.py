"""Campaigns (专项整治): the city declares one (e.g. 大清扫) for a period, some categories and some
units (chosen, or every unit of a level); problems found in it are tagged with it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.core.models import TimeStampedModel


class TargetLevel(models.TextChoices):
    DISTRICT = "district", _("Every district")
    STREET = "street", _("Every street")
    COMMUNITY = "community", _("Every community")


def report_path(instance: Campaign, filename: str) -> str:
    return f"campaigns/{instance.pk}/{filename}"


class Campaign(TimeStampedModel):
    city = models.ForeignKey("organizations.Unit", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    categories = models.ManyToManyField(
        "inspections.Category", verbose_name=_("categories"), blank=True, related_name="campaigns"
    )
    units = models.ManyToManyField("organizations.Unit", verbose_name=_("units"), blank=True, related_name="campaigns")
    level = models.CharField(_("every unit of a level"), max_length=10, choices=TargetLevel.choices, blank=True)
    problems = models.ManyToManyField(
        "inspections.Problem", verbose_name=_("problems"), blank=True, related_name="campaigns"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The closing report (Word), written by a background job and kept for the archive.
    report = models.FileField(_("closing report"), upload_to=report_path, max_length=255, blank=True)
    report_at = models.DateTimeField(_("report written at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    def state(self, today=None) -> str:
        today = today or timezone.localdate()
        if today < self.starts_on:
            return "upcoming"
        return "running" if today <= self.ends_on else "ended"

    @property
    def has_ended(self) -> bool:
        return self.state() == "ended"
