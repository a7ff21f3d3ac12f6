"""Participation: what co-construction units, volunteers and residents do for their communities.

Everything links to a community (a ``Unit``), directly or through a pairing, so the access module
can scope it. ID numbers are never stored in the clear (see ``privacy.py``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.core.models import TimeStampedModel
from gongjian.participation.choices import (
    ActivityStatus,
    ImportKind,
    ImportStatus,
    PartyStatus,
    PlanStatus,
    SanctionKind,
    TeamKind,
    VolunteerSource,
    VolunteerStatus,
)


# A folder of its own per file (as in the archives): two nodes storing ``activity.jpg`` at the
# same moment never pick the same name in a shared bucket.
def letter_path(instance, filename: str) -> str:
    return f"participation/letters/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


def photo_path(instance, filename: str) -> str:
    return f"participation/photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


def import_path(instance, filename: str) -> str:
    return f"participation/imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


# --- pairings -----------------------------------------------------------------------------------


class PairingLetter(TimeStampedModel):
    """The signed co-construction responsibility letter (共建责任书) of one pairing."""

    pairing = models.OneToOneField(
        "organizations.Pairing", verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="letter"
    )
    file = models.FileField(_("signed letter"), upload_to=letter_path, max_length=200, blank=True)
    signed_on = models.DateField(_("signed on"))
    head_name = models.CharField(_("head of the unit"), max_length=50)

    class Meta:
        verbose_name = _("responsibility letter")
        verbose_name_plural = _("responsibility letters")

    def __str__(self) -> str:
        return f"{self.pairing} · {self.signed_on:%Y-%m-%d}"


class Obligation(models.Model):
    """One obligation of a letter, with its yearly target (e.g. 4 joint activities a year)."""

    pairing = models.ForeignKey(
        "organizations.Pairing", verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="obligations"
    )
    text = models.CharField(_("obligation"), max_length=200)
    yearly_target = models.PositiveSmallIntegerField(_("yearly target"), default=1)
    counts_joint_activities = models.BooleanField(
        _("met by joint activities"),
        default=False,
        help_text=_("Activities the unit takes part in count towards this obligation automatically."),
    )

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(yearly_target__gte=1), name="obligation_target_positive")]

    def __str__(self) -> str:
        return self.text


class ObligationRecord(models.Model):
    """Something done towards an obligation (a canteen opened on a weekend, a donation...)."""

    obligation = models.ForeignKey(
        Obligation, verbose_name=_("obligation"), on_delete=models.CASCADE, related_name="records"
    )
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200)
    is_resource_opening = models.BooleanField(_("resource opened to residents"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("obligation record")
        verbose_name_plural = _("obligation records")
        ordering = ["-date", "-id"]


class LiaisonLeader(models.Model):
    """Who was the leader in charge (分管领导) of a pairing, from when to when: the history shows
    how often the leader changes."""

    pairing = models.ForeignKey(
        "organizations.Pairing", verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="leaders"
    )
    name = models.CharField(_("leader in charge"), max_length=50)
    position = models.CharField(_("position"), max_length=50, blank=True)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("leader in charge")
        verbose_name_plural = _("leaders in charge")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing"], condition=Q(ended_on__isnull=True), name="liaison_leader_one_current"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MonthlyTheme(TimeStampedModel):
    """一月一主题: the theme of a month, set by the city or a street for its whole subtree."""

    unit = models.ForeignKey("organizations.Unit", verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    title = models.CharField(_("theme"), max_length=100)

    class Meta:
        verbose_name = _("theme of the month")
        verbose_name_plural = _("themes of the month")
        ordering = ["-month", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="theme_one_per_unit_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.title}"


# --- volunteers ---------------------------------------------------------------------------------


class Volunteer(TimeStampedModel):
    """A registered volunteer (志愿者) of a community. The ID number is stored encrypted
    (``id_number_token``), with a keyed hash for duplicate detection and its last four characters
    for display; a database dump alone does not reveal it."""

    community = models.ForeignKey(
        "organizations.Unit", verbose_name=_("home community"), on_delete=models.PROTECT, related_name="volunteers"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=11)
    id_number_token = models.TextField(_("ID number (encrypted)"), blank=True)
    id_number_hash = models.CharField(_("ID number (keyed hash)"), max_length=64, blank=True, db_index=True)
    id_number_last4 = models.CharField(_("ID number (last four)"), max_length=4, blank=True)
    party_status = models.CharField(
        _("party membership"), max_length=10, choices=PartyStatus.choices, default=PartyStatus.NONE
    )
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    availability = models.CharField(_("availability"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE
    )
    source = models.CharField(_("registered through"), max_length=10, choices=VolunteerSource.choices)
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    # A public sign-up with the phone or ID number of someone already registered in the community:
    # the visitor is told nothing (the same thanks either way); the reviewer sees this flag.
    possible_duplicate = models.BooleanField(_("possible duplicate"), default=False)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["community_id", "name", "id"]
        constraints = [
            # Pending sign-ups are outside: a duplicate sign-up waits for review, and is refused
            # there when accepted (services.volunteer_review).
            models.UniqueConstraint(
                fields=["community", "phone"],
                condition=~Q(status__in=[VolunteerStatus.REJECTED, VolunteerStatus.PENDING]),
                name="volunteer_unique_phone_in_community",
            ),
            models.UniqueConstraint(
                fields=["community", "id_number_hash"],
                condition=~Q(id_number_hash="") & ~Q(status__in=[VolunteerStatus.REJECTED, VolunteerStatus.PENDING]),
                name="volunteer_unique_id_in_community",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VolunteerSanction(models.Model):
    """A commendation or criticism of a volunteer (奖惩), with its reason."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=SanctionKind.choices)
    reason = models.CharField(_("reason"), max_length=200)
    date = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
        ordering = ["-date", "-id"]


