"""The archives (台帐资料): evidence records with their files, meetings, the six mechanisms, the
city's unified template, the hash-chained archive log and binder jobs.

Evidence rows are versions: a record is identified by ``record_key`` and a change writes a new
row with the next ``version`` and moves ``is_current`` to it, so nothing archived is ever
overwritten (see ``services.evidence_revise``). Every version is written to ``ArchiveLogEntry``,
an append-only log whose entries are chained by SHA-256 (``integrity.py``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.archives.choices import (
    BinderFormat,
    DecisionStatus,
    EvidenceKind,
    EvidenceSource,
    FileKind,
    Interval,
    LogAction,
    MechanismKind,
    MeetingKind,
    PeriodKind,
    TemplateStatus,
)
from gongjian.core.models import AppendOnlyQuerySet, TimeStampedModel


def archive_path(instance, filename: str) -> str:
    return f"archives/files/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


def binder_path(instance, filename: str) -> str:
    return f"archives/binders/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


# --- the unified template (台帐资料样本) ------------------------------------------------------------


class ArchiveTemplate(TimeStampedModel):
    """The city's unified binder template for a rule set: sections in binder order, each mapped to
    a rule item, with what evidence the item requires. Published templates are what communities
    are audited against."""

    ruleset = models.ForeignKey(
        "assessments.RuleSet", verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="archive_templates"
    )
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("archive template")
        verbose_name_plural = _("archive templates")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.name


class TemplateSection(models.Model):
    """One binder section: a rule item, in the template's order."""

    template = models.ForeignKey(ArchiveTemplate, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    rule_item = models.ForeignKey(
        "assessments.RuleItem", verbose_name=_("rule item"), on_delete=models.PROTECT, related_name="+"
    )
    guidance = models.TextField(_("guidance"), blank=True)

    class Meta:
        verbose_name = _("template section")
        verbose_name_plural = _("template sections")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "rule_item"], name="section_item_unique")]

    def __str__(self) -> str:
        return self.title


class EvidenceRequirement(models.Model):
    """What a section needs, e.g. "each month at least one meeting record with at least two
    captioned photos": ``interval`` monthly, ``kinds`` [meeting], ``min_records`` 1, ``min_photos`` 2."""

    section = models.ForeignKey(TemplateSection, on_delete=models.CASCADE, related_name="requirements")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=200)
    kinds = models.JSONField(_("kinds of record"), default=list, blank=True)  # empty: any kind
    interval = models.CharField(_("how often"), max_length=10, choices=Interval.choices, default=Interval.YEARLY)
    min_records = models.PositiveSmallIntegerField(_("records at least"), default=1)
    min_photos = models.PositiveSmallIntegerField(_("captioned photos per record at least"), default=0)

    class Meta:
        verbose_name = _("evidence requirement")
        verbose_name_plural = _("evidence requirements")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


# --- mechanisms (长效机制) ----------------------------------------------------------------------------


