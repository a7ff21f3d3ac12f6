from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.core.jobs.models import JobStatus as _JobStatus


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Interval(models.TextChoices):
    """How often something is expected: a requirement of the template, a mechanism's execution."""

    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every quarter")
    YEARLY = "yearly", _("Every year")


INTERVAL_PERIOD = {
    Interval.MONTHLY: PeriodKind.MONTH,
    Interval.QUARTERLY: PeriodKind.QUARTER,
    Interval.YEARLY: PeriodKind.YEAR,
}


class EvidenceKind(models.TextChoices):
    TEXT = "text", _("Text record")
    PHOTO_SET = "photo_set", _("Photo set")
    DOCUMENT = "document", _("Document")
    MEETING = "meeting", _("Meeting record")
    ACTIVITY = "activity", _("Activity record")
    RECTIFICATION = "rectification", _("Rectification record")


class EvidenceSource(models.TextChoices):
    """Where a record comes from: typed in by a worker, or collected from what the system knows."""

    MANUAL = "manual", _("Added by hand")
    PROBLEM = "problem", _("Closed problem")
    ACTIVITY = "activity", _("Activity")
    MEETING = "meeting", _("Meeting")
    PLAN = "plan", _("Work plan")
    RECEIPT = "receipt", _("Notice receipt")
    SELECTION = "selection", _("Selection winner")
    MATERIAL = "material", _("Material receipt")
    POSITION = "position", _("Propaganda position update")
    CAMPAIGN = "campaign", _("Campaign report")
    ACTIVITY_PLAN = "act_plan", _("Activity plan")
    FUNDS = "funds", _("Fund statement")
    COMPETITION = "compet", _("Environment competition ranking")


class FileKind(models.TextChoices):
    IMAGE = "image", _("Photo")
    PDF = "pdf", _("PDF document")
    DOCX = "docx", _("Word document")
    XLSX = "xlsx", _("Excel workbook")


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular meeting (例会)")
    JOINT = "joint", _("Joint meeting (联席会)")
    PROGRESS = "progress", _("Progress meeting (推进会)")


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class MechanismKind(models.TextChoices):
    """The six mechanisms the speech asks every community to run."""

    MEETING = "meeting", _("Meeting mechanism (会议机制)")
    LIAISON = "liaison", _("Liaison system (沟通联系制度)")
    ARCHIVING = "archiving", _("Archiving system (建档制度)")
    FINANCE = "finance", _("Financial management system (财务管理制度)")
    SUPERVISION = "supervision", _("Supervision and assessment system (督查考核制度)")
    CLEANING = "cleaning", _("Cleaning system (保洁制度)")


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class LogAction(models.TextChoices):
    CREATE = "create", _("Created")
    REVISE = "revise", _("Revised")
    WITHDRAW = "withdraw", _("Withdrawn")


class BinderFormat(models.TextChoices):
    PDF = "pdf", _("PDF binder")
    ZIP = "zip", _("ZIP of original files")


# A binder's status is its background job's (gongjian.core.jobs).
JobStatus = _JobStatus
