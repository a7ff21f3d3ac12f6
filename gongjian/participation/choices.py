from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyStatus(models.TextChoices):
    NONE = "none", _("Not a party member")
    IN_OFFICE = "in_office", _("Party member working in an agency (reports to the home community)")
    RESIDENT = "resident", _("Resident party member")


class VolunteerStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    ACTIVE = "active", _("Registered")
    REJECTED = "rejected", _("Rejected")


class VolunteerSource(models.TextChoices):
    WORKER = "worker", _("Registered by the community")
    IMPORT = "import", _("Imported")
    SELF = "self", _("Signed up themselves")


class SanctionKind(models.TextChoices):
    COMMENDATION = "commendation", _("Commendation")
    CRITICISM = "criticism", _("Criticism")


class ActivityStatus(models.TextChoices):
    """planned → held → archived, or planned → cancelled (see ``lifecycle.py``)."""

    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    ARCHIVED = "archived", _("Archived")
    CANCELLED = "cancelled", _("Cancelled")


# An activity is recorded as planned or as already held; the other states are reached by the
# lifecycle's transitions only.
RECORDABLE_STATUSES = (ActivityStatus.PLANNED, ActivityStatus.HELD)
# Activities that took place: they count for volunteers, pairings and the archive.
HAPPENED_STATUSES = (ActivityStatus.HELD, ActivityStatus.ARCHIVED)


class ImportKind(models.TextChoices):
    VOLUNTEERS = "volunteers", _("Volunteers")
    TEAM_MEMBERS = "team_members", _("Team members")
    STAIRWELL_HEADS = "stairwell_heads", _("Stairwell heads")
    FRONTAGE = "frontage", _("Frontage duties (门前三包)")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Awaiting confirmation")
    SAVED = "saved", _("Saved")
    CANCELLED = "cancelled", _("Cancelled")


class TeamKind(models.TextChoices):
    """四支队伍: the four teams every community keeps."""

    CLEANING = "cleaning", _("Cleaners")
    PERSUASION = "persuasion", _("Civility persuaders")
    HYGIENE = "hygiene", _("Hygiene supervisors")
    GREENERY = "greenery", _("Greenery keepers")


class PlanStatus(models.TextChoices):
    """An activity's plan (方案): submitted to the level above, then approved or returned."""

    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
