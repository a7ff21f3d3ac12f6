from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    """Administrative levels, from the top. A child's level is always below its parent's;
    a city may skip the district level."""

    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    COMPOUND = "compound", _("Compound")


# Position of each level; a smaller number is higher in the tree.
LEVEL_RANK = {level: rank for rank, level in enumerate(UnitLevel.values)}


class CobuildKind(models.TextChoices):
    AGENCY = "agency", _("Government agency")
    ENTERPRISE = "enterprise", _("Enterprise")
    SCHOOL = "school", _("School")
    OTHER = "other", _("Other")
