"""/api/v1/evidence/, /meetings/, /mechanisms/, /archive-templates/, /archives/ (completeness and the
filled-in skeleton) and /binders/: thin adapters over the archive services, selectors and jobs.

Every read is scoped through ``accounts.access`` with ``Perm.ARCHIVE_VIEW``: an object outside the
caller's places is 404, a unit outside them named in a query or a body is 404 (queries) or a 400
naming the field (bodies). Service refusals become API errors: ValidationError → 400 (``detail``
plus the fields), NotPermitted → 403, Conflict → 409 (someone changed the record since the client
read it: send the ``version`` you saw, reload on 409)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404, restrict
from gongjian.api.parsers import BoundedJSONParser
from gongjian.archives import completeness, jobs, periods, selectors, services, skeleton
from gongjian.archives.choices import (
    BinderFormat,
    DecisionStatus,
    EvidenceKind,
    Interval,
    JobStatus,
    MechanismKind,
    MeetingKind,
    TemplateStatus,
)
from gongjian.archives.models import (
    ArchiveTemplate,
    BinderJob,
    Evidence,
    EvidenceFile,
    Mechanism,
    Meeting,
    MeetingDecision,
    MeetingPhoto,
    TemplateSection,
)
from gongjian.archives.uploads import upload_problem
from gongjian.assessments.models import RuleItem, RuleSet
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.exporters import download_response
from gongjian.core.storage import file_response
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestor_ids_sql, subtree_ids_sql

# The largest id a database key holds (a bigint); a larger number in a query or body is a 400.
MAX_ID = 2**63 - 1


def positive_int(**kwargs) -> serializers.IntegerField:
    """An id or version: a whole number from 1 to MAX_ID (larger ones are a 400, not a database error)."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


PERIOD_HELP = "a year (2026), a quarter (2026-Q3) or a month (2026-07)"


# --- errors ---------------------------------------------------------------------------------------


