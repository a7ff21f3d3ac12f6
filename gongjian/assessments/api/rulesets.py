"""/api/v1/rulesets/: the city's rule sets (考评细则) — read, new versions from JSON or a file,
Excel export."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for
from gongjian.api.parsers import BoundedJSONParser
from gongjian.assessments import importexport, selectors, services
from gongjian.assessments.api.common import (
    MAX_UPLOAD_BYTES,
    DetailSerializer,
    MonthTextField,
    _call,
    forbidden,
    invalid,
    known_categories,
)
from gongjian.assessments.choices import Frequency, Indicator, Method
from gongjian.assessments.rulespec import RuleSetInvalid, parse_ruleset
from gongjian.core.exporters import XLSX, download_response

# --- serializers (they also document the API's shapes) -------------------------------------------------------------


class RuleItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="e.g. 1.2; unique in the rule set")
    name = serializers.CharField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2, coerce_to_string=True)
    frequency = serializers.ChoiceField(choices=Frequency.values, required=False)
    level = serializers.CharField(required=False, help_text="community or compound; absent: both levels")
    method = serializers.ChoiceField(choices=Method.values, required=False, help_text="leaves only")
    per_occurrence = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    categories = serializers.ListField(child=serializers.CharField(), required=False)
    grades = serializers.ListField(child=serializers.DecimalField(max_digits=5, decimal_places=2), required=False)
    indicator = serializers.ChoiceField(choices=Indicator.values, required=False, help_text="rate items")
    threshold = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    per_point = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    children = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="sub-items, in the same shape"
    )


class RuleSetHeaderSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField()
    effective_from = MonthTextField(help_text="YYYY-MM")
    total_points = serializers.DecimalField(max_digits=7, decimal_places=2)
    overdue_deduction = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    rework_deduction = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    relapse_deduction = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    fold_into_monthly_from = MonthTextField(required=False, allow_null=True, help_text="YYYY-MM")
    levels = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="ranked levels: community, compound"
    )
    flag_level = serializers.CharField(required=False, help_text="community or compound")
    red_flag_threshold = serializers.DecimalField(max_digits=5, decimal_places=4, required=False)
    list_size = serializers.IntegerField(required=False)
    policy = serializers.ListField(child=serializers.DictField(), required=False)


class RuleSetSerializer(RuleSetHeaderSerializer):
    items = RuleItemSerializer(many=True)


class RuleSetOutSerializer(RuleSetSerializer):
    id = serializers.IntegerField(read_only=True)


class RuleSetSummarySerializer(RuleSetHeaderSerializer):
    id = serializers.IntegerField(read_only=True)


class RuleSetErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.ListField(child=serializers.CharField())


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="an .xlsx workbook (as exported) or a .json file")


class XlsxRenderer(BaseRenderer):
    """Lets ``/rulesets/{id}/export.xlsx`` resolve (the router's format suffix); the view returns the file."""

    media_type = XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


def _ruleset_out(ruleset) -> dict:
    return {"id": ruleset.pk, **importexport.ruleset_to_json(ruleset)}


# --- rule sets ------------------------------------------------------------------------------------------------------


class RuleSetViewSet(viewsets.GenericViewSet):
    """Rule sets (考评细则) of the caller's city: read them, create a new version from the JSON shape
    or from a file, and download one as an Excel workbook the city office can edit and re-import.

    The list gives each version's settings (without its items); one rule set gives its items too,
    nested as ``children``. Creating needs the assessment-management permission (city office)."""

    parser_classes = [BoundedJSONParser]
    serializer_class = RuleSetOutSerializer

    def get_queryset(self):
        return selectors.rulesets(actor=actor_for(self.request.user))

    def get_object(self):
        return selectors.ruleset_get(actor=actor_for(self.request.user), ruleset_id=self.kwargs["pk"])

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Errors of the .xlsx download are JSON like every other error.
        if isinstance(response, Response) and isinstance(getattr(response, "accepted_renderer", None), XlsxRenderer):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(responses=RuleSetSummarySerializer(many=True))
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        # Plain data as ruleset_to_json gives it (decimals as compact strings: "0.5", not "0.50").
        return self.get_paginated_response([{"id": r.pk, **importexport.header_json(r)} for r in page])

    @extend_schema(responses=RuleSetOutSerializer)
    def retrieve(self, request, pk=None):
        return Response(_ruleset_out(self.get_object()))

    def _create_from(self, request, load) -> Response:
        actor = actor_for(request.user)
        if not actor.has_perm(Perm.ASSESSMENT_MANAGE):
            return forbidden()
        city = selectors.city_of(actor)
        if city is None:
            return forbidden()
        try:
            data = load()
            if isinstance(data, dict):  # the API numbers versions itself
                data = {**data, "version": services.ruleset_next_version(city=city)}
            spec = parse_ruleset(data, known_categories=known_categories())
        except RuleSetInvalid as exc:
            return invalid(exc.errors)
        result = _call(services.ruleset_create, user=request.user, city=city, spec=spec)
        if isinstance(result, Response):
            return result
        return Response(_ruleset_out(result), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RuleSetSerializer,
        responses={201: RuleSetOutSerializer, 400: RuleSetErrorSerializer, 403: DetailSerializer},
        description="Checks the whole rule set (codes, parents, points adding up, each method's settings) and "
        "answers 400 listing every problem; nothing is saved unless there are none. The version number is "
        "picked by the API: one more than the city's highest (a `version` sent is ignored).",
    )
    def create(self, request):
        return self._create_from(request, lambda: request.data)

    def _update(self, request, *, partial: bool) -> Response:
        ruleset = self.get_object()
        actor = actor_for(request.user)
        if not actor.has_perm(Perm.ASSESSMENT_MANAGE):
            return forbidden()
        if not isinstance(request.data, dict):
            return invalid([_("Send the rule set as a JSON object.")])
        current = importexport.ruleset_to_json(ruleset)
        data = {**current, **request.data} if partial else dict(request.data)
        data["version"] = ruleset.version  # a correction keeps its version
        try:
            spec = parse_ruleset(data, known_categories=known_categories())
        except RuleSetInvalid as exc:
            return invalid(exc.errors)
        result = _call(services.ruleset_update, user=request.user, ruleset=ruleset, spec=spec)
        if isinstance(result, Response):
            return result
        return Response(_ruleset_out(result))

    @extend_schema(
        request=RuleSetSerializer,
        responses={
            200: RuleSetOutSerializer,
            400: RuleSetErrorSerializer,
            403: DetailSerializer,
            404: DetailSerializer,
            409: OpenApiResponse(DetailSerializer, description="a published month uses it: create a new version"),
        },
        description="Correct a rule set in place (the whole rule set, as for creating it), while no published "
        "month uses it; months computed with it become stale. Its version stays. 409 once a published month "
        "uses it: it is frozen, and a new version is the only way.",
    )
    def update(self, request, pk=None):
        return self._update(request, partial=False)

    @extend_schema(
        request=RuleSetSerializer(partial=True),
        responses={
            200: RuleSetOutSerializer,
            400: RuleSetErrorSerializer,
            403: DetailSerializer,
            404: DetailSerializer,
            409: OpenApiResponse(DetailSerializer, description="a published month uses it: create a new version"),
        },
        description="Correct some fields of a rule set (`items`, when given, replace all items); the same rules "
        "as PUT.",
    )
    def partial_update(self, request, pk=None):
        return self._update(request, partial=True)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={201: RuleSetOutSerializer, 400: RuleSetErrorSerializer, 403: DetailSerializer},
        description="Create a rule set from a file: an Excel workbook as given by export.xlsx (sheets of items and "
        "settings) or a .json file in the JSON shape. Errors name the sheet, row and column.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Choose an .xlsx or .json file.")]})
        if upload.size > MAX_UPLOAD_BYTES:
            return invalid([_("The file is too large (at most 5 MB).")])

        def load():
            content = upload.read()
            name = (upload.name or "").lower()
            if name.endswith(".json") or (not name.endswith(".xlsx") and not content.startswith(b"PK")):
                return importexport.ruleset_from_json(content)
            return importexport.ruleset_from_xlsx(content)

        return self._create_from(request, load)

    @extend_schema(
        responses={(200, XLSX): OpenApiTypes.BINARY, 404: DetailSerializer},
        description="The rule set as an Excel workbook; also at `/api/v1/rulesets/{id}/export.xlsx`.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="export",
        url_name="export",
        renderer_classes=[XlsxRenderer, JSONRenderer],
    )
    def export(self, request, pk=None, format=None):
        return download_response(importexport.RuleSetExcelExporter(self.get_object()).render())
