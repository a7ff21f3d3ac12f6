"""Materials the office distributes (小喇叭 audio, poster and 倡议书 templates, the archive
template), each with numbered versions, and each recipient unit's receipt (签收) of a version.
Propaganda positions (宣传阵地) of a unit and their dated updates with photos."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.materials.choices import MaterialKind, PositionKind
from gongjian.organizations.choices import UnitLevel


def material_path(instance, filename: str) -> str:
    return f"materials/{timezone.now():%Y/%m}/{filename}"


def position_path(instance, filename: str) -> str:
    return f"positions/{timezone.now():%Y/%m}/{filename}"


class Material(models.Model):
    owner_unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("distributed by"), on_delete=models.PROTECT, related_name="materials"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MaterialKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    recipient_level = models.CharField(
        _("recipients"),
        max_length=12,
        choices=[(UnitLevel.STREET, UnitLevel.STREET.label), (UnitLevel.COMMUNITY, UnitLevel.COMMUNITY.label)],
        default=UnitLevel.COMMUNITY,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def latest(self):
        return self.versions.order_by("-number").first()


class MaterialVersion(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=material_path, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("file kind"), max_length=6)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("material version")
        verbose_name_plural = _("material versions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["material", "number"], name="material_version_number")]

    def __str__(self) -> str:
        return f"{self.material} v{self.number}"


class MaterialReceipt(models.Model):
    """A unit confirmed it received one version (签收). Units without a row have not confirmed."""

    version = models.ForeignKey(MaterialVersion, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="material_receipts"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("material receipt")
        verbose_name_plural = _("material receipts")
        ordering = ["unit__name", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "unit"], name="material_receipt_once")]

    def __str__(self) -> str:
        return f"{self.version} · {self.unit}"


class Position(models.Model):
    """A propaganda position (宣传阵地) of a unit."""

    unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="positions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PositionKind.choices)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("where"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    photo = models.FileField(_("photo"), upload_to=position_path, max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("propaganda position")
        verbose_name_plural = _("propaganda positions")
        ordering = ["unit__name", "kind", "name", "id"]

    def __str__(self) -> str:
        return self.name


class PositionUpdate(models.Model):
    """The position's content was renewed on ``updated_on``; the photo shows it."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="updates")
    updated_on = models.DateField(_("updated on"))
    theme = models.CharField(_("theme"), max_length=200)
    photo = models.FileField(_("photo"), upload_to=position_path, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=position_path, max_length=255, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("position update")
        verbose_name_plural = _("position updates")
        ordering = ["-updated_on", "-id"]

    def __str__(self) -> str:
        return f"{self.position} · {self.updated_on}"
