from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    GENERAL = "general", _("Notice")
    INSPECTION = "inspection", _("Inspection notice")


class ReceiptState(models.TextChoices):
    UNREAD = "unread", _("Not read")
    READ = "read", _("Read, not acknowledged")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    REPLIED = "replied", _("Replied")
