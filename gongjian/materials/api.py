"""/api/v1/materials/ (materials with their versions, the latest marked, and the receipts of the
latest version the caller may see; ``POST …/confirm/`` confirms receipt of the latest version) and
/api/v1/positions/ (propaganda positions with their last update and whether they are stale)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from gongjian.accounts.access import actor_for
from gongjian.core.errors import NotPermitted
from gongjian.materials import positions, selectors, services
from gongjian.materials.models import Material, MaterialReceipt, MaterialVersion, Position


class VersionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = MaterialVersion
        fields = ["id", "number", "name", "kind", "content_type", "size", "sha256", "note", "uploaded_at", "url"]

    def get_url(self, version) -> str:
        return reverse("materials:file", args=[version.material_id, version.pk])


class ReceiptStatusSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class MaterialSerializer(serializers.ModelSerializer):
    owner_unit = serializers.IntegerField(source="owner_unit_id")
    owner_name = serializers.CharField(source="owner_unit.name")
    latest_version = serializers.IntegerField(source="latest_number", allow_null=True)
    versions = VersionSerializer(many=True)
    receipts = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = [
            "id",
            "owner_unit",
            "owner_name",
            "kind",
            "title",
            "description",
            "recipient_level",
            "created_at",
            "latest_version",
            "versions",
            "receipts",
        ]

    @extend_schema_field(ReceiptStatusSerializer(many=True))
    def get_receipts(self, material) -> list[dict]:
        """Receipts of the latest version: every recipient for the distributor, else the caller's units."""
        latest = material.latest
        if latest is None:
            return []
        actor = actor_for(self.context["request"].user)
        return [
            {
                "unit": row["unit"].pk,
                "unit_name": row["unit"].name,
                "confirmed_at": row["receipt"].confirmed_at if row["receipt"] else None,
            }
            for row in selectors.version_receipts(actor=actor, version=latest)
        ]


class ConfirmedSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id")
    version = serializers.IntegerField(source="version.number")

    class Meta:
        model = MaterialReceipt
        fields = ["id", "unit", "version", "confirmed_at"]


class MaterialViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MaterialSerializer
    queryset = Material.objects.none()

    def get_queryset(self):
        return selectors.material_list(actor=actor_for(self.request.user)).prefetch_related("versions")

    def get_object(self):
        return selectors.material_get(actor=actor_for(self.request.user), material_id=self.kwargs["pk"])

    @extend_schema(request=None, responses={200: ConfirmedSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm receipt (签收) of the latest version for the caller's unit; idempotent."""
        material = self.get_object()
        latest = material.latest
        if latest is None:
            raise NotFound
        try:
            receipt = services.receipt_confirm(actor=request.user, version=latest)
        except NotPermitted as exc:
            raise PermissionDenied(str(exc.message)) from None
        return Response(ConfirmedSerializer(receipt).data)


class PositionSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name")
    last_update = serializers.DateField(allow_null=True)
    due = serializers.DateField()
    stale = serializers.BooleanField(source="is_stale")
    period_days = serializers.IntegerField()

    class Meta:
        model = Position
        fields = [
            "id",
            "unit",
            "unit_name",
            "kind",
            "name",
            "address",
            "lat",
            "lng",
            "last_update",
            "due",
            "stale",
            "period_days",
        ]


class PositionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PositionSerializer
    queryset = Position.objects.none()

    def get_queryset(self):
        return positions.position_list(actor=actor_for(self.request.user)).order_by("unit__name", "kind", "name", "id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = positions.with_status(page if page is not None else self.get_queryset())
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        position = positions.position_get(actor=actor_for(request.user), position_id=kwargs["pk"])
        [position] = positions.with_status([position])
        return Response(self.get_serializer(position).data)
