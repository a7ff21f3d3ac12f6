"""The progress record of one background job (``Job``); see ``gongjian.core.jobs``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.core.models import TimeStampedModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED = (JobStatus.DONE, JobStatus.FAILED)


def job_file_path(instance, filename: str) -> str:
    return f"jobs/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


class Job(TimeStampedModel):
    """One piece of background work as people see it. ``stage`` and ``message`` are English source
    strings (numbers filled in), shown in each viewer's language (``text.shown``). A job is marked
    done only in the same update that records its complete stored file, size and SHA-256."""

    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    # The django-tasks task that does the work (its module path), enqueued again on a retry.
    task_path = models.CharField(_("task"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=2)
    task_result_id = models.CharField(_("task id"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Others who hold this permission at ``unit`` may follow the job too (empty: the requester only).
    perm = models.CharField(_("permission"), max_length=40, blank=True)
    # At most one queued or running job per non-empty key (the same binder asked for twice).
    dedupe_key = models.CharField(_("duplicate key"), max_length=200, blank=True)
    worker_host = models.CharField(_("worker host"), max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(_("worker process"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    beat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=job_file_path, max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=120, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status__in=["queued", "running"]) & ~Q(dedupe_key=""),
                name="core_job_one_active_per_key",
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="core_job_percent_at_most_100"),
        ]
        indexes = [models.Index(fields=["status", "beat_at"], name="core_job_status_beat_idx")]

    def __str__(self) -> str:
        return self.title or self.filename or f"{self.kind} {self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def downloadable(self) -> bool:
        return self.status == JobStatus.DONE and bool(self.file)
