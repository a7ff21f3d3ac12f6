"""/api/v1/cobuild-units/, /pairings/, /volunteers/, /activities/: thin adapters over the
participation services and selectors, scoped and masked exactly like the pages."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for
from gongjian.accounts.throttles import client_ip
from gongjian.api.errors import form_errors
from gongjian.api.parsers import BoundedJSONParser
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.inputs import read_upload
from gongjian.core.privacy import NoStoreMixin
from gongjian.organizations.models import CobuildUnit, Pairing
from gongjian.participation import selectors, services
from gongjian.participation.choices import ActivityStatus, PartyStatus
from gongjian.participation.filters import ActivityFilterForm, VolunteerFilterForm
from gongjian.participation.models import Activity, ActivityType


class StaleOrRefused(APIException):
    """409: the record changed since the client read it (send the ``version`` you saw), or its
    state does not allow this (e.g. holding a cancelled activity)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    except NotPermitted as exc:
        raise PermissionDenied(str(exc.message))
    except Conflict as exc:
        raise StaleOrRefused(str(exc.message)) from None


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


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Activities of the caller's communities (or of the communities their unit is paired with)."""

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
