"""/api/v1/cobuild-units/ and /pairings/ (the detail carries the year's record)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from gongjian.accounts.access import actor_for
from gongjian.organizations.models import CobuildUnit, Pairing
from gongjian.participation import selectors

# --- co-construction units and pairings -----------------------------------------------------------


class CobuildUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = CobuildUnit
        fields = ["id", "name", "kind", "credit_code", "address", "located_in"]


class CobuildUnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Co-construction units with a pairing in the caller's places."""

    serializer_class = CobuildUnitSerializer

    def get_queryset(self):
        return selectors.cobuild_units_visible(actor=actor_for(self.request.user))


class ObligationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="obligation.id")
    text = serializers.CharField(source="obligation.text")
    yearly_target = serializers.IntegerField(source="obligation.yearly_target")
    done = serializers.IntegerField()
    due = serializers.DecimalField(max_digits=6, decimal_places=1)
    met = serializers.BooleanField()


class LeaderSerializer(serializers.Serializer):
    name = serializers.CharField()
    position = serializers.CharField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)


class PairingSerializer(serializers.ModelSerializer):
    cobuild_unit_name = serializers.CharField(source="cobuild_unit.name")
    community_name = serializers.CharField(source="community.name")

    class Meta:
        model = Pairing
        fields = [
            "id",
            "cobuild_unit",
            "cobuild_unit_name",
            "community",
            "community_name",
            "is_lead",
            "started_on",
            "ended_on",
        ]


class PairingDetailSerializer(PairingSerializer):
    letter_signed_on = serializers.SerializerMethodField()
    head_name = serializers.SerializerMethodField()
    obligations = serializers.SerializerMethodField()
    leaders = serializers.SerializerMethodField()
    activities_joined = serializers.SerializerMethodField()
    activities_held = serializers.SerializerMethodField()
    head_attended = serializers.SerializerMethodField()

    class Meta(PairingSerializer.Meta):
        fields = [
            *PairingSerializer.Meta.fields,
            "letter_signed_on",
            "head_name",
            "obligations",
            "leaders",
            "activities_joined",
            "activities_held",
            "head_attended",
        ]

    def _record(self, pairing):
        return self.context["record"]

    def get_letter_signed_on(self, pairing) -> str | None:
        letter = getattr(pairing, "letter", None)
        return f"{letter.signed_on:%Y-%m-%d}" if letter else None

    def get_head_name(self, pairing) -> str:
        letter = getattr(pairing, "letter", None)
        return letter.head_name if letter else ""

    @extend_schema_field(ObligationSerializer(many=True))
    def get_obligations(self, pairing):
        return ObligationSerializer(self._record(pairing).obligations, many=True).data

    @extend_schema_field(LeaderSerializer(many=True))
    def get_leaders(self, pairing):
        return LeaderSerializer(self._record(pairing).leaders, many=True).data

    def get_activities_joined(self, pairing) -> int:
        return len(self._record(pairing).joined)

    def get_activities_held(self, pairing) -> int:
        return self._record(pairing).held_count

    def get_head_attended(self, pairing) -> int:
        return self._record(pairing).head_count


class PairingViewSet(viewsets.ReadOnlyModelViewSet):
    """Pairings of co-construction units with the caller's communities; the detail carries this
    year's participation record."""

    def get_serializer_class(self):
        return PairingSerializer if self.action == "list" else PairingDetailSerializer

    def get_queryset(self):
        return selectors.pairings_visible(actor=actor_for(self.request.user)).order_by("id")

    def retrieve(self, request, *args, **kwargs):
        actor = actor_for(request.user)
        pairing = selectors.pairing_get(actor=actor, pairing_id=kwargs["pk"])
        record = selectors.pairing_record(actor=actor, pairing=pairing, year=timezone.localdate().year)
        return Response(PairingDetailSerializer(pairing, context={"request": request, "record": record}).data)
