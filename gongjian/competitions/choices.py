from django.db import models
from django.utils.translation import gettext_lazy as _


class CompetitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPUTED = "computed", _("Computed")
    PUBLISHED = "published", _("Published")


class ItemMethod(models.TextChoices):
    """How an inspector's result for one item turns into points lost (rules.item_lost)."""

    DEDUCT = "deduct", _("Deduction per occurrence")
    GRADE = "grade", _("Graded by occurrences (状态描述法)")
    POINTS = "points", _("Points lost, given by the inspector")


class RankScope(models.TextChoices):
    CITY = "city", _("City")
    STREET = "street", _("Street")
    KIND = "kind", _("Kind of unit")
