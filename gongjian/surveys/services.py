"""Writing surveys: design (draft only), publish to communities (questions frozen from then on), a
new version of a published survey, and a resident's response. Every write is audited; a mistake
raises ValidationError (or Conflict) and changes nothing."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict
from gongjian.core.inputs import clean_text
from gongjian.residents.privacy import keyed_hash
from gongjian.surveys import design, stats
from gongjian.surveys.models import Answer, Question, Response, Survey, SurveyCommunity, SurveyStatus


def _check_period(start, end) -> None:
    if start and end and end < start:
        raise ValidationError({"end_date": _("The last day comes before the first day.")})


def _write_questions(survey: Survey, specs: list[design.QuestionSpec]) -> None:
    survey.questions.all().delete()
    Question.objects.bulk_create(
        Question(
            survey=survey,
            position=index,
            kind=spec.kind,
            text=spec.text,
            options=spec.options,
            scale_min=spec.scale_min,
            scale_max=spec.scale_max,
            required=spec.required,
            is_satisfaction=spec.is_satisfaction,
            satisfied_options=spec.satisfied_options,
            satisfied_min=spec.satisfied_min,
        )
        for index, spec in enumerate(specs, start=1)
    )


def _specs(questions_text: str) -> list[design.QuestionSpec]:
    try:
        return design.parse_questions(questions_text)
    except design.DesignInvalid as invalid:
        raise ValidationError({"questions": invalid.errors}) from None


@transaction.atomic
def survey_create(*, user, city, title, intro, start_date, end_date, questions_text) -> Survey:
    _check_period(start_date, end_date)
    specs = _specs(questions_text)
    survey = Survey.objects.create(
        city=city, title=title, intro=intro, start_date=start_date, end_date=end_date, created_by=user
    )
    _write_questions(survey, specs)
    audit_record(actor=user, action="survey.create", target=survey, to_state=SurveyStatus.DRAFT)
    return survey


@transaction.atomic
def survey_update(*, user, survey: Survey, title, intro, start_date, end_date, questions_text) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.is_frozen:
        raise Conflict(_("A published survey's questions are frozen: make a new version to change them."))
    _check_period(start_date, end_date)
    specs = _specs(questions_text)
    survey.title, survey.intro, survey.start_date, survey.end_date = title, intro, start_date, end_date
    survey.save()
    _write_questions(survey, specs)
    audit_record(actor=user, action="survey.update", target=survey)
    return survey


@transaction.atomic
def survey_publish(*, user, survey: Survey, communities) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.is_frozen:
        raise Conflict(_("This survey is already published."))
    communities = list(communities)
    if not communities:
        raise ValidationError({"communities": _("Choose at least one community or a street.")})
    SurveyCommunity.objects.bulk_create(
        SurveyCommunity(survey=survey, community=c, token=secrets.token_urlsafe(12)) for c in communities
    )
    survey.status, survey.published_at = SurveyStatus.PUBLISHED, timezone.now()
    survey.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=user,
        action="survey.publish",
        target=survey,
        from_state=SurveyStatus.DRAFT,
        to_state=SurveyStatus.PUBLISHED,
        changes={"communities": [c.pk for c in communities]},
    )
    return survey


@transaction.atomic
def survey_new_version(*, user, survey: Survey) -> Survey:
    """A draft copy of a published survey (questions included) to change and publish anew."""
    copy = Survey.objects.create(
        city=survey.city,
        title=survey.title,
        intro=survey.intro,
        version=survey.version + 1,
        previous=survey,
        start_date=survey.start_date,
        end_date=survey.end_date,
        created_by=user,
    )
    _write_questions(copy, design.parse_questions(design.as_text(survey.questions.all())))
    audit_record(actor=user, action="survey.new_version", target=copy, changes={"previous": survey.pk})
    return copy


def period_problem(survey: Survey, today=None) -> str:
    """Why the survey cannot be answered today ("" when it can)."""
    today = today or timezone.localdate()
    if survey.status != SurveyStatus.PUBLISHED:
        return _("This survey is not open.")
    if today < survey.start_date:
        return _("This survey opens on %(date)s.") % {"date": f"{survey.start_date:%Y-%m-%d}"}
    if today > survey.end_date:
        return _("This survey closed on %(date)s. Thank you for your interest.") % {
            "date": f"{survey.end_date:%Y-%m-%d}"
        }
    return ""


def _device_hash(survey: Survey, device_id: str) -> str:
    return keyed_hash("survey-device", f"{survey.pk}:{device_id}")


def already_answered(survey: Survey, device_id: str) -> bool:
    return (
        bool(device_id) and Response.objects.filter(survey=survey, device_hash=_device_hash(survey, device_id)).exists()
    )


def response_submit(*, link: SurveyCommunity, answers: dict, device_id: str, phone: str = "") -> Response:
    """Record one resident's answers (``answers``: question id → list of choices, scale value or
    text, already checked by the form). One response per device and per phone number."""
    survey = link.survey
    problem = period_problem(survey)
    if problem:
        raise Conflict(problem)
    device_hash = _device_hash(survey, device_id)
    phone_hash = keyed_hash("survey-phone", f"{survey.pk}:{phone}") if phone else ""
    taken = Response.objects.filter(survey=survey, device_hash=device_hash)
    if phone_hash:
        taken = Response.objects.filter(survey=survey, device_hash=device_hash) | Response.objects.filter(
            survey=survey, phone_hash=phone_hash
        )
    if taken.exists():
        raise Conflict(_("This survey has already been answered from this phone or with this number."))
    questions = list(survey.questions.all())
    satisfied = None
    rows = []
    for question in questions:
        value = answers.get(question.pk)
        answer = Answer(question=question)
        if question.kind in ("single", "multiple"):
            values = [value] if isinstance(value, str) else list(value or [])
            answer.choices = [v for v in values if v in question.options]
        elif question.kind == "scale":
            answer.scale = value
        else:
            answer.text = clean_text(value or "").strip()[:1000]
        if question.is_satisfaction:
            satisfied = stats.is_satisfied(question, choices=answer.choices, scale=answer.scale)
        rows.append(answer)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                community=link.community,
                device_hash=device_hash,
                phone_hash=phone_hash,
                satisfied=satisfied,
            )
            for answer in rows:
                answer.response = response
            Answer.objects.bulk_create(rows)
            audit_record(actor=None, action="survey.answer", target=response, note=str(link.community))
    except IntegrityError:  # the same device or number at the same moment
        raise Conflict(_("This survey has already been answered from this phone or with this number.")) from None
    return response
