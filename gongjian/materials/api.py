"""/api/v1/materials/ (materials with their versions, the latest marked, and the receipts of the
latest version the caller may see; ``POST …/confirm/`` confirms receipt of a version, the latest
unless the body names one, for the caller's unit) and /api/v1/positions/ (propaganda positions with
their last update, due date and whether they are stale; ``POST`` registers one, ``POST
…/updates/`` records an update with its photo; both take an ``Idempotency-Key``).

Writes go through the services (``services.receipt_confirm``, ``positions.position_register``,
``positions.position_record_update``), which check permissions and audit; reads through the scoped
selectors."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.api import idempotency
from gongjian.api.errors import call_service
from gongjian.api.idempotency import IDEMPOTENCY_PARAMETER
from gongjian.api.parsers import BoundedJSONParser
from gongjian.core.inputs import read_upload
from gongjian.materials import positions, selectors, services
from gongjian.materials.choices import PositionKind
from gongjian.materials.models import Material, MaterialReceipt, MaterialVersion, Position, PositionUpdate
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit


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


class ConfirmRequestSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="the version's number; the latest when absent"
    )
    unit = serializers.IntegerField(
        min_value=1,
        max_value=2**62,
        required=False,
        help_text="the recipient unit, for someone who answers for several",
    )


class MaterialViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MaterialSerializer
    queryset = Material.objects.none()

    def get_queryset(self):
        return selectors.material_list(actor=actor_for(self.request.user)).prefetch_related("versions")

    def get_object(self):
        return selectors.material_get(actor=actor_for(self.request.user), material_id=self.kwargs["pk"])

    @extend_schema(request=ConfirmRequestSerializer, responses={200: ConfirmedSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm receipt (签收) of a version (the latest unless ``version`` names one) for the
        caller's unit (``unit`` when they answer for several); confirming again changes nothing and
        answers with the first receipt."""
        material = self.get_object()
        payload = ConfirmRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        number = payload.validated_data.get("version")
        version = material.versions.filter(number=number).first() if number else material.latest
        if version is None:
            if number:
                raise ValidationError({"version": [_("This material has no version %(n)s.") % {"n": number}]})
            raise NotFound
        unit = None
        if unit_id := payload.validated_data.get("unit"):
            units = services.confirming_units(request.user, material)
            unit = next((u for u in units if u.pk == unit_id), None)
            if units and unit is None:
                raise ValidationError({"unit": [_("This is not a unit that confirms receipt of this material.")]})
        receipt = call_service(services.receipt_confirm, actor=request.user, version=version, unit=unit)
        return Response(ConfirmedSerializer(receipt).data)


class PositionSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name")
    last_update = serializers.DateField(allow_null=True)
    due = serializers.DateField(help_text="the last day by which the next update is due")
    stale = serializers.BooleanField(source="is_stale", help_text="the due day has passed without an update")
    period_days = serializers.IntegerField()
    photo_url = serializers.SerializerMethodField()

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
            "photo_url",
        ]

    def get_photo_url(self, position) -> str | None:
        return reverse("materials:position-photo", args=[position.pk]) if position.photo else None


class PositionCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**62, help_text="the street or community it belongs to")
    kind = serializers.CharField(max_length=10, help_text=", ".join(PositionKind.values))
    name = serializers.CharField(max_length=120)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    photo = serializers.FileField(required=False, allow_null=True, default=None)


class PositionUpdateInSerializer(serializers.Serializer):
    updated_on = serializers.DateField(help_text="the day the content was renewed (not in the future)")
    theme = serializers.CharField(max_length=200)
    photo = serializers.FileField(help_text="a photo of the renewed content (required)")


class PositionUpdateRemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="why the update is removed (kept in the audit trail)")


class PositionUpdateSerializer(serializers.ModelSerializer):
    photo_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()

    class Meta:
        model = PositionUpdate
        fields = [
            "id",
            "updated_on",
            "theme",
            "width",
            "height",
            "recorded_at",
            "photo_url",
            "thumbnail_url",
            "position",
        ]

    def get_photo_url(self, update) -> str:
        return reverse("materials:update-photo", args=[update.pk])

    def get_thumbnail_url(self, update) -> str:
        return reverse("materials:update-photo", args=[update.pk]) + "?thumb=1"

    @extend_schema_field(PositionSerializer)
    def get_position(self, update) -> dict:
        """The position as it stands after the update (its new due date, no longer stale)."""
        return self.context["position"]


