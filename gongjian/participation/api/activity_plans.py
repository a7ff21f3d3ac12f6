"""Activity plans (方案) in the API, scoped like the pages (``views/plans.py``):

* ``GET /api/v1/activities/{id}/plan/`` — the activity's plan (404 when it has none), with what the
  caller may do (``can_submit``, ``can_decide``) and, once held, the plan against what happened;
* ``POST /api/v1/activities/{id}/plan/`` — the community writes (or rewrites) and submits it;
* ``POST /api/v1/activities/{id}/plan/decision/`` — the level above approves or returns it;
* ``GET /api/v1/activity-plans/`` — plans of the activities the caller sees (``?awaiting=true``:
  only those waiting for the caller's decision).

The rules and the audit are ``participation.activity_plans``'s; this module only adapts them."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from gongjian.accounts.access import actor_for
from gongjian.api.errors import call_service
from gongjian.participation import activity_plans, selectors
from gongjian.participation.choices import ActivityStatus, PlanStatus
from gongjian.participation.models import ActivityPlan

PLAN_TEXTS = activity_plans.TEXT_FIELDS


class ComparisonSerializer(serializers.Serializer):
    label = serializers.CharField()
    planned = serializers.CharField()
    happened = serializers.CharField()
    differs = serializers.BooleanField()


class ActivityPlanSerializer(serializers.ModelSerializer):
    activity_title = serializers.CharField(source="activity.title")
    activity_status = serializers.CharField(source="activity.status")
    community = serializers.IntegerField(source="activity.community_id")
    community_name = serializers.CharField(source="activity.community.name")
    status = serializers.CharField(help_text=", ".join(PlanStatus.values))
    submitted_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    can_submit = serializers.SerializerMethodField()
    can_decide = serializers.SerializerMethodField()
    comparison = serializers.SerializerMethodField()

    class Meta:
        model = ActivityPlan
        fields = [
            "id",
            "activity",
            "activity_title",
            "activity_status",
            "community",
            "community_name",
            "status",
            *PLAN_TEXTS,
            "expected_attendance",
            "budget",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "comment",
            "can_submit",
            "can_decide",
            "comparison",
        ]

    def _actor(self):
        return actor_for(self.context["request"].user)

    def get_submitted_by(self, plan) -> str | None:
        return plan.submitted_by.username if plan.submitted_by_id else None

    def get_decided_by(self, plan) -> str | None:
        return plan.decided_by.username if plan.decided_by_id else None

    def get_can_submit(self, plan) -> bool:
        activity = plan.activity
        return activity.status == ActivityStatus.PLANNED and activity_plans.can_submit(self._actor(), activity)

    def get_can_decide(self, plan) -> bool:
        return plan.status == PlanStatus.SUBMITTED and activity_plans.can_decide(self._actor(), plan.activity)

    @extend_schema_field(ComparisonSerializer(many=True))
    def get_comparison(self, plan) -> list[dict]:
        """Once held: the plan against what happened (date, attendance, place)."""
        if plan.activity.status not in (ActivityStatus.HELD, ActivityStatus.ARCHIVED):
            return []
        return [
            {"label": str(c.label), "planned": c.planned, "happened": c.happened, "differs": c.differs}
            for c in activity_plans.plan_vs_held(plan.activity, plan)
        ]


class ActivityPlanInSerializer(serializers.Serializer):
    aim = serializers.CharField(max_length=4000)
    schedule = serializers.CharField(max_length=200, help_text="when (free text, e.g. 5月10日上午9点至11点)")
    place = serializers.CharField(max_length=200)
    people = serializers.CharField(max_length=4000, help_text="who takes part and who leads")
    expected_attendance = serializers.IntegerField(min_value=1, max_value=100_000)
    budget = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, help_text="yuan")
    safety = serializers.CharField(max_length=4000)
    publicity = serializers.CharField(max_length=4000)


class ActivityPlanDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("return", "return")])
    comment = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="required when returning"
    )


def _plan_of(activity) -> ActivityPlan | None:
    return (
        ActivityPlan.objects.filter(activity=activity)
        .select_related("activity", "activity__community", "submitted_by", "decided_by")
        .first()
    )


class ActivityPlanActions:
    """The plan's actions on ``ActivityViewSet`` (mixed in)."""

    @extend_schema(methods=["GET"], request=None, responses={200: ActivityPlanSerializer})
    @extend_schema(
        methods=["POST"],
        request=ActivityPlanInSerializer,
        responses={201: ActivityPlanSerializer, 200: ActivityPlanSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def plan(self, request, pk=None):
        """GET: the activity's plan (方案), 404 when there is none. POST: the community writes (or
        rewrites) the plan of a planned activity and submits it to the level above (201 for a new
        plan, 200 for a rewritten one, which waits for a new decision); 409 when the activity is
        no longer planned."""
        activity = selectors.activity_get(actor=actor_for(request.user), activity_id=pk)
        plan = _plan_of(activity)
        if request.method == "GET":
            if plan is None:
                raise Http404
            return Response(ActivityPlanSerializer(plan, context={"request": request}).data)
        payload = ActivityPlanInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        call_service(
            activity_plans.plan_submit,
            user=request.user,
            activity=activity,
            data=activity_plans.PlanIn(**payload.validated_data),
        )
        return Response(
            ActivityPlanSerializer(_plan_of(activity), context={"request": request}).data,
            status=status.HTTP_200_OK if plan is not None else status.HTTP_201_CREATED,
        )

    @extend_schema(request=ActivityPlanDecisionSerializer, responses={200: ActivityPlanSerializer})
    @action(detail=True, methods=["post"], url_path="plan/decision")
    def plan_decision(self, request, pk=None):
        """The level above (the street) approves the plan or returns it with a comment saying why;
        409 when the plan is not waiting for a decision (already decided)."""
        activity = selectors.activity_get(actor=actor_for(request.user), activity_id=pk)
        plan = _plan_of(activity)
        if plan is None:
            raise Http404
        payload = ActivityPlanDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        call_service(
            activity_plans.plan_decide,
            user=request.user,
            plan=plan,
            approve=payload.validated_data["decision"] == "approve",
            comment=payload.validated_data["comment"],
        )
        return Response(ActivityPlanSerializer(_plan_of(activity), context={"request": request}).data)


class ActivityPlanQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PlanStatus.values, required=False)
    awaiting = serializers.BooleanField(required=False, default=False)


class ActivityPlanViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Plans (方案) of the activities the caller sees; ``awaiting=true``: those waiting for the
    caller's decision (the street's list)."""

    serializer_class = ActivityPlanSerializer
    queryset = ActivityPlan.objects.none()

    def get_queryset(self):
        query = ActivityPlanQuerySerializer(data=self.request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        actor = actor_for(self.request.user)
        if query.validated_data["awaiting"]:
            plans = activity_plans.plans_awaiting(actor=actor)
        else:
            plans = ActivityPlan.objects.filter(activity__in=selectors.activities_visible(actor=actor))
        if plan_status := query.validated_data.get("status"):
            plans = plans.filter(status=plan_status)
        return plans.select_related("activity", "activity__community", "submitted_by", "decided_by").order_by(
            "activity__starts_at", "id"
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=PlanStatus.values),
            OpenApiParameter("awaiting", bool, description="only plans waiting for the caller's decision"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
