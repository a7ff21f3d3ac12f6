"""/api/v1/volunteers/: masked for every role; one record revealed on purpose (POST reveal/)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for
from gongjian.accounts.throttles import client_ip
from gongjian.api.errors import form_errors
from gongjian.core.privacy import NoStoreMixin
from gongjian.participation import selectors, services
from gongjian.participation.api.common import _call
from gongjian.participation.choices import PartyStatus
from gongjian.participation.filters import VolunteerFilterForm

# --- volunteers ----------------------------------------------------------------------------------


class VolunteerSerializer(serializers.Serializer):
    """Phone and ID number are masked for every role (``revealed`` is true on the caller's own
    record only); ``POST /volunteers/{id}/reveal/`` shows one record's numbers on purpose."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    id_number = serializers.CharField()
    revealed = serializers.BooleanField()
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community")
    party_status = serializers.CharField(source="party_code")
    work_unit = serializers.CharField()
    skills = serializers.CharField()
    availability = serializers.CharField()
    status = serializers.CharField(source="status_code")
    hours = serializers.DecimalField(max_digits=8, decimal_places=1)
    registered_on = serializers.DateField()


class VolunteerCreateSerializer(serializers.Serializer):
    community = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20)
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    party_status = serializers.ChoiceField(choices=PartyStatus.choices, default=PartyStatus.NONE)
    work_unit = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    skills = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    availability = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class RevealRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="why the full numbers are needed (audited)")


class RevealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    phone = serializers.CharField()
    id_number = serializers.CharField(help_text="empty when none was registered")


class VolunteerViewSet(NoStoreMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Volunteers of the caller's places (a volunteer: only their own record)."""

    serializer_class = VolunteerSerializer

    def get_queryset(self):
        form = VolunteerFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return selectors.volunteer_list(actor=actor_for(self.request.user), **form.cleaned_data)

    def _rows(self, volunteers, where: str):
        rows = selectors.present_volunteers(volunteers)
        services.personal_data_view_record(
            user=self.request.user, volunteer_ids=[r.id for r in rows if r.revealed], where=where
        )
        return rows

    @extend_schema(
        parameters=[
            OpenApiParameter("community", int, description="unit id; its whole subtree"),
            OpenApiParameter("status", str),
            OpenApiParameter("party_status", str, description="none, in_office, resident or member (any)"),
            OpenApiParameter("q", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(VolunteerSerializer(self._rows(page, "api_list"), many=True).data)

    def retrieve(self, request, *args, **kwargs):
        volunteer = selectors.volunteer_get(actor=actor_for(request.user), volunteer_id=kwargs["pk"])
        return Response(VolunteerSerializer(self._rows([volunteer], "api_detail")[0]).data)

    @extend_schema(request=RevealRequestSerializer, responses={200: RevealSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """One volunteer's phone and ID number in full, for a person who may see personal data at
        the volunteer's community, with a reason; audited with the caller's address and browser.
        Out of the caller's places: 404; in them without the right: 403. Never cached."""
        volunteer = selectors.volunteer_get(actor=actor_for(request.user), volunteer_id=pk)
        payload = RevealRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        revealed = _call(
            services.volunteer_reveal,
            user=request.user,
            volunteer=volunteer,
            reason=payload.validated_data["reason"],
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(RevealSerializer({"id": volunteer.pk, **revealed.__dict__}).data)

    @extend_schema(request=VolunteerCreateSerializer, responses={201: VolunteerSerializer})
    def create(self, request):
        payload = VolunteerCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        actor = actor_for(request.user)
        community = (
            selectors.communities_for(actor=actor, perm=Perm.VOLUNTEER_MANAGE).filter(pk=data.pop("community")).first()
        )
        if community is None:
            raise ValidationError({"community": [_("This is not a community you can register volunteers for.")]})
        volunteer = _call(services.volunteer_register, user=request.user, community=community, **data)
        volunteer = selectors.volunteer_get(actor=actor, volunteer_id=volunteer.pk)
        return Response(
            VolunteerSerializer(self._rows([volunteer], "api_create")[0]).data, status=status.HTTP_201_CREATED
        )
