"""/api/v1/evidence/: evidence records, their versions and their files."""

from __future__ import annotations

from django.db.models import Prefetch
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
from gongjian.archives import periods, services
from gongjian.archives.api.common import (
    DOWNLOAD_RENDERERS,
    MAX_ID,
    PERIOD_HELP,
    ArchiveDetailSerializer,
    ArchiveRuleItemSerializer,
    ArchiveUnitSerializer,
    _absolute,
    _bad,
    _body_unit,
    _call,
    _file_ins,
    _file_response,
    _period,
    _rule_items,
    _within,
    choice_field,
    positive_int,
)
from gongjian.archives.choices import (
    EvidenceKind,
)
from gongjian.archives.models import (
    Evidence,
    EvidenceFile,
    Mechanism,
)
from gongjian.organizations.tree import subtree_ids_sql

# --- evidence -------------------------------------------------------------------------------------


class EvidenceFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="image, pdf, docx or xlsx")
    content_type = serializers.CharField()
    caption = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    taken_at = serializers.DateTimeField(allow_null=True, help_text="capture time from the photo's EXIF")
    url = serializers.SerializerMethodField()

    def get_url(self, f) -> str:
        return _absolute(self.context["request"], "evidence-file", pk=f.evidence_id, file_id=f.pk)


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="id of this version")
    record_key = serializers.UUIDField(help_text="shared by every version of the record")
    version = serializers.IntegerField()
    is_current = serializers.BooleanField()
    withdrawn = serializers.BooleanField()
    unit = ArchiveUnitSerializer()
    period = serializers.SerializerMethodField()
    kind = choice_field(EvidenceKind)
    title = serializers.CharField()
    date = serializers.DateField()
    started_on = serializers.DateField(allow_null=True)
    text = serializers.CharField()
    author = serializers.CharField()
    rule_items = ArchiveRuleItemSerializer(many=True)
    mechanism = serializers.IntegerField(source="mechanism_id", allow_null=True)
    source = serializers.CharField(help_text="manual, problem, activity or meeting")
    created_at = serializers.DateTimeField()
    content_hash = serializers.CharField()
    files = EvidenceFileSerializer(many=True)

    def get_period(self, evidence) -> str:
        return periods.from_fields(evidence.period_kind, evidence.period_start).code


class EvidenceQuerySerializer(serializers.Serializer):
    unit = positive_int(required=False)
    period = serializers.CharField(required=False)
    kind = choice_field(EvidenceKind, required=False)
    rule_item = positive_int(required=False)
    record = serializers.UUIDField(required=False)
    withdrawn = serializers.BooleanField(required=False, default=False)

    def validate_period(self, value):
        return _period(value)


class EvidenceCreateSerializer(serializers.Serializer):
    unit = positive_int()
    period = serializers.CharField(help_text=PERIOD_HELP)
    kind = choice_field(EvidenceKind)
    title = serializers.CharField(max_length=200)
    date = serializers.DateField()
    started_on = serializers.DateField(required=False, allow_null=True, help_text="for records that span days")
    rule_items = serializers.ListField(child=positive_int(), allow_empty=False)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    author = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    mechanism = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="the mechanism this record shows running",
    )
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    captions = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        required=False,
        default=list,
        help_text="one per file, in the same order",
    )


class EvidenceReviseSerializer(serializers.Serializer):
    version = positive_int(help_text="the version you are looking at (409 when stale)")
    title = serializers.CharField(required=False, max_length=200)
    text = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    date = serializers.DateField(required=False)
    started_on = serializers.DateField(required=False)
    author = serializers.CharField(required=False, allow_blank=True, max_length=60)
    period = serializers.CharField(required=False, help_text=PERIOD_HELP)
    rule_items = serializers.ListField(child=positive_int(), required=False, allow_empty=False)
    file_captions = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        required=False,
        default=dict,
        help_text="new captions of the record's files: {file id: caption} (multipart: file_captions.<id>)",
    )
    remove_files = serializers.ListField(child=positive_int(), required=False, default=list)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    captions = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        required=False,
        default=list,
        help_text="captions of the added files, in the same order",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class WithdrawSerializer(serializers.Serializer):
    version = positive_int(required=False, help_text="the version you are looking at")
    reason = serializers.CharField(max_length=2000)