class StaleVersion(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Someone else changed this since you opened it; reload and try again.")
    default_code = "conflict"


def _bad(field: str, message) -> ValidationError:
    """A 400 naming the field, with the message also as ``detail``."""
    return ValidationError({"detail": str(message), field: [str(message)]})


def _errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        detail = " ".join(f"{m}" for messages in fields.values() for m in messages)
        return {"detail": detail, **fields}
    return {"detail": " ".join(str(m) for m in exc.messages)}


def _call(service, **kwargs):
    """Run a service; its refusals become API errors (400, 403, 409)."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(_errors(exc)) from None
    except NotPermitted as exc:
        raise PermissionDenied(str(exc.message)) from None
    except Conflict as exc:
        raise StaleVersion(str(exc.message)) from None


# --- shared lookups -------------------------------------------------------------------------------


def _period(value, field: str = "period") -> periods.Period:
    if value in (None, ""):
        raise _bad(field, _("Give the period: a year (2026), a quarter (2026-Q3) or a month (2026-07)."))
    try:
        return periods.parse(str(value))
    except ValueError:
        raise _bad(
            field,
            _("“%(value)s” is not a period; give a year (2026), a quarter (2026-Q3) or a month (2026-07).")
            % {"value": str(value)[:40]},
        ) from None


def _unit_id(value, field: str = "unit") -> int:
    if value in (None, ""):
        raise _bad(field, _("Give the unit's id."))
    try:
        unit_id = int(value)
    except (TypeError, ValueError):
        unit_id = 0
    if not 1 <= unit_id <= MAX_ID:
        raise _bad(field, _("The unit must be given by its id (a whole number)."))
    return unit_id


def _visible_unit(actor, value, *, field: str = "unit") -> Unit:
    """A unit in the caller's archive scope named in a query: 400 when malformed, 404 outside scope."""
    return get_scoped_or_404(Unit.objects.all(), actor, Perm.ARCHIVE_VIEW, unit_field="id", id=_unit_id(value, field))


def _body_unit(actor, unit_id: int, *, field: str = "unit") -> Unit:
    """A unit named in a request body: a 400 naming the field when it is not one the caller keeps
    archives for (whether it exists or not)."""
    unit = restrict(Unit.objects.filter(id=unit_id), actor, Perm.ARCHIVE_VIEW, unit_field="id").first()
    if unit is None:
        raise _bad(field, _("There is no unit %(id)s among the units whose archive you keep.") % {"id": unit_id})
    return unit


def _rule_items(unit: Unit, ids, *, field: str = "rule_items") -> list[RuleItem]:
    """Rule items of the unit's city, by id; a 400 naming any id that is not one."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    city_id = selectors.city_id_of(unit)
    found = {item.id: item for item in RuleItem.objects.filter(id__in=ids, ruleset__city_id=city_id)}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise _bad(
            field,
            _("Not an assessment item of this city's rule sets: %(ids)s") % {"ids": ", ".join(map(str, unknown))},
        )
    return [found[i] for i in ids]


def _file_ins(files, captions, *, field: str = "files") -> list[services.FileIn]:
    """Uploads with their captions (the n-th caption goes with the n-th file)."""
    if len(captions) > len(files):
        raise _bad("captions", _("There are more captions than files."))
    if problem := upload_problem(files, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES):
        raise _bad(field, problem)
    out = []
    for n, upload in enumerate(files):
        name = upload.name or "file"
        out.append(services.FileIn(name=name, data=upload.read(), caption=captions[n] if n < len(captions) else ""))
    return out


def _absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def _file_response(field, *, filename: str, content_type: str) -> FileResponse:
    return file_response(field, content_type=content_type, filename=filename, cache_control="private, no-store")


def _within(queryset, period: periods.Period):
    """Records filed in the period or in a period inside it (as ``selectors.period_records``)."""
    queryset = queryset.filter(period_start__gte=period.start, period_start__lte=period.end)
    if period.kind == periods.MONTH:
        return queryset.filter(period_kind=periods.MONTH)
    if period.kind == periods.QUARTER:
        return queryset.exclude(period_kind=periods.YEAR)
    return queryset


class DownloadRenderer(BaseRenderer):
    """Lets a client that asks for the file's own type (``Accept: application/pdf``) reach a
    download; errors still come as JSON."""

    media_type = "*/*"
    format = "download"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


DOWNLOAD_RENDERERS = [JSONRenderer, DownloadRenderer]

_CHOICE_FIELDS: dict[type, type] = {}


def choice_field(choices, *, help_text: str = "", **kwargs) -> serializers.ChoiceField:
    """A ChoiceField documented as a string listing its values: several apps name a field ``kind``
    or ``status`` with different choices, and drf-spectacular's enum components would collide."""
    cls = _CHOICE_FIELDS.get(choices)
    if cls is None:
        cls = type(f"{choices.__name__}Field", (serializers.ChoiceField,), {})
        cls = extend_schema_field(OpenApiTypes.STR)(cls)
        _CHOICE_FIELDS[choices] = cls
    values = "one of: " + ", ".join(choices.values)
    return cls(choices=choices.choices, help_text=f"{help_text}; {values}" if help_text else values, **kwargs)


# --- small shapes ---------------------------------------------------------------------------------


class ArchiveDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ArchiveUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()


class ArchiveRuleItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)


def _unit_query_params(*, required: bool = False) -> list[OpenApiParameter]:
    return [
        OpenApiParameter("unit", int, required=required, description="unit id"),
        OpenApiParameter("period", str, required=required, description=PERIOD_HELP),
    ]


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


# --- the unified template -------------------------------------------------------------------------


class RequirementSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    description = serializers.CharField(max_length=200)
    kinds = serializers.ListField(
        child=choice_field(EvidenceKind),
        required=False,
        default=list,
        help_text="kinds of record that count; empty: any",
    )
    interval = choice_field(Interval, required=False, default=Interval.YEARLY)
    min_records = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=1)
    min_photos = serializers.IntegerField(
        min_value=0, max_value=100, required=False, default=0, help_text="captioned photos per record"
    )


class SectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    rule_item = ArchiveRuleItemSerializer()
    guidance = serializers.CharField()
    requirements = RequirementSerializer(many=True)


class TemplateRuleSetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    effective_from = serializers.DateField(format="%Y-%m")


class TemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = choice_field(TemplateStatus)
    ruleset = TemplateRuleSetSerializer()
    published_at = serializers.DateTimeField(allow_null=True)
    sections = SectionSerializer(many=True)


class SectionInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    rule_item = positive_int(help_text="id of an item of the rule set")
    guidance = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    requirements = RequirementSerializer(many=True, required=False, default=list)


class TemplateCreateSerializer(serializers.Serializer):
    ruleset = positive_int(help_text="id of a rule set of your city")
    name = serializers.CharField(max_length=120)
    sections = SectionInSerializer(many=True, allow_empty=False, help_text="in binder order")


def _cities(actor, perm: Perm) -> Q:
    """A filter of rule sets (``city_id``) to the cities where the actor holds ``perm`` anywhere."""
    if not actor.has_perm(perm):
        return Q(pk__in=[])
    if actor.sees_everything(perm):
        return Q()
    roots = actor.root_unit_ids(perm)
    if not roots:
        return Q(pk__in=[])
    cities = Unit.objects.filter(id__in=ancestor_ids_sql(roots), level=UnitLevel.CITY).values("id")
    return Q(city_id__in=cities)


def _template_queryset():
    sections = TemplateSection.objects.select_related("rule_item").prefetch_related("requirements")
    return ArchiveTemplate.objects.select_related("ruleset").prefetch_related(
        Prefetch("sections", queryset=sections.order_by("position", "id"))
    )


def templates_visible(actor):
    """Published templates of the cities the actor keeps or reads archives in; drafts too for the
    city office that writes them."""
    readable = RuleSet.objects.filter(_cities(actor, Perm.ARCHIVE_VIEW)).values("id")
    writable = RuleSet.objects.filter(_cities(actor, Perm.TEMPLATE_MANAGE)).values("id")
    return _template_queryset().filter(
        Q(ruleset_id__in=writable) | Q(ruleset_id__in=readable, status=TemplateStatus.PUBLISHED)
    )


TEMPLATE_PARAM = OpenApiParameter("id", int, OpenApiParameter.PATH)


