from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "days", _("working days")
    WORKING_HOURS = "hours", _("working hours")


class InspectionKind(models.TextChoices):
    DAILY = "daily", _("Daily patrol")
    MONTHLY = "monthly", _("Monthly assessment inspection")
    SURVEY = "survey", _("Big survey")
    SPECIAL = "special", _("Special supervision")
    UNANNOUNCED = "unannounced", _("Unannounced visit")


class PointType(models.TextChoices):
    COMPOUND = "compound", _("Residential compound")
    BACK_STREET = "back_street", _("Back street or alley")
    MAIN_ROAD = "main_road", _("Main road or shopping street")
    MARKET = "market", _("Farmers' market")
    SQUARE = "square", _("Public square")
    PARK = "park", _("Park")
    STATION = "station", _("Station")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School")
    TOILET = "toilet", _("Public toilet")
    WATERWAY = "waterway", _("Pond or waterway")
    VACANT_LOT = "vacant_lot", _("Vacant lot")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    NORMAL = "normal", _("Normal")
    SERIOUS = "serious", _("Serious")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Being rectified")
    SUBMITTED = "submitted", _("Rectified, awaiting re-check")
    CLOSED = "closed", _("Closed")
    VOID = "void", _("Void")


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("Before (as found)")
    AFTER = "after", _("After rectification")
    RECHECK = "review", _("At the re-check")


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting re-check")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed: rework")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ProblemSource(models.TextChoices):
    OFFICIAL = "official", _("Found by officials")
    RESIDENT = "resident", _("Reported by a resident")
