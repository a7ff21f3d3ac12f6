"""/api/v1/creation-targets/: creation targets (创建达标) in the caller's scope; applying, the
self-assessment, the city's review and certificate, and the year's progress and goals."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.api.parsers import BoundedJSONParser
from gongjian.archives.services.files import FileIn
from gongjian.core.errors import NotPermitted
from gongjian.creation import selectors, services, workflow
from gongjian.creation.models import CreationTarget
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import CobuildUnit, Unit

ID_MAX = 2**62
KINDS = " | ".join(workflow.CreationKind.values)
STAGES = " | ".join(workflow.Stage.values)


class CreationChecklistRowSerializer(serializers.Serializer):
    item = serializers.CharField()
    met = serializers.BooleanField(allow_null=True)
    note = serializers.CharField(default="", allow_blank=True)


class CreationTargetSerializer(serializers.ModelSerializer):
    city = serializers.IntegerField(source="city_id")
    community = serializers.IntegerField(source="community_id", allow_null=True)
    cobuild_unit = serializers.IntegerField(source="cobuild_unit_id", allow_null=True)
    unit_name = serializers.CharField(source="subject_name")
    kind = serializers.CharField(help_text=KINDS)
    stage = serializers.CharField(help_text=STAGES)
    checklist = CreationChecklistRowSerializer(many=True)
    has_certificate = serializers.SerializerMethodField()

    class Meta:
        model = CreationTarget
        fields = [
            "id",
            "city",
            "community",
            "cobuild_unit",
            "unit_name",
            "kind",
            "year",
            "stage",
            "applied_on",
            "checklist",
            "self_assessment",
            "review_note",
            "result_on",
            "has_certificate",
            "certificate_name",
        ]

    def get_has_certificate(self, target) -> bool:
        return bool(target.certificate)


class CreationApplySerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=20, help_text=KINDS)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    community = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False)
    cobuild_unit = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False)


class CreationSelfAssessSerializer(serializers.Serializer):
    answers = serializers.ListField(child=serializers.BooleanField(), max_length=100)
    notes = serializers.ListField(
        child=serializers.CharField(max_length=500, allow_blank=True),
        max_length=100,
        required=False,
        help_text="one note per item, in order (optional)",
    )
    text = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class CreationReviewSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=10, help_text="return | pass | fail")
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
    result_on = serializers.DateField(required=False, allow_null=True)


class CreationCertificateSerializer(serializers.Serializer):
    file = serializers.FileField()


class CreationQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    kind = serializers.CharField(required=False, max_length=20)
    stage = serializers.CharField(required=False, max_length=20)


class CreationProgressSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=KINDS)
    label = serializers.CharField()
    goal = serializers.IntegerField()
    passed = serializers.IntegerField()
    remaining = serializers.IntegerField()
    by_stage = serializers.DictField(child=serializers.IntegerField())


class CreationGoalSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    kind = serializers.CharField(max_length=20, help_text=KINDS)
    count = serializers.IntegerField(min_value=0, max_value=10000)


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    except NotPermitted as exc:
        raise PermissionDenied(str(exc.message))


def _city_of_caller(request) -> Unit:
    actor = actor_for(request.user)
    city = restrict(Unit.objects.filter(level=UnitLevel.CITY), actor, Perm.CREATION_VIEW, unit_field="id").first()
    if city is None:
        raise PermissionDenied(_("Only the city office follows the progress towards the year's targets."))
    return city


class CreationTargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Creation targets: a community's 文明/卫生/园林社区, a co-construction unit's 文明/卫生/园林单位
    and 三化达标, moving from application through the self-assessment to the city's result."""

    serializer_class = CreationTargetSerializer
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    queryset = CreationTarget.objects.none()

    def get_queryset(self):
        query = CreationQuerySerializer(data=self.request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        data = query.validated_data
        return selectors.target_list(
            actor=actor_for(self.request.user),
            year=data.get("year"),
            kind=data.get("kind", ""),
            stage=data.get("stage", ""),
        )

    def get_object(self):
        return selectors.target_get(actor=actor_for(self.request.user), target_id=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("kind", str, description=KINDS),
            OpenApiParameter("stage", str, description=STAGES),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CreationApplySerializer, responses={201: CreationTargetSerializer})
    def create(self, request, *args, **kwargs):
        """Apply for a standard: name a community or a co-construction unit."""
        payload = CreationApplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        community = Unit.objects.filter(pk=data["community"]).first() if data.get("community") else None
        cobuild = CobuildUnit.objects.filter(pk=data["cobuild_unit"]).first() if data.get("cobuild_unit") else None
        if data.get("community") and community is None or data.get("cobuild_unit") and cobuild is None:
            raise ValidationError({"community": [_("No such unit.")]})
        target = _call(
            services.target_apply,
            user=request.user,
            kind=data["kind"],
            year=data["year"],
            community=community,
            cobuild_unit=cobuild,
        )
        return Response(CreationTargetSerializer(target).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CreationSelfAssessSerializer, responses={200: CreationTargetSerializer})
    @action(detail=True, methods=["post"], url_path="self-assess")
    def self_assess(self, request, pk=None):
        """Answer the checklist, item by item in order (met: true / false), and submit it for review."""
        payload = CreationSelfAssessSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        target = _call(
            services.target_self_assess,
            user=request.user,
            target=self.get_object(),
            answers=payload.validated_data["answers"],
            text=payload.validated_data["text"],
            notes=payload.validated_data.get("notes"),
        )
        return Response(CreationTargetSerializer(target).data)

    @extend_schema(request=CreationReviewSerializer, responses={200: CreationTargetSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The city's review: return, pass (达标) or fail (未达标), with the result date."""
        payload = CreationReviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        target = _call(services.target_review, user=request.user, target=self.get_object(), **payload.validated_data)
        return Response(CreationTargetSerializer(target).data)

    @extend_schema(
        request={"multipart/form-data": CreationCertificateSerializer}, responses={200: CreationTargetSerializer}
    )
    @action(detail=True, methods=["post"])
    def certificate(self, request, pk=None):
        """Attach the certificate file to a target that met its standard (checked like archive uploads)."""
        payload = CreationCertificateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        target = _call(
            services.target_certify,
            user=request.user,
            target=self.get_object(),
            file=FileIn(name=upload.name, data=upload.read()),
        )
        return Response(CreationTargetSerializer(target).data)

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=True)],
        responses={200: CreationProgressSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def progress(self, request):
        """The city's progress towards the year's targets: per standard, the goal and the count at each stage."""
        query = CreationQuerySerializer(data=request.query_params)
        if not query.is_valid() or not query.validated_data.get("year"):
            raise ValidationError({"year": [_("Give the year.")]})
        city = _city_of_caller(request)
        rows = selectors.city_progress(
            actor=actor_for(request.user), city_id=city.pk, year=query.validated_data["year"]
        )
        data = [
            {
                "kind": row.kind,
                "label": str(workflow.CreationKind(row.kind).label),
                "goal": row.goal,
                "passed": row.passed,
                "remaining": row.remaining,
                "by_stage": row.by_stage,
            }
            for row in rows
        ]
        return Response(CreationProgressSerializer(data, many=True).data)

    @extend_schema(request=CreationGoalSerializer, responses={200: CreationGoalSerializer})
    @action(detail=False, methods=["post"])
    def goals(self, request):
        """Set the city's target number of one standard for one year (0 removes it)."""
        payload = CreationGoalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _call(services.goal_set, user=request.user, city=_city_of_caller(request), **payload.validated_data)
        return Response(payload.validated_data)
