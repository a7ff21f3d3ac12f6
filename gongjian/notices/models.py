"""Notices (通知) with receipts: a notice goes to units; each unit's receipt records when it was
read, acknowledged (签收) and replied to (回执). Notifications are a user's in-app inbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.notices.choices import NoticeKind, ReceiptState


def notice_path(instance, filename: str) -> str:
    return f"notices/{timezone.now():%Y/%m}/{filename}"


class Notice(models.Model):
    sender_unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("sender"), on_delete=models.PROTECT, related_name="notices_sent"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices, default=NoticeKind.GENERAL)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    reply_required = models.BooleanField(_("reply required"), default=False)
    reply_due = models.DateField(_("reply due"), null=True, blank=True)
    inspection_on = models.DateField(_("inspection date"), null=True, blank=True)
    inspection_scope = models.TextField(_("inspection scope"), blank=True)
    rule_items = models.ManyToManyField("assessments.RuleItem", verbose_name=_("rule items"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return self.title


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=notice_path, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]


class Receipt(models.Model):
    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="notice_receipts"
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_text = models.TextField(_("reply"), blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["unit__name", "id"]
        constraints = [models.UniqueConstraint(fields=["notice", "unit"], name="receipt_one_per_unit")]

    def __str__(self) -> str:
        return f"{self.notice} · {self.unit}"

    @property
    def state(self) -> str:
        if self.replied_at:
            return ReceiptState.REPLIED
        if self.acknowledged_at:
            return ReceiptState.ACKNOWLEDGED
        if self.read_at:
            return ReceiptState.READ
        return ReceiptState.UNREAD

    def get_state_display(self) -> str:
        return str(ReceiptState(self.state).label)

    @property
    def is_overdue(self) -> bool:
        """A reply is due and missing, and its day has passed."""
        notice = self.notice
        return bool(
            notice.reply_required
            and notice.reply_due
            and not self.replied_at
            and notice.reply_due < timezone.localdate()
        )


class ReceiptFile(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=notice_path, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=notice_path, max_length=255, blank=True)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=6)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("reply file")
        verbose_name_plural = _("reply files")
        ordering = ["id"]


class Notification(models.Model):
    """One message in a user's in-app inbox. ``key`` makes a reminder arrive once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(_("key"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title


class DeliveryChannel(models.TextChoices):
    WEBHOOK = "webhook", _("Group-robot webhook")
    EMAIL = "email", _("Email")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One notification sent outside the app (webhook or email), tried in the background and again
    by ``manage.py send_reminders`` until it is sent or has failed ``NOTIFY_MAX_ATTEMPTS`` times."""

    channel = models.CharField(_("channel"), max_length=8, choices=DeliveryChannel.choices)
    key = models.CharField(_("key"), max_length=120)
    recipient = models.CharField(_("recipient"), max_length=254)
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("link"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "key"], name="delivery_once_per_key")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.title}"
