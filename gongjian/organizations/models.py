from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongjian.core.models import TimeStampedModel
from gongjian.organizations.boundaries import geometry_errors
from gongjian.organizations.choices import CobuildKind, UnitLevel
from gongjian.organizations.rules import level_may_hold


class Unit(TimeStampedModel):
    """An administrative unit: city, district, street, community or compound.

    The tree is a plain parent link; subtree and ancestor queries are recursive SQL
    (see ``gongjian.organizations.tree``)."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("GB/T 2260-style division code where known; a local code below the community."),
    )
    name = models.CharField(_("name"), max_length=100, db_index=True)
    level = models.CharField(_("level"), max_length=12, choices=UnitLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="unit_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="unit_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        parent_level = self.parent.level if self.parent_id else None
        if self.level and not level_may_hold(parent_level, self.level):
            raise ValidationError(
                {"parent": _("A %(child)s cannot be placed under this parent.") % {"child": self.get_level_display()}}
            )


class CobuildUnit(TimeStampedModel):
    """A co-construction unit (共建单位): an agency, enterprise or school paired with communities."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=CobuildKind.choices)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, help_text=_("Optional; 18 characters.")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    located_in = models.ForeignKey(
        Unit,
        verbose_name=_("located in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_cobuild_units",
    )

    class Meta:
        verbose_name = _("co-construction unit")
        verbose_name_plural = _("co-construction units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Pairing(TimeStampedModel):
    """A co-construction unit paired with a community (共建结对).

    This is the hook the access rules use now: a co-construction liaison sees the communities
    their unit is paired with. The responsibility letter, obligations and leaders are added by
    the participation issue."""

    cobuild_unit = models.ForeignKey(
        CobuildUnit, verbose_name=_("co-construction unit"), on_delete=models.CASCADE, related_name="pairings"
    )
    community = models.ForeignKey(
        Unit,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="pairings",
        limit_choices_to={"level": UnitLevel.COMMUNITY},
    )
    is_lead = models.BooleanField(_("lead unit"), default=False)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            models.UniqueConstraint(fields=["cobuild_unit", "community", "started_on"], name="pairing_unique_start"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="pairing_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cobuild_unit} ↔ {self.community}"


class UnitBoundary(TimeStampedModel):
    """A unit's boundary on the map: a GeoJSON Polygon or MultiPolygon in WGS 84 ``[lng, lat]``
    (checked by ``gongjian.organizations.boundaries``; imported with ``manage.py import_boundaries``
    or on the city office's upload page)."""

    unit = models.OneToOneField(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="boundary")
    geometry = models.JSONField(_("boundary (GeoJSON)"))
    vertex_count = models.PositiveIntegerField(_("positions"), default=0)

    class Meta:
        verbose_name = _("unit boundary")
        verbose_name_plural = _("unit boundaries")

    def __str__(self) -> str:
        return str(self.unit)

    def clean(self) -> None:
        errors = geometry_errors(self.geometry)
        if errors:
            raise ValidationError({"geometry": errors})