class Mechanism(TimeStampedModel):
    """One of a community's six mechanisms: the document that sets it up, how often it is expected
    to run, and (through ``Evidence.mechanism``) the records that show it runs."""

    unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="mechanisms"
    )
    kind = models.CharField(_("mechanism"), max_length=12, choices=MechanismKind.choices)
    title = models.CharField(_("title"), max_length=200)
    established_on = models.DateField(_("established on"))
    interval = models.CharField(_("expected to run"), max_length=10, choices=Interval.choices)
    # The founding document is an evidence record (kind document) so it is archived, versioned and
    # chained like any other; this is its record key.
    document_key = models.UUIDField(_("founding document"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("mechanism")
        verbose_name_plural = _("mechanisms")
        ordering = ["unit_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="mechanism_one_per_kind")]

    def __str__(self) -> str:
        return self.title


# --- meetings -----------------------------------------------------------------------------------------


class Meeting(TimeStampedModel):
    unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    minutes = models.TextField(_("minutes"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["unit", "held_on"], name="meeting_unit_date_idx")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(_("name"), max_length=60)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    cobuild_unit = models.ForeignKey(
        "organizations.CobuildUnit",
        verbose_name=_("co-construction unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_head = models.BooleanField(_("head of the unit"), default=False)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class MeetingDecision(models.Model):
    """A decision with an owner and a due date, followed up until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.CharField(_("decision"), max_length=300)
    owner = models.CharField(_("owner"), max_length=60)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=6, choices=DecisionStatus.choices, default=DecisionStatus.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text


class MeetingPhoto(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=archive_path, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=archive_path, max_length=255)
    sha256 = models.CharField(max_length=64)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    taken_at = models.DateTimeField(_("taken at (from the photo)"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting photo")
        verbose_name_plural = _("meeting photos")
        ordering = ["id"]


# --- evidence -----------------------------------------------------------------------------------------


class EvidenceQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)


class Evidence(models.Model):
    """One version of an evidence record. Versions of the same record share ``record_key``."""

    SCOPE_UNIT_FIELD = "unit"

    record_key = models.UUIDField(_("record"), default=uuid.uuid4, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="evidence"
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period starts"))
    kind = models.CharField(_("kind"), max_length=14, choices=EvidenceKind.choices)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    # Records that span days (a rectification: found → closed) start here; photos taken between
    # ``started_on`` and ``date`` are on time.
    started_on = models.DateField(_("started on"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    rule_items = models.ManyToManyField("assessments.RuleItem", verbose_name=_("rule items"), related_name="+")
    mechanism = models.ForeignKey(
        Mechanism,
        verbose_name=_("mechanism it shows running"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="executions",
    )
    source = models.CharField(_("source"), max_length=10, choices=EvidenceSource.choices, default=EvidenceSource.MANUAL)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    # For a collected record: what its source (problem, activity, meeting) said when this record's
    # line last took it in. Collecting again merges three ways against it, so a person's edits on
    # the archived record survive a later change of the source (services.collection._collect).
    source_snapshot = models.JSONField(_("source as last collected"), null=True, blank=True)
    author = models.CharField(_("author"), max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("archived at"), default=timezone.now)
    content_hash = models.CharField(_("content SHA-256"), max_length=64, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence record")
        verbose_name_plural = _("evidence records")
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_key", "version"], name="evidence_version_unique"),
            models.UniqueConstraint(
                fields=["record_key"], condition=Q(is_current=True), name="evidence_one_current_version"
            ),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=Q(is_current=True) & ~Q(source="manual"),
                name="evidence_collected_once",
            ),
        ]
        indexes = [models.Index(fields=["unit", "is_current", "date"], name="evidence_unit_date_idx")]

    def __str__(self) -> str:
        return self.title


class EvidenceFile(models.Model):
    """A file of one evidence version. A new version copies its rows; the stored file is shared,
    so a revision never copies bytes. ``sha256`` is of the stored bytes (what verify re-reads)."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="files")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    file = models.FileField(_("file"), upload_to=archive_path, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=archive_path, max_length=255, blank=True)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=6, choices=FileKind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    phash = models.CharField(_("perceptual hash"), max_length=16, blank=True)
    taken_at = models.DateTimeField(_("taken at (from the photo)"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.kind == FileKind.IMAGE


class ArchiveChainHead(models.Model):
    """A single row: the hash of the log's last entry. Appending updates it first, which takes the
    write lock on every database, so two writers can never chain onto the same entry."""

    last_hash = models.CharField(max_length=64)
    entries = models.PositiveBigIntegerField(default=0)


class ArchiveLogEntry(models.Model):
    """Append-only, hash-chained history of the archive. ``entry_hash`` = SHA-256 of the previous
    entry's hash and this entry's fields (including the SHA-256 of the record's content), so
    changing, removing or reordering any entry, or the record it describes, breaks the chain."""

    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=LogAction.choices)
    record_key = models.UUIDField(_("record"))
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="log_entries")
    version = models.PositiveIntegerField(_("version"))
    content_hash = models.CharField(_("content SHA-256"), max_length=64)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("archive log entry")
        verbose_name_plural = _("archive log")
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The archive log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The archive log is append-only.")


# --- binders ------------------------------------------------------------------------------------------


class BinderJob(TimeStampedModel):
    """A binder asked for: which unit, period and format. Its progress, attempts and file are its
    background job's (``job``, a ``gongjian.core.jobs`` record), made by the task
    ``archives.tasks.binder_build``; the job is done only together with its complete file."""

    unit = models.ForeignKey("organizations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period starts"))
    format = models.CharField(_("format"), max_length=4, choices=BinderFormat.choices, default=BinderFormat.PDF)
    job = models.OneToOneField(
        "core.Job", verbose_name=_("background job"), on_delete=models.PROTECT, related_name="binder"
    )

    class Meta:
        verbose_name = _("binder job")
        verbose_name_plural = _("binder jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.job.filename or f"binder {self.pk}"

    # What pages and the API show, read from the job.
    status = property(lambda self: self.job.status)
    progress = property(lambda self: self.job.percent)
    stage = property(lambda self: self.job.stage)
    message = property(lambda self: self.job.message)
    attempts = property(lambda self: self.job.attempts)
    file = property(lambda self: self.job.file)
    filename = property(lambda self: self.job.filename)
    size = property(lambda self: self.job.size)
    sha256 = property(lambda self: self.job.sha256)
    finished_at = property(lambda self: self.job.finished_at)
    requested_by = property(lambda self: self.job.requested_by)

    def get_status_display(self) -> str:
        return self.job.get_status_display()
