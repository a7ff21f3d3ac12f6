from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongjian.assessments.choices import AssessmentStatus, DeductionSource, Frequency, ItemLevel, Method, SanctionKind
from gongjian.core.models import TimeStampedModel

POINTS = {"max_digits": 7, "decimal_places": 2}


class RuleSet(TimeStampedModel):
    """A version of the assessment rules (考评细则), in force from a month until the next version."""

    city = models.ForeignKey("organizations.Unit", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("in force from (month)"))
    total_points = models.DecimalField(_("declared total points"), **POINTS)
    overdue_deduction = models.DecimalField(_("deduction per overdue case"), default=Decimal("0"), **POINTS)
    rework_deduction = models.DecimalField(_("deduction per reworked case"), default=Decimal("0"), **POINTS)
    relapse_deduction = models.DecimalField(_("deduction per relapse"), default=Decimal("0"), **POINTS)
    fold_into_monthly_from = models.DateField(_("every item assessed monthly from (month)"), null=True, blank=True)
    levels = models.JSONField(_("ranked levels"), default=list)
    flag_level = models.CharField(_("red flag level"), max_length=12, default="compound")
    red_flag_threshold = models.DecimalField(
        _("red flag threshold"), max_digits=5, decimal_places=4, default=Decimal("0.9")
    )
    list_size = models.PositiveSmallIntegerField(_("size of the red and black lists"), default=5)
    # Rewards and penalties produced on publication, e.g.
    # [{"when": "red_flag", "kind": "commendation"},
    #  {"when": "rate_below", "threshold": 0.6, "months": 2, "kind": "criticism"}, ...]
    policy = models.JSONField(_("rewards and penalties policy"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["city", "effective_from"], name="ruleset_one_per_city_month"),
            models.UniqueConstraint(fields=["city", "version"], name="ruleset_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RuleItem(models.Model):
    """One item of a rule set's tree. Branches group items; leaves are scored by their method."""

    ruleset = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    points = models.DecimalField(_("points"), **POINTS)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    level = models.CharField(_("level"), max_length=10, choices=ItemLevel.choices, default="", blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, blank=True)
    per_occurrence = models.DecimalField(_("points per occurrence"), null=True, blank=True, **POINTS)
    categories = models.JSONField(_("problem category codes"), default=list, blank=True)
    grades = models.JSONField(_("grades"), default=list, blank=True)
    indicator = models.CharField(_("indicator"), max_length=24, blank=True)
    threshold = models.DecimalField(_("threshold (%)"), max_digits=6, decimal_places=2, null=True, blank=True)
    per_point = models.DecimalField(_("points per percentage point"), null=True, blank=True, **POINTS)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("rule item")
        verbose_name_plural = _("rule items")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "code"], name="ruleitem_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_leaf(self) -> bool:
        return bool(self.method)


class Assessment(TimeStampedModel):
    """The assessment of one month: draft → computed (may be recomputed) → published (final)."""

    city = models.ForeignKey("organizations.Unit", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    ruleset = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    # What the last computation saw: its start (a snapshot), the moment up to which it counted
    # cases, the audit trail's last event id then (a watermark: any later change of a problem,
    # manual score, archive record or the rule set is newer), and whether it was a month-to-date
    # preview (before the month ended, not publishable). See ``freshness`` and ``calendar_rules``.
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    counted_until = models.DateTimeField(_("cases counted until"), null=True, blank=True)
    audit_watermark = models.BigIntegerField(_("last audit event seen by the computation"), default=0)
    is_preview = models.BooleanField(_("month-to-date preview"), default=False)
    # The city office's reasons for overriding the calendar (printed on the sheet and bulletin).
    early_open_reason = models.TextField(_("reason for opening before the month started"), blank=True)
    early_close_reason = models.TextField(_("reason for closing before the month ended"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    next_steps = models.TextField(_("next steps (for the bulletin)"), blank=True)

    class Meta:
        verbose_name = _("monthly assessment")
        verbose_name_plural = _("monthly assessments")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["city", "month"], name="assessment_one_per_city_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def calendar_overrides(self) -> list[tuple[str, str]]:
        """(what was forced, the city office's reason) — for the sheet, the bulletin and exports."""
        out = []
        if self.early_open_reason:
            out.append((str(_("Opened before the month started")), self.early_open_reason))
        if self.early_close_reason:
            out.append((str(_("Closed before the month ended")), self.early_close_reason))
        return out

    @property
    def preview_day(self) -> int | None:
        """D of 截至 D 日 when the last computation is a month-to-date preview, else None."""
        if not self.is_preview or self.counted_until is None:
            return None
        from django.utils import timezone

        return timezone.localtime(self.counted_until).day


class ScoreSheet(models.Model):
    """One unit's score for a month (考核得分表)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="sheets")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="score_sheets")
    street = models.ForeignKey("organizations.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=12)
    score = models.DecimalField(_("score"), **POINTS)
    max_score = models.DecimalField(_("maximum score"), **POINTS)
    rate = models.DecimalField(_("score rate"), max_digits=7, decimal_places=6)
    rank_city = models.PositiveIntegerField(_("rank in the city"), null=True)
    rank_street = models.PositiveIntegerField(_("rank in the street"), null=True)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [models.UniqueConstraint(fields=["assessment", "unit"], name="sheet_unique_unit")]
        indexes = [models.Index(fields=["assessment", "level", "rank_city"], name="sheet_rank_idx")]

    def __str__(self) -> str:
        return f"{self.assessment} {self.unit}"


# Score sheets' item scores and deduction lines are a month's computation, rebuilt whole each time
# (tens of thousands of rows): their high-volume links carry no database constraint, whose per-row
# checks at commit cost more than writing the rows (docs/decisions/0008-computed-rows-without-fk-checks.md).
# The engine is their only writer, from ids it has just read in the same transaction, and deletes
# them children first; Django's on_delete (CASCADE, PROTECT) still applies to deletes through the ORM.


class ItemScore(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="items", db_constraint=False)
    item = models.ForeignKey(RuleItem, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    points = models.DecimalField(_("points"), **POINTS)
    score = models.DecimalField(_("score"), **POINTS)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sheet", "item"], name="itemscore_unique")]


class Deduction(models.Model):
    """One line of the original assessment record (原始考核资料): why points were lost."""

    item_score = models.ForeignKey(ItemScore, on_delete=models.CASCADE, related_name="deductions", db_constraint=False)
    source = models.CharField(_("source"), max_length=14, choices=DeductionSource.choices)
    problem = models.ForeignKey(
        "inspections.Problem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deductions",
        db_constraint=False,
    )
    manual_entry = models.ForeignKey("ManualEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), **POINTS)
    reason = models.CharField(_("reason"), max_length=300)
    # A late event of a month already published, counted in the first open month (docs/assessments.md).
    carried_from = models.DateField(_("carried from (month)"), null=True, blank=True)


class ManualEntry(TimeStampedModel):
    """An assessor's score for a manual (or not yet evidence-backed) item, with the reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="manual_entries")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(RuleItem, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), **POINTS)
    reason = models.TextField(_("reason"))
    evidence = models.FileField(_("evidence"), upload_to="assessments/evidence/%Y/%m/", blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("manual score")
        verbose_name_plural = _("manual scores")
        constraints = [models.UniqueConstraint(fields=["assessment", "unit", "item"], name="manual_entry_unique")]


class Adjustment(models.Model):
    """A correction to a published sheet: never a silent change, always a separate line."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="adjustments")
    item = models.ForeignKey(RuleItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points (+/−)"), **POINTS)
    reason = models.TextField(_("reason"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="adjustment_not_zero")]


class RedFlag(models.Model):
    """流动红旗: the best unit of a street in a month, at or above the threshold (ties all hold it)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="red_flags")
    street = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "sheet"], name="redflag_unique")]


class Sanction(models.Model):
    """A reward or penalty (奖惩) produced by the policy when a month is published."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="sanctions")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField(_("kind"), max_length=14, choices=SanctionKind.choices)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
