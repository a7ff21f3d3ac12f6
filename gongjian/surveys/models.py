"""群众满意度问卷: a questionnaire designed by the city office, published to communities for a period,
answered anonymously on a phone. A response keeps no personal data: the phone number and the device
are kept only as keyed hashes (to allow one answer each), the network address not at all."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongjian.core.models import TimeStampedModel


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale")
    TEXT = "text", _("Free text")


class Survey(TimeStampedModel):
    city = models.ForeignKey("organizations.Unit", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    intro = models.TextField(_("introduction"), max_length=1000, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.ForeignKey(
        "self", verbose_name=_("previous version"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return self.status == SurveyStatus.PUBLISHED

    @property
    def period_label(self) -> str:
        return f"{self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}"


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    options = models.JSONField(_("options"), default=list, blank=True)  # choices; a scale: [low label, high label]
    scale_min = models.SmallIntegerField(null=True, blank=True)
    scale_max = models.SmallIntegerField(null=True, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # The satisfaction question and its rule: the options that count as satisfied, or the lowest scale value.
    is_satisfaction = models.BooleanField(_("satisfaction question"), default=False)
    satisfied_options = models.JSONField(default=list, blank=True)
    satisfied_min = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="survey_question_position"),
            models.UniqueConstraint(
                fields=["survey"], condition=Q(is_satisfaction=True), name="survey_one_satisfaction_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class SurveyCommunity(models.Model):
    """The survey as published to one community, with the community's own link (and QR code)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="communities")
    community = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    token = models.SlugField(max_length=32, unique=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "community"], name="survey_community_once")]

    def __str__(self) -> str:
        return f"{self.survey} · {self.community}"


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    community = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    device_hash = models.CharField(max_length=128)
    phone_hash = models.CharField(max_length=128, blank=True)
    satisfied = models.BooleanField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "device_hash"], name="survey_response_device_once"),
            models.UniqueConstraint(
                fields=["survey", "phone_hash"], condition=~Q(phone_hash=""), name="survey_response_phone_once"
            ),
        ]
        indexes = [models.Index(fields=["survey", "community"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.survey}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choices = models.JSONField(default=list, blank=True)
    scale = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, max_length=1000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once")]
