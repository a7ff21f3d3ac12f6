"""/api/v1/assessments/: months — open, compute (a background job, 202), freshness, publish,
scores, red flags and adjustments."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for
from gongjian.api.parsers import BoundedJSONParser
from gongjian.assessments import selectors, services
from gongjian.assessments.api.common import (
    DetailSerializer,
    _call,
    _reason,
    forbidden,
    parse_month,
)
from gongjian.assessments.choices import AssessmentStatus, DeductionSource
from gongjian.assessments.freshness import changes_since_computed
from gongjian.assessments.models import Adjustment, Assessment, Deduction, ItemScore, RuleItem


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()


class StreetRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RuleSetRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()


class CalendarOverrideSerializer(serializers.Serializer):
    what = serializers.CharField()
    reason = serializers.CharField()


class ChangeSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="reported, rectified, rechecked, voided, extended, manual, evidence, ruleset"
    )
    label = serializers.CharField()
    count = serializers.IntegerField()


class AssessmentSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    status = serializers.CharField(help_text="draft, computed or published")
    ruleset = RuleSetRefSerializer()
    computed_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    preview = serializers.BooleanField(help_text="the last computation is a month-to-date preview: not publishable")
    counted_until = serializers.DateTimeField(allow_null=True, help_text="cases counted up to this moment")
    calendar_overrides = CalendarOverrideSerializer(many=True, help_text="the city office's recorded reasons")
    stale = serializers.BooleanField(
        required=False, help_text="records changed since the computation (one month only, not in the list)"
    )
    changes = ChangeSerializer(many=True, required=False, help_text="what changed since the computation, per kind")


class MonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    force_reason = serializers.CharField(
        required=False, help_text="the city office's reason to open a month before it starts (recorded)"
    )


class ComputeRequestSerializer(serializers.Serializer):
    force_reason = serializers.CharField(
        required=False,
        help_text="close the month early: the computation is final instead of a month-to-date preview (recorded)",
    )


class ComputeResultSerializer(serializers.Serializer):
    month = serializers.CharField()
    status = serializers.CharField()
    preview = serializers.BooleanField()
    counted_until = serializers.DateTimeField(allow_null=True)
    sheets = serializers.IntegerField()
    deductions = serializers.IntegerField()
    streets = serializers.IntegerField()


class ComputeJobSerializer(serializers.Serializer):
    """The month's computation as a background job (gongjian.core.jobs)."""

    id = serializers.IntegerField(help_text="the job")
    status = serializers.CharField(help_text="queued, running, done or failed")
    progress = serializers.IntegerField(help_text="0–100")
    stage = serializers.CharField(help_text="what it is doing, in the caller's language")
    message = serializers.CharField(help_text="why it failed (a refusal or an error), in the caller's language")
    summary = serializers.CharField(help_text="once done: what was computed, in the caller's language")
    result = ComputeResultSerializer(allow_null=True, help_text="once done")
    status_url = serializers.CharField(help_text="GET it until the status is done or failed")
    page_url = serializers.CharField(help_text="the job's page in the browser")


class DeductionSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=DeductionSource.choices)
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    reason = serializers.CharField()
    problem = serializers.IntegerField(allow_null=True, help_text="id of the problem that caused it")
    carried_from = serializers.CharField(
        allow_null=True, help_text="YYYY-MM: a late event of that published month, counted in this one"
    )


class ItemScoreSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    score = serializers.DecimalField(max_digits=7, decimal_places=2)
    deductions = DeductionSerializer(many=True)


class AdjustmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.CharField(allow_null=True, help_text="item code, or null for the whole sheet")
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    reason = serializers.CharField()
    author = serializers.CharField()
    at = serializers.DateTimeField()


class ScoreSheetSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    street = StreetRefSerializer(allow_null=True)
    score = serializers.DecimalField(max_digits=7, decimal_places=2)
    max_score = serializers.DecimalField(max_digits=7, decimal_places=2)
    rate = serializers.DecimalField(max_digits=7, decimal_places=6)
    final_score = serializers.DecimalField(
        max_digits=8, decimal_places=2, help_text="score plus the published adjustments"
    )
    rank_city = serializers.IntegerField(allow_null=True)
    rank_street = serializers.IntegerField(allow_null=True)
    items = ItemScoreSerializer(many=True, allow_null=True, help_text="null: outside your scope (ranking only)")
    adjustments = AdjustmentSerializer(many=True, allow_null=True, help_text="null: outside your scope")


class ScoresQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["community", "compound"], required=False)
    street = serializers.IntegerField(min_value=1, required=False)


class RedFlagSerializer(serializers.Serializer):
    street = StreetRefSerializer()
    unit = UnitRefSerializer()
    rate = serializers.DecimalField(max_digits=7, decimal_places=6)


class AdjustmentRequestSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, help_text="unit id of the sheet")
    points = serializers.DecimalField(max_digits=7, decimal_places=2, help_text="e.g. -1.5 or 2")
    reason = serializers.CharField(max_length=2000)
    item = serializers.CharField(required=False, allow_blank=True, help_text="code of the item, e.g. 1.1")


# --- months ---------------------------------------------------------------------------------------------------------

MONTH_PARAM = OpenApiParameter("month", str, OpenApiParameter.PATH, description="YYYY-MM", pattern=r"^\d{4}-\d{2}$")


def _assessment_out(assessment: Assessment) -> dict:
    return {
        "month": f"{assessment.month:%Y-%m}",
        "status": assessment.status,
        "ruleset": {
            "id": assessment.ruleset_id,
            "name": assessment.ruleset.name,
            "version": assessment.ruleset.version,
        },
        "computed_at": assessment.computed_at,
        "published_at": assessment.published_at,
        "preview": assessment.is_preview,
        "counted_until": assessment.counted_until,
        "calendar_overrides": [{"what": what, "reason": reason} for what, reason in assessment.calendar_overrides],
    }


def _assessment_detail(assessment: Assessment) -> dict:
    freshness = changes_since_computed(assessment)
    return {
        **_assessment_out(assessment),
        "stale": freshness.stale,
        "changes": [{"kind": c.kind, "label": c.label, "count": c.count} for c in freshness.changes],
    }


def _unit(unit) -> dict:
    return {"id": unit.pk, "name": unit.name, "level": unit.level}


def _street(unit) -> dict | None:
    return {"id": unit.pk, "name": unit.name} if unit is not None else None


