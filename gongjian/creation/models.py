"""创建达标: a unit's target of one kind and year moving through its stages, and the city's goals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.creation.workflow import CreationKind, Stage


def certificate_path(instance, filename: str) -> str:
    return f"creation/{timezone.now():%Y/%m}/{filename}"


class CreationTarget(models.Model):
    """A community's or a co-construction unit's go at one standard in one year."""

    city = models.ForeignKey(
        "organizations.Unit", verbose_name=_("city"), on_delete=models.PROTECT, related_name="creation_reviews"
    )
    community = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="creation_targets",
    )
    cobuild_unit = models.ForeignKey(
        "organizations.CobuildUnit",
        verbose_name=_("co-construction unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="creation_targets",
    )
    kind = models.CharField(_("standard"), max_length=14, choices=CreationKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    stage = models.CharField(_("stage"), max_length=14, choices=Stage.choices, default=Stage.APPLIED)
    applied_on = models.DateField(_("applied on"))
    checklist = models.JSONField(_("self-assessment checklist"), default=list)
    self_assessment = models.TextField(_("self-assessment"), blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    result_on = models.DateField(_("result date"), null=True, blank=True)
    certificate = models.FileField(_("certificate"), upload_to=certificate_path, max_length=255, blank=True)
    certificate_name = models.CharField(_("certificate file name"), max_length=200, blank=True)
    certificate_type = models.CharField(_("content type"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("creation target")
        verbose_name_plural = _("creation targets")
        ordering = ["-year", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(community__isnull=False) & Q(cobuild_unit__isnull=True))
                | (Q(community__isnull=True) & Q(cobuild_unit__isnull=False)),
                name="creation_target_one_subject",
            ),
            models.UniqueConstraint(
                fields=["community", "kind", "year"],
                condition=Q(community__isnull=False),
                name="creation_target_community_once",
            ),
            models.UniqueConstraint(
                fields=["cobuild_unit", "kind", "year"],
                condition=Q(cobuild_unit__isnull=False),
                name="creation_target_cobuild_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} · {self.year} · {self.get_kind_display()}"

    @property
    def subject_name(self) -> str:
        return self.community.name if self.community_id else self.cobuild_unit.name


class CreationGoal(models.Model):
    """How many units the city means to bring to one standard in one year."""

    city = models.ForeignKey(
        "organizations.Unit", verbose_name=_("city"), on_delete=models.PROTECT, related_name="creation_goals"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("standard"), max_length=14, choices=CreationKind.choices)
    count = models.PositiveSmallIntegerField(_("target number"))

    class Meta:
        verbose_name = _("creation goal")
        verbose_name_plural = _("creation goals")
        constraints = [models.UniqueConstraint(fields=["city", "year", "kind"], name="creation_goal_once")]
