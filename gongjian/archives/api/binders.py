"""/api/v1/binders/: binder jobs (the archive bound into one document) and their downloads."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404, restrict
from gongjian.api.parsers import BoundedJSONParser
from gongjian.archives import jobs
from gongjian.archives.api.common import (
    DOWNLOAD_RENDERERS,
    PERIOD_HELP,
    ArchiveDetailSerializer,
    ArchiveUnitSerializer,
    _absolute,
    _call,
    _file_response,
    _period,
    _visible_unit,
    choice_field,
    positive_int,
)
from gongjian.archives.choices import (
    BinderFormat,
    JobStatus,
)
from gongjian.archives.models import (
    BinderJob,
)

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
