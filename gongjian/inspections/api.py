"""/api/v1/problems/ and /api/v1/categories/: thin adapters over the services and selectors."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.fields import empty
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from gongjian.accounts.access import actor_for
from gongjian.api.errors import form_errors
from gongjian.api.fast_rows import FastRowsMixin
from gongjian.api.parsers import BoundedJSONParser
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.inspections import fieldwork, selectors, services
from gongjian.inspections.choices import PointType, ProblemStatus, Severity
from gongjian.inspections.filters import ProblemFilterForm, StatsFilterForm
from gongjian.inspections.mapping import problem_features, still_worked_on_unless
from gongjian.inspections.models import Category, Problem, ProblemPhoto


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "group",
            "legacy_code",
            "is_local",
            "deadline_amount",
            "deadline_unit",
            "relapse_window_days",
        ]


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ProblemPhoto
        fields = [
            "id",
            "stage",
            "url",
            "thumbnail_url",
            "sha256",
            "width",
            "height",
            "taken_at",
            "latitude",
            "longitude",
        ]

    def get_url(self, photo) -> str:
        return self.context["request"].build_absolute_uri(reverse("problems:photo", args=[photo.pk, "full"]))

    def get_thumbnail_url(self, photo) -> str:
        return self.context["request"].build_absolute_uri(reverse("problems:photo", args=[photo.pk, "thumb"]))


class ProblemListSerializer(FastRowsMixin, serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    unit_name = serializers.CharField(source="unit.name")
    overdue = serializers.BooleanField(source="is_overdue")
    late = serializers.BooleanField(source="is_late")

    class Meta:
        model = Problem
        fields = [
            "id",
            "number",
            "status",
            "category",
            "category_name",
            "unit",
            "unit_name",
            "point_type",
            "address",
            "latitude",
            "longitude",
            "severity",
            "found_at",
            "deadline",
            "overdue",
            "late",
            "rework_count",
            "relapse_of",
        ]


# The columns the list serializer reads (is_late: submitted_at): a page of 50 problems no longer
# loads the other dozen columns (bench/README.md "What a request costs").
LIST_FIELDS = (
    *(
        f
        for f in ProblemListSerializer.Meta.fields
        if f not in ("category", "category_name", "unit_name", "overdue", "late")
    ),
    "category__code",
    "category__name",
    "unit__name",
    "submitted_at",
)


class ProblemDetailSerializer(ProblemListSerializer):
    photos = PhotoSerializer(many=True, read_only=True)
    reporter = serializers.CharField(source="reporter.__str__")

    class Meta(ProblemListSerializer.Meta):
        fields = [
            *ProblemListSerializer.Meta.fields,
            "description",
            "reporter",
            "original_deadline",
            "submitted_at",
            "closed_at",
            "void_reason",
            "version",
            "photos",
        ]


class ProblemCreateSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=10)
    unit = serializers.IntegerField(min_value=1)
    description = serializers.CharField(max_length=2000)
    address = serializers.CharField(max_length=200)
    point_type = serializers.ChoiceField(choices=PointType.choices, default=PointType.COMPOUND)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180)
    found_at = serializers.DateTimeField(required=False)
    inspection = serializers.IntegerField(required=False, min_value=1, help_text="inspection round id")
    photos = serializers.ListField(child=serializers.FileField(), allow_empty=False)


class RectifySerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)
    photos = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    version = serializers.IntegerField(required=False)


class ExplicitBooleanField(serializers.BooleanField):
    """A yes/no that must be given: DRF's BooleanField reads a missing value in form data as
    False, which would turn "no answer" into a failed review."""

    default_empty_html = empty


class ReviewSerializer(serializers.Serializer):
    passed = ExplicitBooleanField(help_text="true: passed, close the case; false: failed, send back for rework")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(required=False)


class ExtendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False)
    deadline = serializers.DateTimeField(required=False)
    decision = serializers.ChoiceField(choices=["approve", "reject"], required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    note = serializers.CharField()


def _read_uploads(files) -> list[bytes]:
    return [f.read() for f in files]


def _call(service, **kwargs):
    """Run a service and turn its refusals into API errors (400, 403, 409)."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    except NotPermitted as exc:
        return Response({"detail": str(exc.message)}, status=status.HTTP_403_FORBIDDEN)
    except services.DuplicateReport as exc:
        return Response(
            {"detail": str(exc.message), "duplicate_of": exc.problem.pk, "number": exc.problem.number},
            status=status.HTTP_409_CONFLICT,
        )
    except Conflict as exc:
        return Response({"detail": str(exc.message)}, status=status.HTTP_409_CONFLICT)


