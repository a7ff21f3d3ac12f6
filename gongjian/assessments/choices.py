from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    DEDUCT = "deduct", _("Deduction per occurrence")
    GRADE = "grade", _("Graded by occurrences (状态描述法)")
    RATE = "rate", _("Rate against a threshold")
    MANUAL = "manual", _("Scored by an assessor")
    EVIDENCE = "evidence", _("Evidence in the archive")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ANNUAL = "annual", _("Annual")


class ItemLevel(models.TextChoices):
    BOTH = "", _("Community and compound")
    COMMUNITY = "community", _("Community")
    COMPOUND = "compound", _("Compound")


class Indicator(models.TextChoices):
    CLOSE_RATE = "close_rate", _("Close rate")
    ON_TIME_CLOSE_RATE = "on_time_close_rate", _("On-time close rate")
    REWORK_RATE = "rework_rate", _("Rework rate")
    OVERDUE_RATE = "overdue_rate", _("Overdue rate")
    RELAPSE_RATE = "relapse_rate", _("Relapse rate")
    # From the residents' satisfaction survey of the month (gongjian/surveys/feed.py).
    SATISFACTION_RATE = "satisfaction_rate", _("Residents' satisfaction rate")
    # Propaganda positions updated within their period as of the month's end (gongjian/materials/feed.py).
    POSITIONS_FRESH_RATE = "positions_fresh_rate", _("Propaganda positions updated on time")


# Rates where more is worse: full points at or BELOW the threshold.
LOWER_IS_BETTER = {Indicator.REWORK_RATE, Indicator.OVERDUE_RATE, Indicator.RELAPSE_RATE}


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPUTED = "computed", _("Computed")
    PUBLISHED = "published", _("Published")


class DeductionSource(models.TextChoices):
    PROBLEM = "problem", _("Problem found")
    OVERDUE = "overdue", _("Overdue rectification")
    REWORK = "rework", _("Rework")
    RELAPSE = "relapse", _("Relapse")
    RATE = "rate", _("Rate below threshold")
    MANUAL = "manual", _("Assessor's score")
    NOT_ASSESSED = "not_assessed", _("No score entered")
    ARCHIVE = "archive", _("Archive incomplete")


class SanctionKind(models.TextChoices):
    COMMENDATION = "commendation", _("Commendation")
    CRITICISM = "criticism", _("Circulated criticism (通报批评)")
    TALK = "talk", _("Talk with the community head (约谈)")
