"""/api/v1/teams/ and /frontage-duties/: members' phones masked, the register's shown to those who may see them."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.response import Response

from gongjian.accounts.access import actor_for
from gongjian.core.privacy import NoStoreMixin
from gongjian.participation import selectors, services

# --- teams and frontage duties ----------------------------------------------------------------------


class TeamMemberSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(source="volunteer_id")
    name = serializers.CharField(source="volunteer.name")
    phone = serializers.SerializerMethodField()
    area = serializers.CharField()
    schedule = serializers.CharField()

    def get_phone(self, member) -> str:
        # Team members are volunteers: masked for every role, like every volunteer list.
        from gongjian.participation.privacy import mask_phone

        return mask_phone(member.volunteer.phone)


class TeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    kind = serializers.CharField()
    kind_name = serializers.CharField(source="get_kind_display")
    members = TeamMemberSerializer(many=True)


class FrontageDutySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    holder = serializers.CharField()
    address = serializers.CharField()
    frontage = serializers.CharField()
    cleanliness = serializers.BooleanField()
    order = serializers.BooleanField()
    greenery = serializers.BooleanField()
    responsible = serializers.CharField()
    phone = serializers.SerializerMethodField()
    has_pledge = serializers.SerializerMethodField()
    problem_count = serializers.IntegerField()

    def get_phone(self, duty) -> str:
        return _shown(self.context, duty.community_id, duty.phone)

    def get_has_pledge(self, duty) -> bool:
        return bool(duty.pledge)


def _shown(context, community_id: int, phone: str) -> str:
    from gongjian.participation.privacy import mask_phone

    return phone if community_id in context["revealed"] else mask_phone(phone)


class _MaskedListMixin(NoStoreMixin):
    """Lists whose phones are shown in full only where the caller may see personal data; every
    full view is audited (``audit_kind``: what the ids are)."""

    audit_kind = ""

    def _context(self, items, where: str):
        actor = actor_for(self.request.user)
        revealed = selectors.revealed_communities(actor=actor, community_ids={i.community_id for i in items})
        shown = [i for i in items if i.community_id in revealed]
        if shown:
            services.personal_data_view_record(user=self.request.user, where=where, **self.audited(shown))
        return {"request": self.request, "revealed": revealed}

    def audited(self, items) -> dict:
        return {"others": {self.audit_kind: [i.pk for i in items]}}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = self._context(page, where=f"api_{self.basename}_list")
        return self.get_paginated_response(self.get_serializer_class()(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        item = self.get_object()
        context = self._context([item], where=f"api_{self.basename}_detail")
        return Response(self.get_serializer_class()(item, context=context).data)


class TeamViewSet(_MaskedListMixin, viewsets.ReadOnlyModelViewSet):
    """The four teams (四支队伍) of the caller's communities with members, areas and duty schedules."""

    serializer_class = TeamSerializer

    def audited(self, teams) -> dict:
        return {}  # members' phones are masked: nothing shown in full

    def get_queryset(self):
        from django.db.models import Prefetch

        from gongjian.participation.models import TeamMember

        return (
            selectors.teams_visible(actor=actor_for(self.request.user))
            .prefetch_related(Prefetch("members", queryset=TeamMember.objects.select_related("volunteer", "team")))
            .order_by("id")
        )


class FrontageDutyViewSet(_MaskedListMixin, viewsets.ReadOnlyModelViewSet):
    """The 门前三包 register of the caller's communities, with the number of problems pointing at each entry."""

    serializer_class = FrontageDutySerializer
    audit_kind = "frontage_duties"

    def get_queryset(self):
        return selectors.frontage_duties_visible(actor=actor_for(self.request.user))
