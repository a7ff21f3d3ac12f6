"""评选: the city's selections (文明家庭, 好邻居, 最美志愿者) — categories, nominees from communities
with story and photos, public votes (one per device a day, keyed hashes only), bursts from one
address or network for the office to decide on, winners."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.core.models import TimeStampedModel
from gongjian.selections.choices import AnomalyStatus, AwardKind, BurstKind, NomineeStatus


def photo_path(instance, filename: str) -> str:
    return f"selections/photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


class Selection(TimeStampedModel):
    city = models.ForeignKey("organizations.Unit", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    nomination_from = models.DateField(_("nominations from"))
    nomination_until = models.DateField(_("nominations until"))
    voting_from = models.DateField(_("voting from"))
    voting_until = models.DateField(_("voting until"))
    winners_per_category = models.PositiveSmallIntegerField(_("winners per category"), default=3)
    finalised_at = models.DateTimeField(_("results final at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        ordering = ["-voting_from", "-id"]

    def __str__(self) -> str:
        return self.title


class SelectionCategory(models.Model):
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="categories")
    kind = models.CharField(_("award"), max_length=10, choices=AwardKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["selection", "kind"], name="selection_category_unique")]
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Nominee(TimeStampedModel):
    category = models.ForeignKey(SelectionCategory, on_delete=models.CASCADE, related_name="nominees")
    community = models.ForeignKey(
        "organizations.Unit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name shown"), max_length=60)
    story = models.TextField(_("story"))
    status = models.CharField(_("status"), max_length=10, choices=NomineeStatus.choices, default=NomineeStatus.PENDING)
    is_winner = models.BooleanField(_("winner"), default=False)
    votes_counted = models.PositiveIntegerField(_("votes counted"), default=0)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("nominee")
        verbose_name_plural = _("nominees")
        ordering = ["category", "id"]

    def __str__(self) -> str:
        return self.name


class NomineePhoto(models.Model):
    """Re-encoded without EXIF by the officials' photo intake (inspections.photos.process_photo)."""

    nominee = models.ForeignKey(Nominee, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=photo_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))


class VoteAnomaly(models.Model):
    """A burst of votes from one address or one /24 network, for the office to decide on."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="anomalies")
    kind = models.CharField(_("kind"), max_length=10, choices=BurstKind.choices)
    source_hash = models.CharField(max_length=128)
    source_label = models.CharField(_("source"), max_length=60)  # masked: 203.0.113.* / 203.0.113.0/24
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    vote_count = models.PositiveIntegerField(_("votes"))
    status = models.CharField(_("status"), max_length=10, choices=AnomalyStatus.choices, default=AnomalyStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("vote anomaly")
        verbose_name_plural = _("vote anomalies")
        constraints = [
            models.UniqueConstraint(fields=["selection", "kind", "source_hash", "starts_at"], name="anomaly_unique")
        ]


class Vote(models.Model):
    """One vote: a device's (keyed hash) for one nominee of a category, once a day."""

    category = models.ForeignKey(SelectionCategory, on_delete=models.CASCADE, related_name="votes")
    nominee = models.ForeignKey(Nominee, on_delete=models.CASCADE, related_name="votes")
    day = models.DateField()
    at = models.DateTimeField(default=timezone.now)
    voter_hash = models.CharField(max_length=128)
    address_hash = models.CharField(max_length=128)
    network_hash = models.CharField(max_length=128)
    address_label = models.CharField(max_length=60)  # masked, as the residents' abuse alerts
    network_label = models.CharField(max_length=60)
    anomalies = models.ManyToManyField(VoteAnomaly, related_name="votes", blank=True)
    excluded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "voter_hash", "day"], name="vote_once_a_day"),
        ]
        indexes = [models.Index(fields=["category", "at"], name="vote_category_at_idx")]
