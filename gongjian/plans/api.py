"""/api/v1/plans/: the caller's work plans with their tasks and computed (reverse-scheduled) dates;
``POST /api/v1/plans/{id}/tasks/{task_id}/progress/`` records a task's progress (its owner, or
whoever keeps the unit's plans) and answers with the task and the plan rescheduled."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from gongjian.accounts.access import actor_for
from gongjian.api.errors import call_service
from gongjian.plans import selectors, services
from gongjian.plans.models import Plan, PlanTask
from gongjian.plans.schedule import ScheduleError


class PlanTaskSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()
    predecessors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    rule_item = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = PlanTask
        fields = [
            "id",
            "name",
            "owner",
            "duration",
            "predecessors",
            "rule_item",
            "progress",
            "latest_start",
            "latest_finish",
            "slack",
            "critical",
            "overdue",
        ]

    def get_owner(self, task) -> str | None:
        return task.owner.username if task.owner_id else None

    def get_rule_item(self, task) -> str | None:
        return task.rule_item.code if task.rule_item_id else None


class MisfitSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    latest_start = serializers.DateField()
    message = serializers.CharField()


class PlanSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField(source="unit.name")
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    missing_parts = serializers.ListField(child=serializers.CharField())
    tasks = PlanTaskSerializer(many=True)
    critical_path = serializers.SerializerMethodField()
    misfits = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "id",
            "unit",
            "unit_name",
            "kind",
            "year",
            "title",
            "goals",
            "requirements",
            "measures",
            "missing_parts",
            "starts_on",
            "target_date",
            "target_reason",
            "parent",
            "tasks",
            "critical_path",
            "misfits",
        ]

    def _schedule(self, plan):
        cache = self.context.setdefault("schedules", {})
        if plan.pk not in cache:
            try:
                cache[plan.pk] = services.plan_schedule(plan)
            except ScheduleError:
                cache[plan.pk] = None
        return cache[plan.pk]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_critical_path(self, plan) -> list[int]:
        schedule = self._schedule(plan)
        return [int(k) for k in schedule.critical_path] if schedule else []

    @extend_schema_field(MisfitSerializer(many=True))
    def get_misfits(self, plan) -> list[dict]:
        schedule = self._schedule(plan)
        if not schedule:
            return []
        return [{"task": int(m.key), "latest_start": m.latest_start, "message": m.message} for m in schedule.misfits]


class PlanQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    unit = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


PLAN_PREFETCH = ("tasks__predecessors", "tasks__owner", "tasks__rule_item")


class ProgressInSerializer(serializers.Serializer):
    progress = serializers.IntegerField(help_text="0 to 100 (per cent done)")


class ProgressResultSerializer(serializers.Serializer):
    task = PlanTaskSerializer()
    plan = PlanSerializer()


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Work plans of the caller's units (templates not included): goals, requirements, measures,
    what is missing of them, and the tasks with their latest start and finish on the working-day
    calendar, the critical path and the tasks that cannot fit."""

    serializer_class = PlanSerializer
    queryset = Plan.objects.none()

    def get_queryset(self):
        query = PlanQuerySerializer(data=self.request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        return (
            selectors.plan_list(
                actor=actor_for(self.request.user),
                year=query.validated_data.get("year"),
                unit_id=query.validated_data.get("unit"),
            )
            .prefetch_related(*PLAN_PREFETCH)
            .order_by("-year", "id")
        )

    def get_object(self):
        plan = selectors.plan_get(actor=actor_for(self.request.user), plan_id=self.kwargs["pk"])
        if plan.is_template:
            raise Http404
        return plan

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("unit", int, description="unit id (that unit's own plans)"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ProgressInSerializer,
        responses={200: ProgressResultSerializer},
        parameters=[OpenApiParameter("task_id", int, location=OpenApiParameter.PATH, description="a task of the plan")],
    )
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>[0-9]+)/progress")
    def progress(self, request, pk=None, task_id=None):
        """Record a task's progress (0–100): the task's owner or whoever keeps the unit's plans.
        The plan is rescheduled (a task begun is no longer held to start today or later); the same
        progress again changes nothing. Answers with the task and the whole plan's new dates."""
        plan = self.get_object()
        task = plan.tasks.filter(pk=int(task_id)).first() if len(task_id) < 19 else None
        if task is None:
            raise Http404
        payload = ProgressInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = call_service(
            services.task_progress, actor=request.user, task=task, progress=payload.validated_data["progress"]
        )
        plan = selectors.plan_list(actor=actor_for(request.user)).prefetch_related(*PLAN_PREFETCH).get(pk=plan.pk)
        context = self.get_serializer_context()
        task = next(t for t in plan.tasks.all() if t.pk == task.pk)
        return Response(
            {
                "task": PlanTaskSerializer(task, context=context).data,
                "plan": PlanSerializer(plan, context=context).data,
            }
        )