class ArchiveTemplateViewSet(viewsets.GenericViewSet):
    """The city's unified template (台帐资料样本): binder sections in order, each mapped to a rule
    item, with what evidence it requires."""

    serializer_class = TemplateSerializer
    parser_classes = [BoundedJSONParser]
    queryset = ArchiveTemplate.objects.none()

    def get_object(self) -> ArchiveTemplate:
        try:
            return templates_visible(actor_for(self.request.user)).get(pk=int(self.kwargs["pk"]))
        except (ArchiveTemplate.DoesNotExist, ValueError):
            raise Http404 from None

    def _out(self, template, *, code=status.HTTP_200_OK) -> Response:
        return Response(TemplateSerializer(_template_queryset().get(pk=template.pk)).data, status=code)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=TemplateStatus.values)],
        responses=TemplateSerializer(many=True),
    )
    def list(self, request):
        rows = templates_visible(actor_for(request.user)).order_by("-ruleset__effective_from", "-id")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in TemplateStatus.values:
                raise _bad("status", _("Choose draft or published."))
            rows = rows.filter(status=wanted)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(TemplateSerializer(page, many=True).data)

    @extend_schema(parameters=[TEMPLATE_PARAM], responses={200: TemplateSerializer, 404: ArchiveDetailSerializer})
    def retrieve(self, request, pk=None):
        return Response(TemplateSerializer(self.get_object()).data)

    @extend_schema(
        request=TemplateCreateSerializer,
        responses={201: TemplateSerializer, 400: ArchiveDetailSerializer, 403: ArchiveDetailSerializer},
        description="A draft template for a rule set of your city (the city office only); publish it with `publish/`.",
    )
    def create(self, request):
        actor = actor_for(request.user)
        if not actor.has_perm(Perm.TEMPLATE_MANAGE):
            raise PermissionDenied(_("Only the city office publishes the archive template."))
        payload = TemplateCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ruleset = RuleSet.objects.filter(_cities(actor, Perm.TEMPLATE_MANAGE), pk=data["ruleset"]).first()
        if ruleset is None:
            raise _bad("ruleset", _("There is no rule set %(id)s in your city.") % {"id": data["ruleset"]})
        wanted = [s["rule_item"] for s in data["sections"]]
        items = {i.id: i for i in RuleItem.objects.filter(ruleset=ruleset, id__in=wanted)}
        unknown = [i for i in wanted if i not in items]
        if unknown:
            raise _bad(
                "sections",
                _("Not an item of this rule set: %(ids)s") % {"ids": ", ".join(map(str, dict.fromkeys(unknown)))},
            )
        sections = [
            services.SectionIn(
                title=s["title"],
                rule_item=items[s["rule_item"]],
                guidance=s["guidance"],
                requirements=tuple(
                    services.RequirementIn(
                        description=r["description"],
                        kinds=tuple(r["kinds"]),
                        interval=r["interval"],
                        min_records=r["min_records"],
                        min_photos=r["min_photos"],
                    )
                    for r in s["requirements"]
                ),
            )
            for s in data["sections"]
        ]
        template = _call(
            services.template_create, user=request.user, ruleset=ruleset, name=data["name"], sections=sections
        )
        return self._out(template, code=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[TEMPLATE_PARAM],
        request=None,
        responses={
            200: TemplateSerializer,
            403: ArchiveDetailSerializer,
            404: ArchiveDetailSerializer,
            409: ArchiveDetailSerializer,
        },
        description="Publish the template: communities are audited against it from now on (409 when it is "
        "already published).",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        template = _call(services.template_publish, user=request.user, template=self.get_object())
        return self._out(template)


# --- completeness and the skeleton ----------------------------------------------------------------


class SlotSerializer(serializers.Serializer):
    slot = serializers.CharField(help_text="the month, quarter or year the requirement is due in")
    requirement = serializers.CharField()
    need = serializers.IntegerField()
    have = serializers.IntegerField()
    met = serializers.BooleanField()


class SectionAuditSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    rule_item = serializers.IntegerField()
    rule_item_code = serializers.CharField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    due = serializers.IntegerField()
    met = serializers.IntegerField()
    percent = serializers.IntegerField()
    points_at_risk = serializers.DecimalField(max_digits=7, decimal_places=2)
    records = serializers.IntegerField(help_text="records that count for the item")
    slots = SlotSerializer(many=True)


class MechanismAuditSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField()
    title = serializers.CharField()
    interval = serializers.CharField()
    expected = serializers.ListField(child=serializers.CharField())
    missed = serializers.ListField(child=serializers.CharField())
    dead_letter = serializers.BooleanField()


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="missing, no_caption, no_photos, outside_period, reused_photo, photo_date, dead_letter, "
        "no_mechanism or no_template"
    )
    message = serializers.CharField()
    record_key = serializers.CharField(allow_blank=True, help_text="the record it is about, if any")
    file_id = serializers.IntegerField(allow_null=True)
    section = serializers.IntegerField(allow_null=True, help_text="template section id")
    rule_item = serializers.IntegerField(allow_null=True)
    slot = serializers.CharField(allow_blank=True)