VERSION_PARAM = OpenApiParameter("id", int, OpenApiParameter.PATH, description="id of a version of the record")
FILE_PARAM = OpenApiParameter("file_id", int, OpenApiParameter.PATH)
FILE_RESPONSES = {
    (200, "application/octet-stream"): OpenApiTypes.BINARY,
    404: ArchiveDetailSerializer,
}


def _evidence_queryset():
    return Evidence.objects.select_related("unit").prefetch_related(
        "rule_items", Prefetch("files", queryset=EvidenceFile.objects.order_by("position", "id"))
    )


class EvidenceViewSet(viewsets.GenericViewSet):
    """Evidence records (台帐资料) of the caller's places, in versions: a record is never
    changed in place; a revision is a new version and the old one is kept."""

    serializer_class = EvidenceSerializer
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    queryset = Evidence.objects.none()

    def _actor(self):
        return actor_for(self.request.user)

    def get_object(self) -> Evidence:
        return get_scoped_or_404(_evidence_queryset(), self._actor(), Perm.ARCHIVE_VIEW, pk=self.kwargs["pk"])

    def _out(self, evidence: Evidence, *, code=status.HTTP_200_OK) -> Response:
        evidence = _evidence_queryset().get(pk=evidence.pk)
        return Response(EvidenceSerializer(evidence, context={"request": self.request}).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, description="unit id; its whole subtree"),
            OpenApiParameter("period", str, description=f"{PERIOD_HELP}; and the periods inside it"),
            OpenApiParameter("kind", str, enum=EvidenceKind.values),
            OpenApiParameter("rule_item", int, description="id of an assessment item"),
            OpenApiParameter("record", str, description="a record key: every version of that record, oldest first"),
            OpenApiParameter("withdrawn", bool, description="also list withdrawn records"),
        ],
        responses=EvidenceSerializer(many=True),
    )
    def list(self, request):
        """Current versions by default; ``record`` gives every version of one record."""
        query = EvidenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rows = restrict(_evidence_queryset(), self._actor(), Perm.ARCHIVE_VIEW)
        if data.get("record"):
            rows = rows.filter(record_key=data["record"]).order_by("version")
        else:
            rows = rows.filter(is_current=True).order_by("-date", "-id")
            if not data["withdrawn"]:
                rows = rows.filter(withdrawn=False)
        if data.get("unit"):
            rows = rows.filter(unit_id__in=subtree_ids_sql([data["unit"]]))
        if data.get("period"):
            rows = _within(rows, data["period"])
        if data.get("kind"):
            rows = rows.filter(kind=data["kind"])
        if data.get("rule_item"):
            rows = rows.filter(rule_items__id=data["rule_item"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(EvidenceSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(parameters=[VERSION_PARAM], responses={200: EvidenceSerializer, 404: ArchiveDetailSerializer})
    def retrieve(self, request, pk=None):
        return Response(EvidenceSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": EvidenceCreateSerializer, "application/json": EvidenceCreateSerializer},
        responses={201: EvidenceSerializer, 400: ArchiveDetailSerializer, 403: ArchiveDetailSerializer},
        description="File a record: photos, scans (PDF), Word or Excel files, or text alone. Files are judged by "
        "their content: macro-enabled Office files, old .doc/.xls, encrypted PDFs and anything else are refused "
        "with a 400 naming the file, and nothing is stored.",
    )
    def create(self, request):
        payload = EvidenceCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        actor = self._actor()
        unit = _body_unit(actor, data["unit"])
        period = _period(data["period"])
        items = _rule_items(unit, data["rule_items"])
        mechanism = None
        if data.get("mechanism"):
            mechanism = Mechanism.objects.filter(pk=data["mechanism"], unit=unit).first()
            if mechanism is None:
                raise _bad("mechanism", _("This unit has no mechanism with this id."))
        evidence = _call(
            services.evidence_create,
            user=request.user,
            unit=unit,
            period=period,
            kind=data["kind"],
            title=data["title"],
            date=data["date"],
            started_on=data.get("started_on"),
            rule_items=items,
            text=data["text"],
            author=data["author"],
            mechanism=mechanism,
            files=_file_ins(data["files"], data["captions"]),
        )
        return self._out(evidence, code=status.HTTP_201_CREATED)

    def _revise(self, request) -> Response:
        evidence = self.get_object()
        payload = EvidenceReviseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            captions = {int(k): v for k, v in data["file_captions"].items()}
            if any(not 1 <= k <= MAX_ID for k in captions):
                raise ValueError
        except (TypeError, ValueError):
            raise _bad("file_captions", _("Name each file by its id (a whole number).")) from None
        extra = {}
        if "period" in data:
            extra["period"] = _period(data["period"])
        if "rule_items" in data:
            extra["rule_items"] = _rule_items(evidence.unit, data["rule_items"])
        for name in ("title", "text", "date", "started_on", "author"):
            if name in data:
                extra[name] = data[name]
        revised = _call(
            services.evidence_revise,
            user=request.user,
            evidence=evidence,
            expected_version=data["version"],
            captions=captions,
            remove_file_ids=data["remove_files"],
            add_files=_file_ins(data["files"], data["captions"]),
            note=data["note"],
            **extra,
        )
        return self._out(revised)

    REVISE_SCHEMA = {
        "parameters": [VERSION_PARAM],
        "request": {"multipart/form-data": EvidenceReviseSerializer, "application/json": EvidenceReviseSerializer},
        "responses": {
            200: EvidenceSerializer,
            400: ArchiveDetailSerializer,
            403: ArchiveDetailSerializer,
            404: ArchiveDetailSerializer,
            409: OpenApiResponse(
                ArchiveDetailSerializer, description="the record changed since `version`, or is withdrawn"
            ),
        },
        "description": "Write the next version of the record (the old one is kept). Send the `version` you saw: "
        "a stale version is a 409 and nothing changes. Change captions with `file_captions`, remove files with "
        "`remove_files`, add files with `files` and `captions`.",
    }

    @extend_schema(**REVISE_SCHEMA)
    def partial_update(self, request, pk=None):
        return self._revise(request)

    @extend_schema(**REVISE_SCHEMA)
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        return self._revise(request)

    @extend_schema(
        parameters=[VERSION_PARAM],
        request=WithdrawSerializer,
        responses={
            200: EvidenceSerializer,
            400: ArchiveDetailSerializer,
            403: ArchiveDetailSerializer,
            409: ArchiveDetailSerializer,
        },
        description="Withdraw a record filed by mistake: a last version marked withdrawn; the reason is kept.",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        evidence = self.get_object()
        payload = WithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        withdrawn = _call(
            services.evidence_withdraw,
            user=request.user,
            evidence=evidence,
            expected_version=payload.validated_data.get("version"),
            reason=payload.validated_data["reason"],
        )
        return self._out(withdrawn)

    @extend_schema(parameters=[VERSION_PARAM, FILE_PARAM], responses=FILE_RESPONSES)
    @action(
        detail=True,
        methods=["get"],
        url_path=r"files/(?P<file_id>[0-9]+)",
        url_name="file",
        renderer_classes=DOWNLOAD_RENDERERS,
    )
    def file(self, request, pk=None, file_id=None):
        """One file of this version of the record, as stored (404 when it is not one of its files)."""
        evidence = self.get_object()
        f = EvidenceFile.objects.filter(evidence=evidence, pk=file_id).first()
        if f is None:
            raise Http404
        return _file_response(f.file, filename=f.name, content_type=f.content_type)
