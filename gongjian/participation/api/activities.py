"""/api/v1/activities/: list, detail, create, the lifecycle (hold, cancel, archive) and the plan (方案)."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for
from gongjian.api.errors import form_errors
from gongjian.api.parsers import BoundedJSONParser
from gongjian.core.inputs import read_upload
from gongjian.organizations.models import CobuildUnit
from gongjian.participation import selectors, services
from gongjian.participation.api.activity_plans import ActivityPlanActions
from gongjian.participation.api.common import _call
from gongjian.participation.choices import ActivityStatus
from gongjian.participation.filters import ActivityFilterForm
from gongjian.participation.models import Activity, ActivityType

# --- activities ----------------------------------------------------------------------------------


class ActivityUnitSerializer(serializers.Serializer):
    cobuild_unit = serializers.IntegerField(min_value=1)
    attendees = serializers.IntegerField(min_value=1, max_value=10000, default=1)
    head_attended = serializers.BooleanField(default=False)


class ActivityVolunteerSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(min_value=1)
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=Decimal("0.1"), max_value=Decimal("24"))


class ActivitySerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="type.code")
    type_name = serializers.CharField(source="type.name")
    community_name = serializers.CharField(source="community.name")
    theme = serializers.CharField(source="theme.title", allow_null=True, default=None)
    unit_count = serializers.IntegerField()
    volunteer_count = serializers.IntegerField()
    photo_count = serializers.IntegerField()
    hour_total = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    status = serializers.CharField(help_text="planned, held, archived or cancelled")

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "type",
            "type_name",
            "status",
            "version",
            "held_on",
            "attendance",
            "cancel_reason",
            "community",
            "community_name",
            "organiser",
            "starts_at",
            "place",
            "summary",
            "theme",
            "unit_count",
            "volunteer_count",
            "photo_count",
            "hour_total",
        ]


class ActivityCreateSerializer(serializers.Serializer):
    community = serializers.IntegerField(min_value=1)
    type = serializers.CharField(max_length=30)
    title = serializers.CharField(max_length=120)
    status = serializers.CharField(max_length=8, help_text="planned or held")
    starts_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    organiser = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    summary = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    units = ActivityUnitSerializer(many=True, required=False, default=list)
    volunteers = ActivityVolunteerSerializer(many=True, required=False, default=list)


class ActivityHoldSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    attendance = serializers.IntegerField(min_value=1, max_value=100_000)
    summary = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    volunteers = ActivityVolunteerSerializer(many=True, required=False, default=list)
    version = serializers.IntegerField(min_value=1, help_text="the version you read; 409 when it changed")


class ActivityHoldUploadSerializer(serializers.Serializer):
    """The same as a form upload, with photos: ``volunteers`` is a JSON list of {volunteer, hours};
    one ``captions`` entry per ``photos`` file, in the same order."""

    held_on = serializers.DateField()
    attendance = serializers.IntegerField(min_value=1, max_value=100_000)
    summary = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    volunteers = serializers.CharField(
        max_length=20_000,
        required=False,
        allow_blank=True,
        default="",
        help_text='e.g. [{"volunteer": 7, "hours": "2"}]',
    )
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)
    captions = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=10
    )
    version = serializers.IntegerField(min_value=1, help_text="the version you read; 409 when it changed")


class ActivityCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1, help_text="the version you read; 409 when it changed")


class ActivityArchiveSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="the version you read; 409 when it changed")


def _volunteer_hours(actor, items) -> list:
    volunteers = []
    for item in items:
        try:
            volunteer = selectors.volunteer_get(actor=actor, volunteer_id=item["volunteer"])
        except Http404:
            # Out of scope (another community or another city) looks like "unknown".
            raise ValidationError({"volunteers": [_("Unknown volunteer %(id)s.") % {"id": item["volunteer"]}]})
        volunteers.append(services.VolunteerHours(volunteer, item["hours"]))
    return volunteers


class ActivityViewSet(ActivityPlanActions, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Activities of the caller's communities (or of the communities their unit is paired with);
    their plans (方案) through ``…/plan/`` (``api/activity_plans.py``)."""

    serializer_class = ActivitySerializer
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        actor = actor_for(self.request.user)
        if not actor.has_perm(Perm.PARTICIPATION_VIEW):
            return Activity.objects.none()
        form = ActivityFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return selectors.activity_list(actor=actor, **form.cleaned_data)

    def get_object(self):
        activity = selectors.activity_get(actor=actor_for(self.request.user), activity_id=self.kwargs["pk"])
        return self.get_queryset().get(pk=activity.pk) if activity else None

    @extend_schema(
        parameters=[
            OpenApiParameter("community", int, description="unit id; its whole subtree"),
            OpenApiParameter("type", str, description="activity type code"),
            OpenApiParameter("status", str, enum=ActivityStatus.values),
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter("cobuild_unit", int),
            OpenApiParameter("q", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer})
    def create(self, request):
        payload = ActivityCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        actor = actor_for(request.user)
        community = (
            selectors.communities_for(actor=actor, perm=Perm.ACTIVITY_MANAGE).filter(pk=data["community"]).first()
        )
        if community is None:
            raise ValidationError({"community": [_("This is not a community you can record activities for.")]})
        activity_type = ActivityType.objects.filter(code=data["type"], is_active=True).first()
        if activity_type is None:
            raise ValidationError({"type": [_("Unknown activity type.")]})
        units = []
        for item in data["units"]:
            cobuild = CobuildUnit.objects.filter(pk=item["cobuild_unit"]).first()
            if cobuild is None:
                raise ValidationError({"units": [_("Unknown co-construction unit.")]})
            units.append(services.UnitAttendance(cobuild, item["attendees"], item["head_attended"]))
        volunteers = _volunteer_hours(actor, data["volunteers"])
        activity = _call(
            services.activity_record,
            user=request.user,
            community=community,
            type=activity_type,
            title=data["title"],
            organiser=data["organiser"],
            status=data["status"],
            starts_at=data["starts_at"],
            place=data["place"],
            summary=data["summary"],
            units=units,
            volunteers=volunteers,
        )
        return Response(
            ActivitySerializer(selectors.activity_list(actor=actor).get(pk=activity.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def _transition(self, request, pk, payload_class, service):
        selectors.activity_get(actor=actor_for(request.user), activity_id=pk)  # 404 before 400
        payload = payload_class(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        return self._transition_with(request, pk, service, data, data.pop("volunteers", None))

    def _transition_with(self, request, pk, service, data: dict, volunteer_items):
        actor = actor_for(request.user)
        activity = selectors.activity_get(actor=actor, activity_id=pk)
        if volunteer_items is not None:
            data["volunteers"] = _volunteer_hours(actor, volunteer_items)
        _call(service, user=request.user, activity=activity, **data)
        return Response(ActivitySerializer(selectors.activity_list(actor=actor).get(pk=activity.pk)).data)

    @extend_schema(
        request={"application/json": ActivityHoldSerializer, "multipart/form-data": ActivityHoldUploadSerializer},
        responses={200: ActivitySerializer},
    )
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """A planned activity took place: the day, attendance, volunteers' hours and (as a
        multipart upload) photos each with its caption. 409 when not planned or the version is stale."""
        selectors.activity_get(actor=actor_for(request.user), activity_id=pk)  # 404 before 400
        if not (request.content_type or "").startswith("multipart/"):
            return self._transition(request, pk, ActivityHoldSerializer, services.activity_hold)
        payload = ActivityHoldUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        try:
            items = json.loads(data.pop("volunteers") or "[]")
        except ValueError:
            raise ValidationError({"volunteers": [_("Send the volunteers as a JSON list.")]}) from None
        hours = ActivityVolunteerSerializer(data=items if isinstance(items, list) else None, many=True)
        if not hours.is_valid():
            raise ValidationError({"volunteers": [_("Send the volunteers as a JSON list.")]})
        photos, captions = data.pop("photos"), data.pop("captions")
        if len(captions) != len(photos):
            raise ValidationError({"captions": [_("Write one caption for each photo.")]})
        try:
            data["photos"] = [(read_upload(f), c) for f, c in zip(photos, captions, strict=True)]
        except DjangoValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from None
        return self._transition_with(request, pk, services.activity_hold, data, hours.validated_data)

    @extend_schema(request=ActivityCancelSerializer, responses={200: ActivitySerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Call off a planned activity with a reason. 409 when not planned or the version is stale."""
        return self._transition(request, pk, ActivityCancelSerializer, services.activity_cancel)

    @extend_schema(request=ActivityArchiveSerializer, responses={200: ActivitySerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """File a held activity. 409 when not held or the version is stale."""
        return self._transition(request, pk, ActivityArchiveSerializer, services.activity_archive)