class CompletenessSerializer(serializers.Serializer):
    unit = ArchiveUnitSerializer()
    period = serializers.CharField()
    has_template = serializers.BooleanField()
    percent = serializers.IntegerField(help_text="met slots over due slots")
    due = serializers.IntegerField()
    met = serializers.IntegerField()
    points_at_risk = serializers.DecimalField(max_digits=8, decimal_places=2)
    sections = SectionAuditSerializer(many=True)
    mechanisms = MechanismAuditSerializer(many=True)
    missing_mechanisms = serializers.ListField(child=serializers.CharField())
    findings = FindingSerializer(many=True)


def audit_out(unit: Unit, audit: completeness.Audit) -> dict:
    return {
        "unit": unit,
        "period": audit.period.code,
        "has_template": audit.has_template,
        "percent": audit.percent,
        "due": audit.due,
        "met": audit.met,
        "points_at_risk": audit.points_at_risk,
        "sections": [
            {
                "id": s.section.id,
                "position": s.section.position,
                "title": s.section.title,
                "rule_item": s.section.rule_item_id,
                "rule_item_code": s.section.rule_item_code,
                "points": s.section.points,
                "due": s.due,
                "met": s.met,
                "percent": s.percent,
                "points_at_risk": s.points_at_risk,
                "records": len(s.records),
                "slots": [
                    {
                        "slot": slot.slot.code,
                        "requirement": slot.requirement.description,
                        "need": slot.requirement.min_records,
                        "have": len(slot.records),
                        "met": slot.met,
                    }
                    for slot in s.slots
                ],
            }
            for s in audit.sections
        ],
        "mechanisms": [
            {
                "id": m.mechanism.id,
                "kind": m.mechanism.kind,
                "label": m.mechanism.label,
                "title": m.mechanism.title,
                "interval": m.mechanism.interval,
                "expected": [p.code for p in m.expected],
                "missed": [p.code for p in m.missed],
                "dead_letter": m.dead_letter,
            }
            for m in audit.mechanisms
        ],
        "missing_mechanisms": list(audit.missing_mechanisms),
        "findings": [
            {
                "code": f.code,
                "message": f.message,
                "record_key": f.record_key,
                "file_id": f.file_id,
                "section": f.section_id,
                "rule_item": f.rule_item_id,
                "slot": f.slot,
            }
            for f in audit.findings
        ],
    }


class ArchiveViewSet(viewsets.GenericViewSet):
    """A unit's archive for a period: its completeness audit and the filled-in template."""

    serializer_class = CompletenessSerializer
    pagination_class = None
    queryset = Unit.objects.none()

    def _unit_and_period(self, request) -> tuple[Unit, periods.Period]:
        params = request.query_params
        _unit_id(params.get("unit"))  # a malformed unit is a 400 before the period is looked at
        period = _period(params.get("period"))
        return _visible_unit(actor_for(request.user), params.get("unit")), period

    @extend_schema(
        parameters=_unit_query_params(required=True),
        responses={200: CompletenessSerializer, 400: ArchiveDetailSerializer, 404: ArchiveDetailSerializer},
        description="The completeness audit of one unit's archive for one period against the template in force: "
        "slots due and met, points at risk per item, mechanisms that are a dead letter, and every finding "
        "(missing evidence, photos without captions, records dated outside their period, reused photos...).",
    )
    @action(detail=False, methods=["get"])
    def completeness(self, request):
        unit, period = self._unit_and_period(request)
        return Response(CompletenessSerializer(audit_out(unit, selectors.audit_unit(unit, period))).data)

    @extend_schema(
        parameters=_unit_query_params(required=True),
        responses={
            (200, skeleton.DOCX): OpenApiTypes.BINARY,
            400: ArchiveDetailSerializer,
            404: ArchiveDetailSerializer,
        },
        description="The template in force as a Word file, filled in with what the unit has filed and what is "
        "still missing, with space to write in.",
    )
    @action(detail=False, methods=["get"], renderer_classes=DOWNLOAD_RENDERERS)
    def skeleton(self, request):
        unit, period = self._unit_and_period(request)
        return download_response(skeleton.skeleton_docx(unit, period))


# --- binders --------------------------------------------------------------------------------------


