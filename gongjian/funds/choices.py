from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    INCOME = "income", _("Income")
    SPENDING = "spending", _("Spending")


class IncomeSource(models.TextChoices):
    CONTRIBUTION = "contribution", _("Co-construction unit's contribution")
    ALLOCATION = "allocation", _("Allocation from above")
    DONATION = "donation", _("Donation")
    OTHER = "other", _("Other income")


class SpendingPurpose(models.TextChoices):
    ACTIVITY = "activity", _("Activities")
    ENVIRONMENT = "environment", _("Environment and sanitation")
    PUBLICITY = "publicity", _("Publicity")
    EQUIPMENT = "equipment", _("Equipment and materials")
    OTHER = "other", _("Other spending")
