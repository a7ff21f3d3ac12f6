"""/api/v1/competitions/: environment competitions in the caller's scope (read only): the list,
one competition with its items and the ranking the caller may see, and one unit's sheet."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from gongjian.accounts.access import actor_for
from gongjian.competitions import selectors
from gongjian.competitions.choices import CompetitionStatus
from gongjian.competitions.models import Competition, CompetitionItem
from gongjian.organizations.choices import CobuildKind

STATUSES = " | ".join(CompetitionStatus.values)
KINDS = " | ".join(CobuildKind.values)


class CompetitionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetitionItem
        fields = ["code", "name", "points", "method", "per_occurrence", "grades"]


class CompetitionSerializer(serializers.ModelSerializer):
    city = serializers.IntegerField(source="city_id")
    status = serializers.CharField(help_text=STATUSES)

    class Meta:
        model = Competition
        fields = ["id", "city", "name", "starts_on", "ends_on", "status", "computed_at", "published_at"]


class RankingRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cobuild_unit = serializers.IntegerField(source="cobuild_unit_id")
    unit_name = serializers.CharField(source="cobuild_unit.name")
    kind = serializers.CharField(help_text=KINDS)
    street = serializers.IntegerField(source="street_id", allow_null=True)
    street_name = serializers.SerializerMethodField()
    score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    max_score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    rate = serializers.DecimalField(max_digits=7, decimal_places=6, allow_null=True)
    rank_city = serializers.IntegerField(allow_null=True)
    rank_street = serializers.IntegerField(allow_null=True)
    rank_kind = serializers.IntegerField(allow_null=True)
    missing = serializers.IntegerField(help_text="items without a result")
    adjusted = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="the score after adjustments"
    )

    def get_street_name(self, row) -> str:
        return row.street.name if row.street_id else ""


class CompetitionDetailSerializer(CompetitionSerializer):
    items = CompetitionItemSerializer(many=True)
    changes_since_computed = serializers.IntegerField()
    ranking = RankingRowSerializer(many=True)

    class Meta(CompetitionSerializer.Meta):
        fields = [*CompetitionSerializer.Meta.fields, "items", "changes_since_computed", "ranking"]


class SheetLineSerializer(serializers.Serializer):
    item = serializers.CharField()
    name = serializers.CharField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    result = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    result_label = serializers.CharField()
    lost = serializers.DecimalField(max_digits=7, decimal_places=2)
    reason = serializers.CharField()
    recorded_at = serializers.DateTimeField(allow_null=True)


class AdjustmentRowSerializer(serializers.Serializer):
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class SheetSerializer(RankingRowSerializer):
    lines = SheetLineSerializer(many=True)
    adjustments = AdjustmentRowSerializer(many=True, source="adjustment_rows")


class RankingQuerySerializer(serializers.Serializer):
    street = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    kind = serializers.ChoiceField(required=False, choices=CobuildKind.values)


class CompetitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Environment competitions (企事业单位内外环境管理达标竞赛) of co-construction units: a city's
    people see every unit, a street or community the units placed in it, a co-construction unit's
    own user only its own unit, anyone else nothing (404)."""

    serializer_class = CompetitionSerializer
    queryset = Competition.objects.none()

    def get_queryset(self):
        return selectors.competitions_visible(actor=actor_for(self.request.user)).order_by("-starts_on", "-id")

    def get_object(self):
        return selectors.competition_get(actor=actor_for(self.request.user), competition_id=self.kwargs["pk"])

    @extend_schema(
        parameters=[OpenApiParameter("street", int), OpenApiParameter("kind", str, description=KINDS)],
        responses={200: CompetitionDetailSerializer},
    )
    def retrieve(self, request, *args, **kwargs):
        """One competition: its items and the ranking (best first; ties share a rank)."""
        query = RankingQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        competition = self.get_object()
        competition.changes_since_computed = selectors.changes_since_computed(competition)
        competition.ranking = selectors.ranking(
            actor=actor_for(request.user),
            competition=competition,
            street_id=query.validated_data.get("street"),
            kind=query.validated_data.get("kind", ""),
        )
        return Response(CompetitionDetailSerializer(competition).data)

    @extend_schema(responses={200: SheetSerializer})
    @action(detail=True, methods=["get"], url_path=r"units/(?P<participant_id>[0-9]{1,18})")
    def unit(self, request, pk=None, participant_id=None):
        """One unit's sheet: each item's result, the points it lost and why, and the adjustments."""
        actor = actor_for(request.user)
        competition = self.get_object()
        participant = selectors.participant_get(actor=actor, competition=competition, participant_id=participant_id)
        rows = selectors.ranking(actor=actor, competition=competition)
        row = next(r for r in rows if r.pk == participant.pk)
        row.lines = [
            {
                "item": line.item.code,
                "name": line.item.name,
                "points": line.item.points,
                "result": line.entry.value if line.entry else None,
                "result_label": line.result_label,
                "lost": line.lost,
                "reason": line.entry.reason if line.entry else "",
                "recorded_at": line.entry.recorded_at if line.entry else None,
            }
            for line in selectors.sheet_lines(participant)
        ]
        row.adjustment_rows = list(selectors.adjustments(participant))
        return Response(SheetSerializer(row).data)
