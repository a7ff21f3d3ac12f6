"""企事业单位内外环境管理达标竞赛: a competition of the city's co-construction units over a period,
with its own rule items, each unit's results entered by inspectors, computed totals and ranks,
publication (final) and corrections as adjustments."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.competitions.choices import CompetitionStatus, ItemMethod
from gongjian.competitions.rules import ItemSpec
from gongjian.core.models import TimeStampedModel

POINTS = {"max_digits": 7, "decimal_places": 2}


def photo_path(instance, filename: str) -> str:
    return f"competitions/{timezone.now():%Y/%m}/{filename}"


class Competition(TimeStampedModel):
    """One competition (e.g. 2026年企事业单位内外环境管理达标竞赛): draft → computed → published."""

    city = models.ForeignKey(
        "organizations.Unit", verbose_name=_("city"), on_delete=models.PROTECT, related_name="competitions"
    )
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=10, choices=CompetitionStatus.choices, default=CompetitionStatus.DRAFT
    )
    # What the last computation saw (the assessments' pattern, gongjian/assessments/freshness.py):
    # the audit trail's last event id then; any later entry change is newer, and publishing waits.
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    audit_watermark = models.BigIntegerField(_("last audit event seen by the computation"), default=0)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("environment competition")
        verbose_name_plural = _("environment competitions")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="competition_name_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="competition_ends_after"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == CompetitionStatus.PUBLISHED


class CompetitionItem(models.Model):
    """One rule item of the competition (its 细则): points and how an inspector's result loses them."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    points = models.DecimalField(_("points"), **POINTS)
    method = models.CharField(_("method"), max_length=10, choices=ItemMethod.choices)
    per_occurrence = models.DecimalField(_("points per occurrence"), null=True, blank=True, **POINTS)
    grades = models.JSONField(_("grades"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("competition item")
        verbose_name_plural = _("competition items")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["competition", "code"], name="competition_item_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def spec(self) -> ItemSpec:
        return ItemSpec(
            code=self.code,
            name=self.name,
            points=self.points,
            method=self.method,
            per_occurrence=self.per_occurrence,
            grades=tuple(Decimal(g) for g in self.grades),
        )

    def as_line(self) -> str:
        """The item as written in the form (the line ``rules.parse_items`` reads)."""
        return self.spec.as_line()


class Participant(models.Model):
    """A co-construction unit taking part, placed in the tree (``place``: where the unit is located,
    else its first paired community) for scoping and the street's ranking; its computed result."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="participants")
    cobuild_unit = models.ForeignKey(
        "organizations.CobuildUnit",
        verbose_name=_("co-construction unit"),
        on_delete=models.PROTECT,
        related_name="competition_entries",
    )
    place = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("organizations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12)
    # The last computation's result (empty before the first).
    score = models.DecimalField(_("score"), null=True, blank=True, **POINTS)
    max_score = models.DecimalField(_("maximum score"), null=True, blank=True, **POINTS)
    rate = models.DecimalField(_("score rate"), max_digits=7, decimal_places=6, null=True, blank=True)
    missing = models.PositiveIntegerField(_("items without a result"), default=0)
    rank_city = models.PositiveIntegerField(_("rank in the city"), null=True, blank=True)
    rank_street = models.PositiveIntegerField(_("rank in the street"), null=True, blank=True)
    rank_kind = models.PositiveIntegerField(_("rank among units of its kind"), null=True, blank=True)

    class Meta:
        verbose_name = _("participating unit")
        verbose_name_plural = _("participating units")
        ordering = ["rank_city", "cobuild_unit__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "cobuild_unit"], name="competition_participant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.competition} · {self.cobuild_unit}"

    @property
    def rate_percent(self) -> str:
        return "" if self.rate is None else f"{self.rate * 100:.2f}"


class Entry(models.Model):
    """An inspector's result for one unit and item: occurrences, a grade or points lost."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(CompetitionItem, on_delete=models.PROTECT, related_name="entries")
    value = models.DecimalField(_("result"), **POINTS)
    reason = models.TextField(_("reason"), blank=True)
    photo = models.FileField(_("photo"), upload_to=photo_path, max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("competition result")
        verbose_name_plural = _("competition results")
        constraints = [models.UniqueConstraint(fields=["participant", "item"], name="competition_entry_unique")]

    def __str__(self) -> str:
        return f"{self.participant} · {self.item.code}"


class Adjustment(models.Model):
    """A correction to a published result: never a silent change, always a separate line."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="adjustments")
    points = models.DecimalField(_("points (+/−)"), **POINTS)
    reason = models.TextField(_("reason"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("competition adjustment")
        verbose_name_plural = _("competition adjustments")
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="competition_adjustment_not_zero")]
