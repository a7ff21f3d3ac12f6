from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.core.models import TimeStampedModel
from gongjian.inspections.choices import (
    DeadlineUnit,
    ExtensionStatus,
    InspectionKind,
    PhotoStage,
    PointType,
    ProblemSource,
    ProblemStatus,
    ReviewOutcome,
    Severity,
)


class Category(TimeStampedModel):
    """A problem category (问题类别). Codes follow GB/T 30428-style five digits (2-digit major
    class + 3-digit minor class); local extensions are flagged and coded by the city."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=60)
    group = models.CharField(_("group"), max_length=40)
    legacy_code = models.CharField(_("legacy code"), max_length=10, blank=True)
    is_local = models.BooleanField(_("local extension"), default=False)
    deadline_amount = models.PositiveSmallIntegerField(_("rectification deadline"), default=3)
    deadline_unit = models.CharField(
        _("deadline unit"), max_length=5, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS
    )
    relapse_window_days = models.PositiveSmallIntegerField(_("relapse window (days)"), default=30)
    is_active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("problem category")
        verbose_name_plural = _("problem categories")
        ordering = ["sort_order", "code"]
        constraints = [models.CheckConstraint(condition=Q(deadline_amount__gte=1), name="category_deadline_positive")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Inspection(TimeStampedModel):
    """An inspection round (检查): who inspected which units on which day."""

    kind = models.CharField(_("kind"), max_length=12, choices=InspectionKind.choices)
    title = models.CharField(_("title"), max_length=120)
    date = models.DateField(_("date"))
    organiser = models.ForeignKey(
        "organizations.Unit", verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+"
    )
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("inspectors"), related_name="+")
    units = models.ManyToManyField("organizations.Unit", verbose_name=_("units covered"), related_name="inspections")

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


class CaseNumberCounter(models.Model):
    """The last sequence number used for one case-number prefix (category code + date)."""

    prefix = models.CharField(max_length=20, unique=True)
    last = models.PositiveIntegerField(default=0)


class Problem(TimeStampedModel):
    """A problem found at a place (问题/案件), and where it stands in the rectification loop."""

    number = models.CharField(_("case number"), max_length=24, unique=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    # The responsible unit's ancestors, copied at report time (and kept in step when a unit moves)
    # so that scoping and per-street statistics are indexed equalities, not tree walks.
    city = models.ForeignKey("organizations.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("organizations.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("organizations.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("organizations.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection round"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    point_type = models.CharField(_("point type"), max_length=12, choices=PointType.choices)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField(_("description"))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.NORMAL)
    found_at = models.DateTimeField(_("found at"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    deadline = models.DateTimeField(_("deadline"))
    original_deadline = models.DateTimeField(_("original deadline"))
    submitted_at = models.DateTimeField(_("last rectified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("rework count"), default=0)
    relapse_of = models.ForeignKey(
        "self",
        verbose_name=_("relapse of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="relapses",
    )
    void_reason = models.TextField(_("reason for voiding"), blank=True)
    # Who brought it: officials, or a resident's report accepted by the office (gongjian/residents).
    source = models.CharField(_("source"), max_length=10, choices=ProblemSource.choices, default=ProblemSource.OFFICIAL)
    # Bumped by every transition, so a decision taken on a stale page is refused.
    version = models.PositiveIntegerField(default=1)

    # For the access module: level → the column holding the ancestor-or-self at that level.
    SCOPE_COLUMNS = {
        "city": "city_id",
        "district": "district_id",
        "street": "street_id",
        "community": "community_id",
        "compound": "unit_id",
    }

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-found_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "found_at"], name="problem_unit_found_idx"),
            # Status last: counts by month and status are answered from the index alone.
            models.Index(fields=["city", "found_at", "status"], name="problem_city_found_idx"),
            models.Index(fields=["street", "found_at", "status"], name="problem_street_found_idx"),
            models.Index(fields=["community", "found_at", "status"], name="problem_community_found_idx"),
            # Status lists (open, awaiting re-check) and their counts, city-wide and per street.
            models.Index(fields=["city", "status", "found_at"], name="problem_city_status_idx"),
            models.Index(fields=["street", "status", "found_at"], name="problem_street_status_idx"),
            models.Index(fields=["found_at"], name="problem_found_idx"),
            models.Index(fields=["status", "deadline"], name="problem_status_deadline_idx"),
            models.Index(fields=["category", "unit", "closed_at"], name="problem_relapse_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ProblemStatus.VOID) | ~Q(void_reason=""), name="problem_void_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category.name if self.category_id else ''}".strip()

    @property
    def is_overdue(self) -> bool:
        """Not rectified by the deadline: still open after it."""
        return self.status == ProblemStatus.OPEN and timezone.now() > self.deadline

    @property
    def is_late(self) -> bool:
        """The rectification in hand (awaiting re-check or accepted) was submitted after the deadline."""
        return (
            self.status in (ProblemStatus.SUBMITTED, ProblemStatus.CLOSED)
            and self.submitted_at is not None
            and self.submitted_at > self.deadline
        )

    @property
    def is_relapse(self) -> bool:
        return self.relapse_of_id is not None


def photo_path(instance: ProblemPhoto, filename: str) -> str:
    now = timezone.now()
    return f"problems/{now:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}-{filename}"


class Rectification(models.Model):
    """A submitted rectification (提交整改) and the inspector's re-check of it (复查)."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="rectifications"
    )
    note = models.TextField(_("what was done"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("re-checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("re-checked at"), null=True, blank=True)
    review_note = models.TextField(_("re-check note"), blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["submitted_at", "id"]


class ProblemPhoto(models.Model):
    """A photo of a problem, before (as found) or after rectification. Files are served only
    through a permission check, never as public media."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="photos")
    rectification = models.ForeignKey(
        Rectification, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    stage = models.CharField(_("stage"), max_length=6, choices=PhotoStage.choices)
    file = models.FileField(_("photo"), upload_to=photo_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    original_format = models.CharField(_("original format"), max_length=10)
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    taken_at = models.DateTimeField(_("taken at (from the photo)"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "id"]


class Extension(models.Model):
    """A request to extend the deadline (延期), approved or rejected by the city or the street."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField(_("reason"))
    requested_deadline = models.DateTimeField(_("requested deadline"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(
        _("status"), max_length=8, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem"], condition=Q(status="pending"), name="extension_one_pending_per_problem"
            )
        ]


def upload_path(instance: PhotoUpload, filename: str) -> str:
    return f"uploads/{instance.token}/{filename}"


class PhotoUpload(models.Model):
    """A photo sent from the phone as soon as it was chosen, before the form it belongs to
    (a report, a rectification, a re-check). The form refers to it by ``token``; only the person
    who uploaded it can use it or see its preview. It is turned into a ``ProblemPhoto`` (and
    deleted) when the form is saved; unused ones are removed by ``purge_photo_uploads``."""

    token = models.UUIDField(_("token"), unique=True, default=uuid.uuid4, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.CASCADE, related_name="+"
    )
    # The bytes as the phone sent them (already checked to be a photo): the report reads its time
    # and position from them exactly as from a photo sent with the form.
    file = models.FileField(_("photo"), upload_to=upload_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=upload_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("photo awaiting its form")
        verbose_name_plural = _("photos awaiting their forms")


class IdempotencyKey(models.Model):
    """A write sent from the phone with an ``Idempotency-Key`` (a UUID the phone made): the same
    key from the same person again returns the first result instead of writing twice (a resend
    after a dropped connection, the outbox sending again)."""

    key = models.UUIDField(_("idempotency key"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30)
    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
