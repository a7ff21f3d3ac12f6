"""/api/v1/meetings/: meetings, their attendees, decisions, photos and follow-ups."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404, restrict
from gongjian.api.parsers import BoundedJSONParser
from gongjian.archives import services
from gongjian.archives.api.common import (
    DOWNLOAD_RENDERERS,
    MAX_ID,
    PERIOD_HELP,
    ArchiveDetailSerializer,
    ArchiveUnitSerializer,
    _absolute,
    _bad,
    _body_unit,
    _call,
    _file_ins,
    _file_response,
    _period,
    _unit_id,
    choice_field,
    positive_int,
)
from gongjian.archives.choices import (
    DecisionStatus,
    MeetingKind,
)
from gongjian.archives.models import (
    Meeting,
    MeetingDecision,
    MeetingPhoto,
)
from gongjian.organizations.tree import subtree_ids_sql

# --- meetings -------------------------------------------------------------------------------------


class AttendeeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    organisation = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    cobuild_unit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="a co-construction unit paired with it",
    )
    is_head = serializers.BooleanField(required=False, default=False, help_text="the head of that unit")


class DecisionInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    owner = serializers.CharField(max_length=60)
    due_on = serializers.DateField()


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    owner = serializers.CharField()
    due_on = serializers.DateField()
    status = choice_field(DecisionStatus)
    done_on = serializers.DateField(allow_null=True)
    follow_up = serializers.CharField()
    version = serializers.IntegerField()


class MeetingPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    caption = serializers.CharField()
    sha256 = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    taken_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        return _absolute(self.context["request"], "meeting-photo", pk=photo.meeting_id, photo_id=photo.pk)


class AttendeeOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    organisation = serializers.CharField()
    cobuild_unit = serializers.IntegerField(source="cobuild_unit_id", allow_null=True)
    is_head = serializers.BooleanField()


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = ArchiveUnitSerializer()
    kind = choice_field(MeetingKind)
    title = serializers.CharField()
    held_on = serializers.DateField()
    place = serializers.CharField()
    minutes = serializers.CharField()
    attendees = AttendeeOutSerializer(many=True)
    decisions = DecisionSerializer(many=True)
    photos = MeetingPhotoSerializer(many=True)
    created_at = serializers.DateTimeField()


class MeetingCreateSerializer(serializers.Serializer):
    unit = positive_int(help_text="a community")
    kind = choice_field(MeetingKind)
    title = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    minutes = serializers.CharField(max_length=20000)
    attendees = AttendeeSerializer(many=True, help_text="multipart: attendees[0]name, attendees[0]organisation, ...")
    decisions = DecisionInSerializer(many=True, required=False, default=list)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    captions = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=200), required=False, default=list
    )


class FollowUpSerializer(serializers.Serializer):
    version = positive_int(help_text="the decision's version you saw (409 when stale)")
    status = choice_field(DecisionStatus)
    follow_up = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    done_on = serializers.DateField(required=False, allow_null=True, default=None)


def _meeting_queryset():
    return Meeting.objects.select_related("unit").prefetch_related("attendees", "decisions", "photos")


MEETING_PARAM = OpenApiParameter("id", int, OpenApiParameter.PATH)


class MeetingViewSet(viewsets.GenericViewSet):
    """Meeting records (例会, 联席会, 推进会) of the caller's places: attendees, minutes, decisions
    followed up until done, photos. A new meeting is archived at once as a meeting record."""

    serializer_class = MeetingSerializer
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    queryset = Meeting.objects.none()

    def get_object(self) -> Meeting:
        return get_scoped_or_404(
            _meeting_queryset(), actor_for(self.request.user), Perm.ARCHIVE_VIEW, pk=self.kwargs["pk"]
        )

    def _out(self, meeting, *, code=status.HTTP_200_OK) -> Response:
        meeting = _meeting_queryset().get(pk=meeting.pk)
        return Response(MeetingSerializer(meeting, context={"request": self.request}).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, description="unit id; its whole subtree"),
            OpenApiParameter("period", str, description=f"{PERIOD_HELP}: meetings held in it"),
            OpenApiParameter("kind", str, enum=MeetingKind.values),
        ],
        responses=MeetingSerializer(many=True),
    )
    def list(self, request):
        rows = restrict(_meeting_queryset(), actor_for(request.user), Perm.ARCHIVE_VIEW).order_by("-held_on", "-id")
        params = request.query_params
        if params.get("unit"):
            rows = rows.filter(unit_id__in=subtree_ids_sql([_unit_id(params["unit"])]))
        if params.get("period"):
            period = _period(params["period"])
            rows = rows.filter(held_on__gte=period.start, held_on__lte=period.end)
        if params.get("kind"):
            if params["kind"] not in MeetingKind.values:
                raise _bad("kind", _("Choose a kind of meeting."))
            rows = rows.filter(kind=params["kind"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MeetingSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(parameters=[MEETING_PARAM], responses={200: MeetingSerializer, 404: ArchiveDetailSerializer})
    def retrieve(self, request, pk=None):
        return Response(MeetingSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": MeetingCreateSerializer, "application/json": MeetingCreateSerializer},
        responses={201: MeetingSerializer, 400: ArchiveDetailSerializer, 403: ArchiveDetailSerializer},
    )
    def create(self, request):
        payload = MeetingCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        unit = _body_unit(actor_for(request.user), data["unit"])
        meeting = _call(
            services.meeting_create,
            user=request.user,
            unit=unit,
            kind=data["kind"],
            title=data["title"],
            held_on=data["held_on"],
            minutes=data["minutes"],
            place=data["place"],
            attendees=[
                services.AttendeeIn(
                    name=a["name"],
                    organisation=a["organisation"],
                    cobuild_unit_id=a.get("cobuild_unit"),
                    is_head=a["is_head"],
                )
                for a in data["attendees"]
            ],
            decisions=[
                services.DecisionIn(text=d["text"], owner=d["owner"], due_on=d["due_on"]) for d in data["decisions"]
            ],
            photos=_file_ins(data["photos"], data["captions"], field="photos"),
        )
        return self._out(meeting, code=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[MEETING_PARAM, OpenApiParameter("decision_id", int, OpenApiParameter.PATH)],
        request=FollowUpSerializer,
        responses={
            200: DecisionSerializer,
            400: ArchiveDetailSerializer,
            403: ArchiveDetailSerializer,
            404: ArchiveDetailSerializer,
            409: OpenApiResponse(ArchiveDetailSerializer, description="the decision changed since `version`"),
        },
        description="Record what became of a decision (open or done, the follow-up, the day it was done).",
    )
    @action(detail=True, methods=["post"], url_path=r"decisions/(?P<decision_id>[0-9]+)", url_name="decision")
    def decision(self, request, pk=None, decision_id=None):
        meeting = self.get_object()
        decision = MeetingDecision.objects.filter(meeting=meeting, pk=decision_id).select_related("meeting").first()
        if decision is None:
            raise Http404
        payload = FollowUpSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        decision = _call(
            services.decision_follow_up,
            user=request.user,
            decision=decision,
            expected_version=data["version"],
            status=data["status"],
            follow_up=data["follow_up"],
            done_on=data["done_on"],
        )
        return Response(DecisionSerializer(decision).data)

    @extend_schema(
        parameters=[MEETING_PARAM, OpenApiParameter("photo_id", int, OpenApiParameter.PATH)],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 404: ArchiveDetailSerializer},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"photos/(?P<photo_id>[0-9]+)",
        url_name="photo",
        renderer_classes=DOWNLOAD_RENDERERS,
    )
    def photo(self, request, pk=None, photo_id=None):
        meeting = self.get_object()
        photo = MeetingPhoto.objects.filter(meeting=meeting, pk=photo_id).first()
        if photo is None:
            raise Http404
        return _file_response(photo.file, filename=photo.file.name.rsplit("/", 1)[-1], content_type="image/jpeg")
