"""Residents' reports (随手拍), their plain-language categories, Open311 applications and the
abuse alerts raised by the limits. Personal data (name, phone, e-mail) is kept sealed with the
volunteers' key (participation/privacy.py) and shown masked; only hashes are compared."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongjian.core.models import TimeStampedModel
from gongjian.residents.choices import Answer, AttributeType, ReportChannel, ReportStatus


class ResidentCategory(TimeStampedModel):
    """A category in residents' words (e.g. "垃圾没人清"), mapped to one of the city's problem
    categories; it is also the Open311 service (``code`` is the service_code). Edited by the
    city office."""

    code = models.SlugField(_("service code"), max_length=40, unique=True)
    name = models.CharField(_("name in plain words"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)
    group = models.CharField(_("group"), max_length=40, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    category = models.ForeignKey(
        "inspections.Category", verbose_name=_("city category"), on_delete=models.PROTECT, related_name="+"
    )
    nearby_radius_m = models.PositiveIntegerField(_("radius for nearby problems (metres)"), default=100)
    is_public = models.BooleanField(_("listed publicly (Open311)"), default=True)
    is_active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("residents' category")
        verbose_name_plural = _("residents' categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceAttribute(models.Model):
    """An extra question asked with a category (an Open311 attribute)."""

    resident_category = models.ForeignKey(
        ResidentCategory, verbose_name=_("residents' category"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("code"), max_length=40)
    description = models.CharField(_("question"), max_length=200)
    datatype = models.CharField(_("answer type"), max_length=16, choices=AttributeType.choices)
    required = models.BooleanField(_("required"), default=False)
    datatype_description = models.CharField(_("hint"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    values = models.JSONField(_("choices (key → name)"), default=dict, blank=True)

    class Meta:
        verbose_name = _("extra question")
        verbose_name_plural = _("extra questions")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["resident_category", "code"], name="attribute_code_per_category")
        ]

    def __str__(self) -> str:
        return self.description


class Open311Application(TimeStampedModel):
    """An application allowed to POST to Open311; its key is shown once and kept hashed."""

    name = models.CharField(_("application"), max_length=80, unique=True)
    key_prefix = models.CharField(_("key begins"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 application")
        verbose_name_plural = _("Open311 applications")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ResidentReport(TimeStampedModel):
    """One resident's report (随手拍), from the phone page or an Open311 application."""

    number = models.CharField(_("report number"), max_length=24, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=8, choices=ReportChannel.choices, default=ReportChannel.WEB)
    application = models.ForeignKey(
        Open311Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    resident_category = models.ForeignKey(
        ResidentCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="reports"
    )
    # The community it was reported in (nearest to the position or chosen), else the city: the
    # moderation queue is scoped by it.
    unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("place"), on_delete=models.PROTECT, related_name="resident_reports"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField(_("description"))
    attributes = models.JSONField(_("answers to extra questions"), default=dict, blank=True)
    media_url = models.URLField(_("photo link"), max_length=500, blank=True)
    # Sealed {"name", "phone", "email"} (Fernet, ID_NUMBER_KEY); the masked phone for the office.
    contact_sealed = models.TextField(blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    device_hash = models.CharField(max_length=64, blank=True, db_index=True)
    address_hash = models.CharField(max_length=64, blank=True, db_index=True)
    held = models.BooleanField(_("held: sent from a flooding address"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    problem = models.ForeignKey(
        "inspections.Problem",
        verbose_name=_("problem"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_reports",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reject_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("resident's report")
        verbose_name_plural = _("residents' reports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "unit", "created_at"], name="resident_report_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.REJECTED) | ~Q(reject_reason=""), name="resident_reject_needs_reason"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[ReportStatus.PENDING, ReportStatus.REJECTED]) | Q(problem__isnull=False),
                name="resident_accepted_has_problem",
            ),
        ]

    def __str__(self) -> str:
        return self.number


def resident_photo_path(instance: ResidentPhoto, filename: str) -> str:
    return f"residents/{instance.sha256[:2]}/{instance.sha256}-{filename}"


class ResidentPhoto(models.Model):
    """A resident's photo, re-encoded without EXIF (inspections/photos.py). Served to the office
    after the scope check; public only once it belongs to an accepted problem."""

    report = models.ForeignKey(ResidentReport, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=resident_photo_path, max_length=200)
    thumbnail = models.FileField(upload_to=resident_photo_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]


class Support(models.Model):
    """A "+1" (我也遇到): a resident confirms a known open problem. One per device, and one per
    network address, per problem."""

    problem = models.ForeignKey("inspections.Problem", on_delete=models.CASCADE, related_name="supports")
    device_hash = models.CharField(max_length=64)
    address_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["problem", "device_hash"], name="one_support_per_device")]


class FollowUpAnswer(models.Model):
    """The resident's answer to "解决了吗？" after a closure."""

    report = models.ForeignKey(ResidentReport, on_delete=models.CASCADE, related_name="answers")
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    note = models.TextField(_("what is still wrong"), blank=True)
    closed_at = models.DateTimeField(_("closure answered"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "closed_at"], name="one_answer_per_closure")]


class AbuseAlert(TimeStampedModel):
    """One address (hashed; shown masked) that went over the report limits: its refused requests are
    counted here, and the reports it did send are held out of the queue."""

    address_hash = models.CharField(max_length=64)
    address_masked = models.CharField(_("address"), max_length=60)
    kind = models.CharField(_("limit"), max_length=20)
    window_start = models.DateTimeField(_("from"))
    refused = models.PositiveIntegerField(_("refused requests"), default=0)
    last_at = models.DateTimeField(_("last refused at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("abuse alert")
        verbose_name_plural = _("abuse alerts")
        ordering = ["-last_at"]
        constraints = [
            models.UniqueConstraint(fields=["address_hash", "kind", "window_start"], name="one_alert_per_window")
        ]