class AssessmentViewSet(viewsets.GenericViewSet):
    """Monthly assessments (月度考核) of the caller's city: create a month, compute it, publish it,
    read its scores and red flags, and correct a published month with adjustments."""

    lookup_field = "month"
    lookup_value_regex = r"[^/]+"
    parser_classes = [BoundedJSONParser]
    serializer_class = AssessmentSerializer

    def get_queryset(self):
        return selectors.assessments(actor=actor_for(self.request.user))

    def get_object(self) -> Assessment:
        month = parse_month(self.kwargs["month"])
        return selectors.assessment_get(actor=actor_for(self.request.user), month=month)

    @extend_schema(responses=AssessmentSerializer(many=True))
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AssessmentSerializer([_assessment_out(a) for a in page], many=True).data)

    @extend_schema(parameters=[MONTH_PARAM], responses={200: AssessmentSerializer, 400: DetailSerializer})
    def retrieve(self, request, month=None):
        return Response(AssessmentSerializer(_assessment_detail(self.get_object())).data)

    @extend_schema(
        request=MonthSerializer,
        responses={201: AssessmentSerializer, 400: DetailSerializer, 403: DetailSerializer, 409: DetailSerializer},
        description="Open the month with the rule set in force then. 400 when no rule set is in force or the "
        "month has not started (unless `force_reason` is given: it is recorded and printed), 409 when the month "
        "exists.",
    )
    def create(self, request):
        actor = actor_for(request.user)
        city = selectors.city_of(actor)
        if city is None or not actor.has_perm(Perm.ASSESSMENT_MANAGE):
            return forbidden()
        data = request.data if hasattr(request.data, "get") else {}
        month = parse_month(data.get("month"))
        result = _call(
            services.assessment_create, user=request.user, city=city, month=month, force_reason=_reason(data)
        )
        if isinstance(result, Response):
            return result
        return Response(AssessmentSerializer(_assessment_out(result)).data, status=status.HTTP_201_CREATED)

    def _compute_job_out(self, job, *, code=status.HTTP_200_OK) -> Response:
        from gongjian.core.jobs.views import job_state

        state = job_state(job)
        month = job.params.get("month", "")
        out = {key: state[key] for key in ("id", "status", "progress", "stage", "message", "summary")}
        out["result"] = job.result if job.status == "done" and job.result else None
        out["status_url"] = self.request.build_absolute_uri(
            reverse("assessment-compute-job", kwargs={"month": month, "job_id": job.pk})
        )
        out["page_url"] = self.request.build_absolute_uri(reverse("jobs:detail", args=[job.pk]))
        return Response(ComputeJobSerializer(out).data, status=code)

    @extend_schema(
        parameters=[MONTH_PARAM],
        request=ComputeRequestSerializer,
        responses={202: ComputeJobSerializer, 403: DetailSerializer, 404: DetailSerializer},
        description="Queue the (re)computation of every score sheet of the month as a background job and answer "
        "202 with the job and its `status_url`: GET it until `status` is `done` (the figures are in `result`) or "
        "`failed` (`message` says why: the month is published, or has not started). While a computation of the "
        "month is queued or running, that job is returned instead of a second one. Before the month ends the "
        "result is a month-to-date preview (`preview`: true), which cannot be published, unless `force_reason` "
        "closes the month early.",
    )
    @action(detail=True, methods=["post"])
    def compute(self, request, month=None):
        from gongjian.assessments import tasks

        assessment = self.get_object()
        actor = actor_for(request.user)
        if not actor.has_perm(Perm.ASSESSMENT_MANAGE):
            return forbidden()
        job = tasks.compute_request(
            user=request.user,
            assessment=assessment,
            force_reason=_reason(request.data if hasattr(request.data, "get") else {}),
        )
        job.refresh_from_db()  # the immediate backend has run it already
        return self._compute_job_out(job, code=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[MONTH_PARAM, OpenApiParameter("job_id", int, OpenApiParameter.PATH)],
        request=None,
        responses={200: ComputeJobSerializer, 404: DetailSerializer},
        description="A computation of the month as it stands (a job whose worker stopped is retried or failed "
        "first). The city office follows it; anyone else gets 404.",
    )
    @action(detail=True, methods=["get"], url_path=r"compute-jobs/(?P<job_id>\d+)", url_name="compute-job")
    def compute_job(self, request, month=None, job_id=None):
        from gongjian.assessments import tasks
        from gongjian.core.jobs.selectors import job_get_for

        assessment = self.get_object()
        job = job_get_for(request.user, int(job_id), kind=tasks.COMPUTE)
        if job.params.get("assessment") != assessment.pk:
            raise Http404
        return self._compute_job_out(job)

    @extend_schema(
        parameters=[MONTH_PARAM],
        request=None,
        responses={200: AssessmentSerializer, 403: DetailSerializer, 409: DetailSerializer},
        description="Make the month final (and produce the policy's rewards and penalties); 409, with the reason, "
        "when it is already published, not yet computed, a month-to-date preview, not yet ended (and not closed "
        "early), or when records changed since it was computed (compute it again).",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, month=None):
        result = _call(services.assessment_publish, user=request.user, assessment=self.get_object())
        if isinstance(result, Response):
            return result
        return Response(AssessmentSerializer(_assessment_out(result)).data)

    @extend_schema(
        parameters=[
            MONTH_PARAM,
            OpenApiParameter("level", str, enum=["community", "compound"]),
            OpenApiParameter("street", int, description="street unit id"),
        ],
        responses=ScoreSheetSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def scores(self, request, month=None):
        """Score sheets of the month, by level and rank.

        Who sees what: every row of the caller's scope (``selectors.sheets_visible``: their own units and
        their subtrees) comes in full, with ``items`` (each with its deduction lines and the problem that
        caused each) and ``adjustments``. Once the month is published, everyone with assessment access in
        the city also gets the other units' rows (``selectors.rankings``) with the ranking fields — unit,
        street, score, maximum, rate, ranks — but ``items`` and ``adjustments`` are null for them. Before
        publication only the caller's own rows are listed."""
        assessment = self.get_object()
        query = ScoresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        actor = actor_for(request.user)
        sheets = selectors.rankings(
            actor=actor,
            assessment=assessment,
            level=query.validated_data.get("level"),
            street_id=query.validated_data.get("street"),
        )
        page = self.paginate_queryset(sheets)
        page_ids = [sheet.pk for sheet in page]
        full = set(
            selectors.sheets_visible(actor=actor, assessment=assessment)
            .filter(id__in=page_ids)
            .values_list("id", flat=True)
        )
        lines = defaultdict(list)
        for line in (
            Deduction.objects.filter(item_score__sheet_id__in=full)
            .order_by("id")
            .values("item_score_id", "source", "points", "reason", "problem_id", "carried_from")
        ):
            line["problem"] = line.pop("problem_id")
            line["carried_from"] = f"{line['carried_from']:%Y-%m}" if line["carried_from"] else None
            lines[line.pop("item_score_id")].append(line)
        items = defaultdict(list)
        for row in (
            ItemScore.objects.filter(sheet_id__in=full)
            .select_related("item")
            .order_by("sheet_id", "item__position", "item_id")
        ):
            items[row.sheet_id].append(
                {
                    "code": row.item.code,
                    "name": row.item.name,
                    "points": row.points,
                    "score": row.score,
                    "deductions": lines[row.pk],
                }
            )
        adjustments = defaultdict(list)
        for adj in Adjustment.objects.filter(sheet_id__in=full).select_related("author", "item"):
            adjustments[adj.sheet_id].append(
                {
                    "id": adj.pk,
                    "item": adj.item.code if adj.item_id else None,
                    "points": adj.points,
                    "reason": adj.reason,
                    "author": str(adj.author),
                    "at": adj.at,
                }
            )
        data = [
            {
                "unit": _unit(sheet.unit),
                "street": _street(sheet.street),
                "score": sheet.score,
                "max_score": sheet.max_score,
                "rate": sheet.rate,
                "final_score": sheet.score + (sheet.adjusted or Decimal("0")),
                "rank_city": sheet.rank_city,
                "rank_street": sheet.rank_street,
                "items": items[sheet.pk] if sheet.pk in full else None,
                "adjustments": adjustments[sheet.pk] if sheet.pk in full else None,
            }
            for sheet in page
        ]
        return self.get_paginated_response(ScoreSheetSerializer(data, many=True).data)

    @extend_schema(parameters=[MONTH_PARAM], responses=RedFlagSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="red-flags", url_name="red-flags", pagination_class=None)
    def red_flags(self, request, month=None):
        """流动红旗 of the month: the best unit of each street. Everyone in the city once published;
        before that, only the flags of sheets in the caller's scope."""
        assessment = self.get_object()
        flags = selectors.red_flags(assessment=assessment)
        if assessment.status != AssessmentStatus.PUBLISHED:
            visible = selectors.sheets_visible(actor=actor_for(request.user), assessment=assessment)
            flags = flags.filter(sheet__in=visible.values("id"))
        data = [{"street": _street(f.street), "unit": _unit(f.sheet.unit), "rate": f.sheet.rate} for f in flags]
        return Response(RedFlagSerializer(data, many=True).data)

    @extend_schema(
        parameters=[MONTH_PARAM],
        request=AdjustmentRequestSerializer,
        responses={
            201: AdjustmentSerializer,
            400: DetailSerializer,
            403: DetailSerializer,
            404: DetailSerializer,
            409: OpenApiResponse(DetailSerializer, description="the month is not published"),
        },
        description="A logged correction to a published sheet (never a silent change).",
    )
    @action(detail=True, methods=["post"])
    def adjustments(self, request, month=None):
        assessment = self.get_object()
        actor = actor_for(request.user)
        if not actor.has_perm(Perm.ASSESSMENT_MANAGE):
            return forbidden()
        payload = AdjustmentRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        not_published = assessment.status != AssessmentStatus.PUBLISHED
        try:
            sheet = selectors.sheet_get(actor=actor, assessment=assessment, unit_id=data["unit"])
        except Http404:
            if not_published:  # a month not yet computed has no sheets at all
                return Response(
                    {
                        "detail": _(
                            "Only a published month takes adjustments; recompute a month that is not yet published."
                        )
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            raise
        item = None
        if data.get("item"):
            item = RuleItem.objects.filter(ruleset_id=assessment.ruleset_id, code=data["item"]).first()
            if item is None:
                raise ValidationError({"item": [_("No item has this code in the month's rule set.")]})
        result = _call(
            services.adjustment_add,
            user=request.user,
            sheet=sheet,
            points=data["points"],
            reason=data["reason"],
            item=item,
        )
        if isinstance(result, Response):
            return result
        return Response(
            AdjustmentSerializer(
                {
                    "id": result.pk,
                    "item": item.code if item else None,
                    "points": result.points,
                    "reason": result.reason,
                    "author": str(result.author),
                    "at": result.at,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )
