"""Work plans (工作计划): a unit's plan for a year (rolling up into a three-year plan), with goals,
requirements and measures, and tasks reverse-scheduled (倒排) from the plan's target date."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.core.models import TimeStampedModel
from gongjian.plans.choices import PlanKind


class Plan(TimeStampedModel):
    unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="work_plans"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PlanKind.choices, default=PlanKind.YEAR)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    title = models.CharField(_("title"), max_length=200)
    goals = models.TextField(_("goals"), blank=True)
    requirements = models.TextField(_("requirements"), blank=True)
    measures = models.TextField(_("measures"), blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    target_reason = models.CharField(_("target set by"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("three-year plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="year_plans",
    )
    is_template = models.BooleanField(_("template issued by the city"), default=False)
    template = models.ForeignKey(
        "self",
        verbose_name=_("copied from template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        ordering = ["-year", "unit__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "year"], condition=Q(is_template=False), name="plan_one_per_unit_kind_year"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def progress(self) -> int | None:
        """The mean progress of the tasks, weighted by their working days (None without tasks)."""
        tasks = list(self.tasks.all())
        days = sum(t.duration for t in tasks)
        return round(sum(t.progress * t.duration for t in tasks) / days) if days else None

    @property
    def missing_parts(self) -> list[str]:
        from gongjian.plans.rules import missing_parts

        return missing_parts(goals=self.goals, requirements=self.requirements, measures=self.measures)


class PlanTask(models.Model):
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks")
    name = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_tasks",
    )
    duration = models.PositiveSmallIntegerField(
        _("duration (working days)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    predecessors = models.ManyToManyField(
        "self", verbose_name=_("predecessors"), symmetrical=False, blank=True, related_name="successors"
    )
    rule_item = models.ForeignKey(
        "assessments.RuleItem",
        verbose_name=_("rule item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_tasks",
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    # Computed by services.plan_reschedule from the plan's target date (never typed in).
    latest_start = models.DateField(_("latest start"), null=True, blank=True)
    latest_finish = models.DateField(_("latest finish"), null=True, blank=True)
    slack = models.PositiveSmallIntegerField(_("slack (working days)"), null=True, blank=True)
    critical = models.BooleanField(_("on the critical path"), default=False)

    class Meta:
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_done(self) -> bool:
        return self.progress >= 100

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.latest_finish is not None and self.latest_finish < timezone.localdate()