# --- activities ---------------------------------------------------------------------------------


class ActivityType(models.Model):
    """A kind of activity (环境整治, 市民学校, 邻居节 ...); the city may add its own."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    is_active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Activity(TimeStampedModel):
    """A planned or held activity of a community."""

    title = models.CharField(_("title"), max_length=120)
    type = models.ForeignKey(ActivityType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+")
    theme = models.ForeignKey(
        MonthlyTheme, verbose_name=_("theme of the month"), null=True, blank=True, on_delete=models.SET_NULL
    )
    community = models.ForeignKey(
        "organizations.Unit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="activities"
    )
    organiser = models.CharField(_("organiser"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus.choices)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    # What the lifecycle records (see ``lifecycle.py``): the day it was held and how many came,
    # or why it was cancelled. ``version`` grows with every transition: a page sends the version it
    # showed, and a stale one is refused instead of overwriting someone else's change.
    held_on = models.DateField(_("day held"), null=True, blank=True)
    attendance = models.PositiveIntegerField(_("people attending"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Set when the activity is planned in advance and ACTIVITY_PLAN_REQUIRED is on: it cannot be
    # held before its plan (方案) is approved by the level above (activity_plans.py).
    plan_required = models.BooleanField(_("plan required"), default=False)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="activity_community_time_idx"),
            models.Index(fields=["status", "starts_at"], name="activity_status_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["held", "archived"]) | Q(held_on__isnull=False),
                name="activity_held_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="activity_cancelled_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ActivityUnit(models.Model):
    """A co-construction unit taking part in an activity: how many came, and whether the head
    (一把手) and the leader in charge were there."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="units")
    cobuild_unit = models.ForeignKey(
        "organizations.CobuildUnit", verbose_name=_("co-construction unit"), on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.PositiveSmallIntegerField(_("people attending"), default=1)
    head_attended = models.BooleanField(_("head attended"), default=False)

    class Meta:
        verbose_name = _("participating unit")
        verbose_name_plural = _("participating units")
        constraints = [models.UniqueConstraint(fields=["activity", "cobuild_unit"], name="activity_unit_once")]


class ActivityVolunteer(models.Model):
    """A volunteer's service at an activity, in hours (志愿服务时长)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="volunteer_hours"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="service"
    )
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("volunteer service")
        verbose_name_plural = _("volunteer service")
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="activity_volunteer_once"),
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="activity_hours_range"),
        ]


class ActivityPhoto(models.Model):
    """A photo of an activity with its caption (照片配说明), served only through a permission check."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=photo_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    caption = models.CharField(_("caption"), max_length=200)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["uploaded_at", "id"]


# --- imports ------------------------------------------------------------------------------------


class ImportBatch(TimeStampedModel):
    """An uploaded sheet waiting for confirmation: nothing is saved until the user confirms, and
    cancelling deletes the file."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    community = models.ForeignKey(
        "organizations.Unit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=import_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    saved_rows = models.PositiveIntegerField(_("saved rows"), default=0)
    errors_file = models.FileField(_("rows not imported"), upload_to=import_path, max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename


# --- teams, stairwell heads, frontage duties ----------------------------------------------------


class Team(TimeStampedModel):
    """One of a community's four teams (四支队伍)."""

    community = models.ForeignKey(
        "organizations.Unit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="teams"
    )
    kind = models.CharField(_("team"), max_length=12, choices=TeamKind.choices)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["community_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["community", "kind"], name="team_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.community} · {self.get_kind_display()}"


class TeamMember(models.Model):
    """A member of a team, with the area they look after and their duty schedule."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="team_memberships"
    )
    area = models.CharField(_("area"), max_length=100)
    schedule = models.CharField(_("duty schedule"), max_length=100, help_text=_("e.g. Mon/Wed/Fri 7:00–9:00"))

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team_id", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="team_member_once")]


class DutyShift(models.Model):
    """A duty shift served by a team member: counts towards the volunteer's service hours."""

    member = models.ForeignKey(
        TeamMember, verbose_name=_("team member"), on_delete=models.CASCADE, related_name="shifts"
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["-date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="duty_hours_range")]


class StairwellHead(models.Model):
    """楼道长: the resident responsible for one stairwell of a compound."""

    compound = models.ForeignKey(
        "organizations.Unit", verbose_name=_("compound"), on_delete=models.PROTECT, related_name="stairwell_heads"
    )
    building = models.CharField(_("building"), max_length=20)
    entrance = models.CharField(_("unit (entrance)"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=11)

    class Meta:
        verbose_name = _("stairwell head")
        verbose_name_plural = _("stairwell heads")
        ordering = ["compound_id", "building", "entrance"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "building", "entrance"], name="stairwell_head_one_per_stairwell"
            )
        ]


class FrontageDuty(TimeStampedModel):
    """门前三包: a shop or unit responsible for the cleanliness, order and greenery of its frontage."""

    community = models.ForeignKey(
        "organizations.Unit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="frontage_duties"
    )
    holder = models.CharField(_("shop or unit"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    frontage = models.CharField(_("frontage"), max_length=200, help_text=_("e.g. 12 m of pavement to the kerb"))
    cleanliness = models.BooleanField(_("keeps it clean"), default=True)
    order = models.BooleanField(_("keeps it in order"), default=True)
    greenery = models.BooleanField(_("keeps the greenery"), default=True)
    responsible = models.CharField(_("responsible person"), max_length=50)
    phone = models.CharField(_("phone"), max_length=11)
    pledge = models.FileField(_("signed pledge"), upload_to=letter_path, max_length=200, blank=True)

    class Meta:
        verbose_name = _("frontage duty")
        verbose_name_plural = _("frontage duties")
        ordering = ["community_id", "holder", "id"]

    def __str__(self) -> str:
        return self.holder


class FrontageProblem(models.Model):
    """A problem of category 门前三包不落实 (L0103) pointing at the register entry it concerns."""

    problem = models.OneToOneField(
        "inspections.Problem", verbose_name=_("problem"), on_delete=models.CASCADE, related_name="frontage_link"
    )
    duty = models.ForeignKey(
        FrontageDuty, verbose_name=_("frontage duty"), on_delete=models.PROTECT, related_name="problem_links"
    )

    class Meta:
        verbose_name = _("frontage problem")
        verbose_name_plural = _("frontage problems")


class ActivityPlan(TimeStampedModel):
    """An activity's plan (方案): aim, time, place, people, budget, safety, publicity; submitted by
    the community and approved or returned by the level above (the street)."""

    activity = models.OneToOneField(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="plan")
    aim = models.TextField(_("aim"))
    schedule = models.CharField(_("time"), max_length=200)
    place = models.CharField(_("place"), max_length=200)
    people = models.TextField(_("people"))
    expected_attendance = models.PositiveIntegerField(_("expected attendance"))
    budget = models.DecimalField(_("budget (yuan)"), max_digits=10, decimal_places=2)
    safety = models.TextField(_("safety"))
    publicity = models.TextField(_("publicity"))
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("activity plan")
        verbose_name_plural = _("activity plans")
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="activity_plan_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return str(self.activity)
