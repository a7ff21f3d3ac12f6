"""/api/v1/mechanisms/: standing mechanisms and their execution rows."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404, restrict
from gongjian.api.parsers import BoundedJSONParser
from gongjian.archives import completeness, periods, services
from gongjian.archives.api.common import (
    PERIOD_HELP,
    ArchiveDetailSerializer,
    ArchiveUnitSerializer,
    _bad,
    _body_unit,
    _call,
    _file_ins,
    _period,
    _rule_items,
    _unit_id,
    choice_field,
    positive_int,
)
from gongjian.archives.choices import (
    Interval,
    MechanismKind,
)
from gongjian.archives.models import (
    Evidence,
    Mechanism,
)
from gongjian.organizations.tree import subtree_ids_sql

# --- mechanisms -----------------------------------------------------------------------------------


class MechanismSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = ArchiveUnitSerializer()
    kind = choice_field(MechanismKind)
    kind_label = serializers.CharField()
    title = serializers.CharField()
    established_on = serializers.DateField()
    interval = choice_field(Interval)
    document_key = serializers.UUIDField(allow_null=True, help_text="record key of its founding document")
    period = serializers.CharField(help_text="the period the figures below are for")
    executions = serializers.IntegerField(help_text="records in the period that show it ran")
    expected = serializers.ListField(child=serializers.CharField(), help_text="intervals that have ended")
    missed = serializers.ListField(child=serializers.CharField(), help_text="ended intervals with no record")
    dead_letter = serializers.BooleanField(help_text="一纸空文: expected to run and no record shows it did")


class MechanismCreateSerializer(serializers.Serializer):
    unit = positive_int(help_text="a community")
    kind = choice_field(MechanismKind)
    title = serializers.CharField(max_length=200)
    established_on = serializers.DateField()
    interval = choice_field(Interval, help_text="how often it is expected to run")
    rule_items = serializers.ListField(
        child=positive_int(), allow_empty=False, help_text="items its document counts for"
    )
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    document = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="the document that sets it up"
    )
    captions = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=200), required=False, default=list
    )


def mechanism_rows(mechanisms: list[Mechanism], period: periods.Period, *, today=None) -> list[dict]:
    """Each mechanism with the intervals of the period it was expected to run in and those with
    no record of it running (the audit's own rule, without auditing the whole archive)."""
    today = today or timezone.localdate()
    executions: dict[int, list] = {m.id: [] for m in mechanisms}
    for mechanism_id, day in (
        Evidence.objects.current()
        .filter(mechanism_id__in=list(executions), withdrawn=False)
        .values_list("mechanism_id", "date")
    ):
        executions[mechanism_id].append(day)
    result = completeness.audit(
        period=period,
        sections=[],
        records=[],
        mechanisms=[completeness.mechanism_view(m, executions[m.id]) for m in mechanisms],
        photo_history=[],
        today=today,
        is_community=True,
    )
    by_id = {a.mechanism.id: a for a in result.mechanisms}
    rows = []
    for m in mechanisms:
        audit = by_id[m.id]
        rows.append(
            {
                "id": m.id,
                "unit": m.unit,
                "kind": m.kind,
                "kind_label": str(m.get_kind_display()),
                "title": m.title,
                "established_on": m.established_on,
                "interval": m.interval,
                "document_key": m.document_key,
                "period": period.code,
                "executions": sum(1 for day in executions[m.id] if period.contains(day)),
                "expected": [slot.code for slot in audit.expected],
                "missed": [slot.code for slot in audit.missed],
                "dead_letter": audit.dead_letter,
            }
        )
    return rows


class MechanismViewSet(viewsets.GenericViewSet):
    """The six mechanisms (长效机制) of the caller's communities, each flagged 一纸空文 when an
    interval of the period passed with no record showing it ran."""

    serializer_class = MechanismSerializer
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    queryset = Mechanism.objects.none()

    def _period(self) -> periods.Period:
        value = self.request.query_params.get("period")
        return _period(value) if value else periods.of(periods.YEAR, timezone.localdate())

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, description="unit id; its whole subtree"),
            OpenApiParameter("period", str, description=f"{PERIOD_HELP}; this year when absent"),
            OpenApiParameter("kind", str, enum=MechanismKind.values),
        ],
        responses=MechanismSerializer(many=True),
    )
    def list(self, request):
        period = self._period()
        rows = restrict(Mechanism.objects.select_related("unit"), actor_for(request.user), Perm.ARCHIVE_VIEW)
        params = request.query_params
        if params.get("unit"):
            rows = rows.filter(unit_id__in=subtree_ids_sql([_unit_id(params["unit"])]))
        if params.get("kind"):
            if params["kind"] not in MechanismKind.values:
                raise _bad("kind", _("Choose one of the six mechanisms."))
            rows = rows.filter(kind=params["kind"])
        page = self.paginate_queryset(rows.order_by("unit__name", "unit_id", "kind"))
        return self.get_paginated_response(MechanismSerializer(mechanism_rows(list(page), period), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH),
            OpenApiParameter("period", str, description=f"{PERIOD_HELP}; this year when absent"),
        ],
        responses={200: MechanismSerializer, 404: ArchiveDetailSerializer},
    )
    def retrieve(self, request, pk=None):
        period = self._period()
        mechanism = get_scoped_or_404(
            Mechanism.objects.select_related("unit"), actor_for(request.user), Perm.ARCHIVE_VIEW, pk=pk
        )
        return Response(MechanismSerializer(mechanism_rows([mechanism], period)[0]).data)

    @extend_schema(
        request={"multipart/form-data": MechanismCreateSerializer, "application/json": MechanismCreateSerializer},
        responses={201: MechanismSerializer, 400: ArchiveDetailSerializer, 403: ArchiveDetailSerializer},
        description="Set up a mechanism; its founding document (files or text) is archived as a document record.",
    )
    def create(self, request):
        payload = MechanismCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        unit = _body_unit(actor_for(request.user), data["unit"])
        mechanism = _call(
            services.mechanism_create,
            user=request.user,
            unit=unit,
            kind=data["kind"],
            title=data["title"],
            established_on=data["established_on"],
            interval=data["interval"],
            rule_items=_rule_items(unit, data["rule_items"]),
            text=data["text"],
            document=_file_ins(data["document"], data["captions"], field="document"),
        )
        mechanism = Mechanism.objects.select_related("unit").get(pk=mechanism.pk)
        row = mechanism_rows([mechanism], periods.of(periods.YEAR, timezone.localdate()))[0]
        return Response(MechanismSerializer(row).data, status=status.HTTP_201_CREATED)