PROBLEM_CREATED = inline_serializer(
    "ProblemCreated",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "status": serializers.CharField(),
        "deadline": serializers.DateTimeField(),
    },
)


class ProblemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Problems found in inspections, and the rectification loop."""

    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]

    def get_serializer_class(self):
        return ProblemListSerializer if self.action == "list" else ProblemDetailSerializer

    def get_queryset(self):
        actor = actor_for(self.request.user)
        form = ProblemFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        problems = selectors.problem_list(actor=actor, **form.cleaned_data)
        if self.action == "list":
            problems = problems.only(*LIST_FIELDS)
        return problems

    def get_object(self):
        problem = selectors.problem_get(actor=actor_for(self.request.user), problem_id=self.kwargs["pk"])
        if self.action == "retrieve":
            problem = (
                Problem.objects.prefetch_related("photos")
                .select_related("category", "unit", "reporter")
                .get(pk=problem.pk)
            )
        return problem

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ProblemStatus.values),
            OpenApiParameter("category", str, description="category code"),
            OpenApiParameter("unit", int, description="unit id; its whole subtree"),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("relapse", bool),
            OpenApiParameter("found_after", str, description="YYYY-MM-DD"),
            OpenApiParameter("found_before", str, description="YYYY-MM-DD"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ProblemCreateSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="a UUID made by the client; sending it again returns the first result (200)",
            )
        ],
        responses={200: PROBLEM_CREATED, 201: PROBLEM_CREATED},
    )
    def create(self, request):
        payload = ProblemCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        actor = actor_for(request.user)
        category = Category.objects.filter(code=data["category"], is_active=True).first()
        if category is None:
            raise ValidationError({"category": [_("Unknown category.")]})
        unit = selectors.units_for_reporting(actor=actor).filter(pk=data["unit"]).first()
        if unit is None:
            raise ValidationError({"unit": [_("This unit is not one you can report problems for.")]})
        inspection = None
        if "inspection" in data:
            inspection = selectors.inspections_for_reporting(actor=actor).filter(pk=data["inspection"]).first()
            if inspection is None:
                raise ValidationError({"inspection": [_("Unknown inspection round.")]})
        key = _call(fieldwork.idempotency_key_parse, value=request.headers.get("Idempotency-Key"))
        outcome = _call(
            fieldwork.idempotent,
            user=request.user,
            key=key,
            action="problem.report",
            run=lambda: services.problem_report(
                user=request.user,
                category=category,
                unit=unit,
                description=data["description"],
                address=data["address"],
                point_type=data["point_type"],
                severity=data["severity"],
                photos=_read_uploads(data["photos"]),
                found_at=data.get("found_at"),
                latitude=data.get("lat"),
                longitude=data.get("lng"),
                inspection=inspection,
                duplicate_within=services.duplicate_window(),
            ),
        )
        if isinstance(outcome, Response):
            return outcome
        result = outcome.problem
        # The same Idempotency-Key again: the first answer, nothing written twice.
        return Response(
            {"id": result.pk, "number": result.number, "status": result.status, "deadline": result.deadline},
            status=status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED,
        )

    def _after(self, result, problem):
        if isinstance(result, Response):
            return result
        problem = selectors.problem_get(actor=actor_for(self.request.user), problem_id=problem.pk)
        return Response(ProblemDetailSerializer(problem, context={"request": self.request}).data)

    @extend_schema(request={"multipart/form-data": RectifySerializer}, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def rectify(self, request, pk=None):
        problem = self.get_object()
        payload = RectifySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = _call(
            services.rectification_submit,
            user=request.user,
            problem=problem,
            note=payload.validated_data["note"],
            photos=_read_uploads(payload.validated_data["photos"]),
            expected_version=payload.validated_data.get("version"),
        )
        return self._after(result, problem)

    @extend_schema(request=ReviewSerializer, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        problem = self.get_object()
        payload = ReviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = _call(
            services.rectification_review,
            user=request.user,
            problem=problem,
            passed=payload.validated_data["passed"],
            note=payload.validated_data["note"],
            expected_version=payload.validated_data.get("version"),
        )
        return self._after(result, problem)

    @extend_schema(request=VoidSerializer, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        problem = self.get_object()
        payload = VoidSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = _call(
            services.problem_void,
            user=request.user,
            problem=problem,
            reason=payload.validated_data["reason"],
            expected_version=payload.validated_data.get("version"),
        )
        return self._after(result, problem)

    @extend_schema(
        request=ExtendSerializer,
        responses=ProblemDetailSerializer,
        description="The responsible unit sends `reason` and `deadline` to ask for an extension; the city or "
        "street then sends `decision` (approve/reject) with an optional `note`.",
    )
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        problem = self.get_object()
        payload = ExtendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if "decision" in data:
            pending = selectors.pending_extension(problem=problem)
            if pending is None:
                return Response(
                    {"detail": _("There is no extension request awaiting a decision.")}, status=status.HTTP_409_CONFLICT
                )
            result = _call(
                services.extension_decide,
                user=request.user,
                extension=pending,
                approve=data["decision"] == "approve",
                note=data["note"],
            )
        else:
            if "reason" not in data or "deadline" not in data:
                raise ValidationError({"reason": [_("Give a reason and the new deadline.")]})
            result = _call(
                services.extension_request,
                user=request.user,
                problem=problem,
                reason=data["reason"],
                requested_deadline=data["deadline"],
            )
        return self._after(result, problem)

    @extend_schema(responses=HistorySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        problem = self.get_object()
        return Response(HistorySerializer(selectors.problem_timeline(problem=problem), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM (default: this month)"),
            OpenApiParameter("unit", int, description="unit id; its whole subtree"),
        ],
        responses=inline_serializer(
            "ProblemStats",
            {
                "month": serializers.CharField(),
                "total": serializers.IntegerField(),
                "by_category": serializers.ListField(),
                "sentence": serializers.CharField(),
            },
        ),
    )
    @action(detail=False, methods=["get"])
    def stats(self, request):
        return Response(stats_payload(request))

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ProblemStatus.values, description="default: open and submitted"),
            OpenApiParameter("category", str, description="category code"),
            OpenApiParameter("unit", int, description="unit id; its whole subtree"),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("found_after", str, description="YYYY-MM-DD"),
            OpenApiParameter("found_before", str, description="YYYY-MM-DD"),
        ],
        responses=inline_serializer(
            "ProblemMap",
            {
                "type": serializers.CharField(),
                "features": serializers.ListField(child=serializers.DictField()),
                "total": serializers.IntegerField(),
                "shown": serializers.IntegerField(),
                "unplaced": serializers.IntegerField(),
                "truncated": serializers.BooleanField(),
                "message": serializers.CharField(required=False),
            },
        ),
    )
    @action(detail=False, methods=["get"], url_path="map", pagination_class=None)
    def map(self, request):
        """The filtered problems with a position as a GeoJSON FeatureCollection, capped (docs/map.md)."""
        problems = still_worked_on_unless(self.get_queryset(), status=request.query_params.get("status", ""))
        return Response(problem_features(problems=problems, limit=settings.MAP_MAX_PROBLEMS))


def stats_payload(request) -> dict:
    from django.utils import timezone

    actor = actor_for(request.user)
    form = StatsFilterForm(request.query_params if hasattr(request, "query_params") else request.GET)
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    month = form.cleaned_data["month"] or timezone.localdate().replace(day=1)
    unit = None
    if form.cleaned_data["unit"]:
        from gongjian.organizations.selectors import unit_get

        try:
            unit = unit_get(actor=actor, unit_id=form.cleaned_data["unit"])
        except Http404:
            raise NotFound()
    stats = selectors.problem_stats(actor=actor, month=month, unit=unit)
    return {
        "month": f"{month:%Y-%m}",
        "unit": unit.pk if unit else None,
        "total": stats.counts.found,
        "by_category": [
            {"code": s.code, "name": s.name, "count": s.count, "share": float(s.share)} for s in stats.by_category
        ],
        "sentence": stats.sentence,
        "counts": stats.counts.__dict__,
        **{k: (float(v) if v is not None else None) for k, v in stats.rates.as_dict().items()},
        "by_street": _plain_rows(stats.by_street),
        "by_community": _plain_rows(stats.by_community),
        "trend": stats.trend,
    }


def _plain_rows(rows: list[dict]) -> list[dict]:
    return [{k: (float(v) if hasattr(v, "as_tuple") else v) for k, v in row.items()} for row in rows]


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Problem categories in use."""

    serializer_class = CategorySerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return selectors.categories_active()
