"""The documents' background task (Django's task API, gongjian.core.jobs): the leader's speech
draft in Word, written by a worker and kept as its job's file. The bulletin's draft for sign-off
is the bulletin task with its draft flag (gongjian.assessments.tasks.bulletin_request)."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from gongjian.accounts.access import actor_for
from gongjian.archives import periods
from gongjian.assessments import selectors as assessment_selectors
from gongjian.core.exporters import ExportResult
from gongjian.core.jobs import text
from gongjian.core.jobs.runner import JobRefused, run_job
from gongjian.core.jobs.services import job_request

SPEECH = "documents.speech"
GATHERING = gettext_noop("Gathering the figures of the speech")
WRITING = gettext_noop("Writing the speech in Word")
NOT_ALLOWED = gettext_noop("Only the city office and the city's leaders may have the speech draft.")
text.register(GATHERING, WRITING, NOT_ALLOWED)


def speech_request(*, user, city, period: periods.Period):
    """Queue the speech draft in Word of ``period`` for ``user``; the same one already queued or
    running for them is returned instead."""
    with transaction.atomic():
        job, _created = job_request(
            task=speech_docx,
            kind=SPEECH,
            user=user,
            title=_("Speech draft, %(period)s (Word)") % {"period": period.code},
            params={"city": city.pk, "period": period.code},
            dedupe_key=f"{SPEECH}:{city.pk}:{period.code}:{user.pk}",
        )
    return job


def _write_speech(job, progress) -> ExportResult:
    from gongjian.documents.speech import compose_speech
    from gongjian.documents.speech_facts import speech_allowed, speech_facts
    from gongjian.documents.word import DOCX, SpeechDocxWriter

    actor = actor_for(job.requested_by)
    city = assessment_selectors.city_of(actor)
    if city is None or city.pk != job.params["city"] or not speech_allowed(actor, city.pk):
        raise JobRefused(NOT_ALLOWED)
    progress(10, GATHERING)
    with translation.override("zh-hans"):
        draft = compose_speech(speech_facts(city=city, period=periods.parse(job.params["period"])))
    progress(60, WRITING)
    return ExportResult(f"{draft.filename_stem}.docx", DOCX, SpeechDocxWriter(draft).build())


@task(takes_context=True)
def speech_docx(context, job_id: int) -> dict:
    """Write the speech draft of one period in Word, as its requester may read it."""
    return run_job(context, job_id, _write_speech)
