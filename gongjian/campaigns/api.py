"""/api/v1/campaigns/: the campaigns of the caller's city, read-only, with their figures (found,
closed, relapses in total, per target unit and per ISO week) as far as the caller's scope goes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from gongjian.accounts.access import actor_for
from gongjian.campaigns import selectors
from gongjian.campaigns.models import Campaign


class TallySerializer(serializers.Serializer):
    found = serializers.IntegerField()
    closed = serializers.IntegerField()
    open = serializers.IntegerField()
    relapse = serializers.IntegerField()


class UnitTallySerializer(TallySerializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()


class WeekTallySerializer(TallySerializer):
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W10")


class FiguresSerializer(serializers.Serializer):
    total = TallySerializer()
    units = UnitTallySerializer(many=True)
    weeks = WeekTallySerializer(many=True)


def _tally(t) -> dict:
    return {"found": t.found, "closed": t.closed, "open": t.open, "relapse": t.relapse}


class CampaignSerializer(serializers.ModelSerializer):
    city = serializers.IntegerField(source="city_id")
    categories = serializers.SerializerMethodField()
    units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    state = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "city",
            "name",
            "description",
            "starts_on",
            "ends_on",
            "categories",
            "units",
            "level",
            "state",
            "figures",
        ]

    def get_categories(self, campaign) -> list[str]:
        return [c.code for c in campaign.categories.all()]

    def get_state(self, campaign) -> str:
        return campaign.state()

    @extend_schema_field(FiguresSerializer)
    def get_figures(self, campaign) -> dict:
        result = selectors.campaign_figures(actor=actor_for(self.context["request"].user), campaign=campaign)
        return {
            "total": _tally(result.figures.total),
            "units": [{"unit": u.pk, "unit_name": u.name, **_tally(t)} for u, t in result.unit_rows()],
            "weeks": [{"week": w, **_tally(t)} for w, t in result.week_rows()],
        }


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Campaigns (专项整治) of the caller's city with their figures, counted over the problems the
    caller may see."""

    serializer_class = CampaignSerializer
    queryset = Campaign.objects.none()

    def get_queryset(self):
        return (
            selectors.campaign_list(actor=actor_for(self.request.user))
            .prefetch_related("units")
            .order_by("-starts_on", "-id")
        )

    def get_object(self):
        return selectors.campaign_get(actor=actor_for(self.request.user), campaign_id=self.kwargs["pk"])
