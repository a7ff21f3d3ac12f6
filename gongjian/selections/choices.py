from django.db import models
from django.utils.translation import gettext_lazy as _


class AwardKind(models.TextChoices):
    FAMILY = "family", _("Civilised family (文明家庭)")
    NEIGHBOUR = "neighbour", _("Good neighbour (好邻居)")
    VOLUNTEER = "volunteer", _("Finest volunteer (最美志愿者)")


class NomineeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AnomalyStatus(models.TextChoices):
    OPEN = "open", _("To decide")
    EXCLUDED = "excluded", _("Votes excluded")
    KEPT = "kept", _("Votes kept")


class BurstKind(models.TextChoices):
    ADDRESS = "address", _("One address")
    NETWORK = "network", _("One network (/24)")