class ShownTextField(serializers.CharField):
    """A job's stage or message, stored in English, in the caller's language."""

    def to_representation(self, value):
        return jobs.shown(value)


class BinderJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = ArchiveUnitSerializer()
    period = serializers.SerializerMethodField()
    format = choice_field(BinderFormat)
    status = choice_field(JobStatus)
    progress = serializers.IntegerField(help_text="0–100")
    stage = ShownTextField()
    message = ShownTextField()
    attempts = serializers.IntegerField()
    filename = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField(help_text="of the file, once done")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.SerializerMethodField()

    def get_period(self, job) -> str:
        return jobs.job_period(job).code

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, job):
        if job.status != JobStatus.DONE or not job.file:
            return None
        return _absolute(self.context["request"], "binder-download", pk=job.pk)


class BinderRequestSerializer(serializers.Serializer):
    unit = positive_int()
    period = serializers.CharField(help_text=PERIOD_HELP)
    format = choice_field(BinderFormat, default=BinderFormat.PDF)


BINDER_PARAM = OpenApiParameter("id", int, OpenApiParameter.PATH)


class BinderViewSet(viewsets.GenericViewSet):
    """Binders made in the background: POST asks for one (202 with the job), GET the job until it
    is done, then download the file."""

    serializer_class = BinderJobSerializer
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]
    queryset = BinderJob.objects.none()

    def get_object(self) -> BinderJob:
        return get_scoped_or_404(
            BinderJob.objects.select_related("unit", "job"),
            actor_for(self.request.user),
            Perm.ARCHIVE_VIEW,
            pk=self.kwargs["pk"],
        )

    def _out(self, job, *, code=status.HTTP_200_OK) -> Response:
        return Response(BinderJobSerializer(job, context={"request": self.request}).data, status=code)

    @extend_schema(responses=BinderJobSerializer(many=True))
    def list(self, request):
        """Binder jobs of the caller's places, newest first."""
        rows = restrict(BinderJob.objects.select_related("unit", "job"), actor_for(request.user), Perm.ARCHIVE_VIEW)
        page = self.paginate_queryset(rows.order_by("-created_at", "-id"))
        return self.get_paginated_response(BinderJobSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        request=BinderRequestSerializer,
        responses={
            202: BinderJobSerializer,
            400: ArchiveDetailSerializer,
            403: ArchiveDetailSerializer,
            404: OpenApiResponse(ArchiveDetailSerializer, description="the unit is outside your places"),
        },
        description="Ask for a binder (PDF, or a ZIP of the original files) of a unit and period. The same binder "
        "already queued or running is returned instead of a second job.",
    )
    def create(self, request):
        payload = BinderRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        period = _period(data["period"])
        unit = _visible_unit(actor_for(request.user), data["unit"])
        job = _call(jobs.request_binder, user=request.user, unit=unit, period=period, format=data["format"])
        job = BinderJob.objects.select_related("unit", "job").get(pk=job.pk)
        return self._out(job, code=status.HTTP_202_ACCEPTED)

    @extend_schema(parameters=[BINDER_PARAM], responses={200: BinderJobSerializer, 404: ArchiveDetailSerializer})
    def retrieve(self, request, pk=None):
        """The job as it stands (a job whose worker stopped is retried or failed first)."""
        return self._out(jobs.refresh(self.get_object()))

    @extend_schema(
        parameters=[BINDER_PARAM],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "application/zip"): OpenApiTypes.BINARY,
            404: OpenApiResponse(ArchiveDetailSerializer, description="not done yet, or outside your places"),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=DOWNLOAD_RENDERERS)
    def download(self, request, pk=None):
        job = jobs.refresh(self.get_object())
        if job.status != JobStatus.DONE or not job.file:
            raise Http404(_("The binder is not ready."))
        content_type = "application/pdf" if job.format == BinderFormat.PDF else "application/zip"
        return _file_response(job.file, filename=job.filename, content_type=content_type)