def _photo_bytes(upload) -> bytes | None:
    if upload is None:
        return None
    try:
        return read_upload(upload)
    except DjangoValidationError as exc:
        raise ValidationError({"photo": exc.messages}) from None


class PositionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Propaganda positions (宣传阵地) of the caller's units with their state; the units' keepers
    (``ARCHIVE_MANAGE``) register positions and record updates."""

    serializer_class = PositionSerializer
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    queryset = Position.objects.none()

    def get_queryset(self):
        return positions.position_list(actor=actor_for(self.request.user)).order_by("unit__name", "kind", "name", "id")

    def _shown(self, position_id) -> dict:
        position = positions.position_get(actor=actor_for(self.request.user), position_id=position_id)
        [position] = positions.with_status([position])
        return PositionSerializer(position, context=self.get_serializer_context()).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = positions.with_status(page if page is not None else self.get_queryset())
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._shown(kwargs["pk"]))

    @extend_schema(
        request={"multipart/form-data": PositionCreateSerializer, "application/json": PositionCreateSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: PositionSerializer, 200: PositionSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Register a position of a unit the caller keeps, with an optional photo (multipart)."""
        payload = PositionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        key = call_service(idempotency.key_from, request=request)
        actor = actor_for(request.user)
        unit = (
            restrict(
                Unit.objects.filter(level__in=[UnitLevel.STREET, UnitLevel.COMMUNITY]),
                actor,
                Perm.ARCHIVE_MANAGE,
                unit_field="id",
            )
            .filter(pk=data.pop("unit"))
            .first()
        )
        if unit is None:
            raise ValidationError({"unit": [_("This is not a unit you can register positions for.")]})
        photo = _photo_bytes(data.pop("photo"))
        outcome = call_service(
            idempotency.idempotent,
            user=request.user,
            key=key,
            action="position.register",
            run=lambda: positions.position_register(actor=request.user, unit=unit, photo=photo, **data),
            load=lambda pk: Position.objects.get(pk=pk),
        )
        return Response(
            self._shown(outcome.obj.pk),
            status=status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        request={"multipart/form-data": PositionUpdateInSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: PositionUpdateSerializer, 200: PositionUpdateSerializer},
    )
    @action(detail=True, methods=["post"])
    def updates(self, request, pk=None):
        """Record that the position's content was renewed on ``updated_on``, with a photo of it
        (multipart); answers with the update and the position's new state."""
        position = positions.position_get(actor=actor_for(request.user), position_id=pk)  # 404 before 400
        payload = PositionUpdateInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        key = call_service(idempotency.key_from, request=request)
        photo = _photo_bytes(data["photo"])
        outcome = call_service(
            idempotency.idempotent,
            user=request.user,
            key=key,
            action="position.update",
            run=lambda: positions.position_record_update(
                actor=request.user, position=position, updated_on=data["updated_on"], theme=data["theme"], photo=photo
            ),
            load=lambda pk: PositionUpdate.objects.get(pk=pk, position=position),
        )
        context = {**self.get_serializer_context(), "position": self._shown(position.pk)}
        return Response(
            PositionUpdateSerializer(outcome.obj, context=context).data,
            status=status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED,
        )

    @extend_schema(request=PositionUpdateRemoveSerializer, responses={200: PositionSerializer})
    @action(detail=True, methods=["post"], url_path=r"updates/(?P<update_id>[0-9]+)/remove")
    def remove_update(self, request, pk=None, update_id=None):
        """Remove an update recorded by mistake (wrong position or date), with the reason (audited; a
        computed month it counted for becomes stale); answers with the position's new state."""
        position = positions.position_get(actor=actor_for(request.user), position_id=pk)  # 404 before 400
        update = PositionUpdate.objects.filter(pk=int(update_id), position=position).first()
        if update is None:
            raise NotFound()
        payload = PositionUpdateRemoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        call_service(
            positions.position_update_remove, actor=request.user, update=update, reason=payload.validated_data["reason"]
        )
        return Response(self._shown(position.pk))
