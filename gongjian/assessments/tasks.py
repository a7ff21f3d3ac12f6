"""The assessment's background tasks (Django's task API, gongjian.core.jobs): the month's
computation (one job per month while it is queued or running, followed by the city office), and the
month's bulletin as Word or PDF — published, or the draft (征求意见稿) for sign-off — rendered by a
worker and kept as its job's file. Refusals become the job's message, stored in English and shown
in the reader's language."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from gongjian.accounts.access import Perm, actor_for, can_on_unit
from gongjian.assessments import calendar_rules, selectors, services
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.jobs import text
from gongjian.core.jobs.runner import JobRefused, run_job
from gongjian.core.jobs.services import job_request

BULLETIN = "assessments.bulletin"
NOT_PUBLISHED = "The assessment of %(month)s is not published yet: its bulletin is issued when it is."
WRITING = gettext_noop("Writing the bulletin")
# The draft's refusals (gongjian.documents.bulletin), the same msgids in English.
DRAFT_PUBLISHED = gettext_noop("The assessment of %(month)s is published: its bulletin is issued, not a draft.")
DRAFT_NOT_COMPUTED = gettext_noop(
    "The assessment of %(month)s is not computed yet: compute it before drafting its bulletin."
)
text.register(NOT_PUBLISHED, WRITING, DRAFT_PUBLISHED, DRAFT_NOT_COMPUTED)

COMPUTE = "assessments.compute"
COMPUTING = gettext_noop("Computing the score sheets: street %(done)s of %(total)s")
# The service's refusals (services.assessment_compute, calendar_rules.MESSAGES), the same msgids.
PUBLISHED_FINAL = gettext_noop("This month is published: its results are final. Record a correction as an adjustment.")
NOT_STARTED = gettext_noop("This month has not started yet. To do this anyway, the city office must give a reason.")
COMPUTED = gettext_noop("%(month)s computed: %(sheets)s score sheets, %(lines)s deduction lines.")
PREVIEWED = gettext_noop(
    "Month-to-date preview of %(month)s (through day %(day)s): %(sheets)s score sheets, %(lines)s "
    "deduction lines. It cannot be published before the month ends."
)
NOT_ALLOWED = gettext_noop("You are not allowed to do this for %(unit)s.")
text.register(COMPUTING, PUBLISHED_FINAL, NOT_STARTED, COMPUTED, PREVIEWED, NOT_ALLOWED)


def compute_request(*, user, assessment: Assessment, force_reason: str = "", back: str = ""):
    """Queue the month's computation (``services.assessment_compute``) for ``user``; while one is
    queued or running for this month, that one is returned instead (whoever asked for it, and
    with its own ``force_reason``). The city office at the city follows it; ``back`` is the page
    the job's page links back to."""
    month = f"{assessment.month:%Y-%m}"
    with transaction.atomic():
        job, _created = job_request(
            task=month_compute,
            kind=COMPUTE,
            user=user,
            unit=assessment.city,
            perm=Perm.ASSESSMENT_MANAGE,
            title=_("Computing the assessment of %(month)s") % {"month": month},
            params={"assessment": assessment.pk, "month": month, "force_reason": force_reason[:500], "back": back},
            dedupe_key=f"{COMPUTE}:{assessment.pk}",
        )
    return job


def _compute_refusal(assessment: Assessment, force_reason: str) -> str:
    """The service's refusal as an English text to store ("" when it would compute)."""
    if assessment.status == AssessmentStatus.PUBLISHED:
        return PUBLISHED_FINAL
    decision = calendar_rules.compute_decision(
        month=assessment.month,
        today=timezone.localdate(),
        force_reason=force_reason.strip() or assessment.early_close_reason,
    )
    if not decision.allowed:
        return NOT_STARTED if decision.code == calendar_rules.NOT_STARTED else decision.message
    return ""


def _compute(job, progress) -> dict:
    assessment = Assessment.objects.select_related("city").get(pk=job.params["assessment"])
    force_reason = job.params.get("force_reason", "")
    if not can_on_unit(actor_for(job.requested_by), Perm.ASSESSMENT_MANAGE, assessment.city_id):
        raise JobRefused(text.fill(NOT_ALLOWED, unit=assessment.city.name))
    if refusal := _compute_refusal(assessment, force_reason):
        raise JobRefused(refusal)

    def streets(done: int, total: int) -> None:
        progress(5 + 90 * done // max(total, 1), text.fill(COMPUTING, done=done, total=total))

    try:
        summary = services.assessment_compute(
            user=job.requested_by, assessment=assessment, force_reason=force_reason, progress=streets
        )
    except (Conflict, NotPermitted) as refusal:  # the month changed meanwhile: shown as the service said it
        raise JobRefused(str(refusal.message)) from None
    figures = {"month": job.params["month"], "sheets": summary.sheets, "lines": summary.deductions}
    if assessment.is_preview:
        summary_text = text.fill(PREVIEWED, day=assessment.preview_day, **figures)
    else:
        summary_text = text.fill(COMPUTED, **figures)
    return {
        "summary": summary_text,
        "month": job.params["month"],
        "status": assessment.status,
        "preview": assessment.is_preview,
        "counted_until": assessment.counted_until.isoformat() if assessment.counted_until else None,
        "sheets": summary.sheets,
        "deductions": summary.deductions,
        "streets": summary.streets,
    }


@task(takes_context=True)
def month_compute(context, job_id: int) -> dict:
    """Compute (or recompute) one month's score sheets as its requester, reporting per street."""
    return run_job(context, job_id, _compute)


def bulletin_request(*, user, assessment, fmt: str, draft: bool = False):
    """Queue the month's bulletin (``docx`` or ``pdf``) for ``user`` — with ``draft``, the draft
    for sign-off (征求意见稿) of a computed month, the city office's only; the same one already
    queued or running for them is returned instead."""
    month = f"{assessment.month:%Y-%m}"
    with transaction.atomic():
        job, _created = job_request(
            task=bulletin_render,
            kind=BULLETIN,
            user=user,
            title=f"{month} bulletin{' draft' if draft else ''}.{fmt}",
            params={"month": month, "fmt": fmt, "draft": draft},
            dedupe_key=f"{BULLETIN}:{assessment.pk}:{fmt}:{'draft:' if draft else ''}{user.pk}",
        )
    return job


def _render_bulletin(job, progress):
    from gongjian.assessments.bulletin import BulletinDocx, BulletinNotReady, BulletinPdf

    actor = actor_for(job.requested_by)
    month = datetime.date.fromisoformat(f"{job.params['month']}-01")
    assessment = selectors.assessment_get(actor=actor, month=month)
    draft = bool(job.params.get("draft"))
    if draft and not can_on_unit(actor, Perm.ASSESSMENT_MANAGE, assessment.city_id):
        raise JobRefused(text.fill(NOT_ALLOWED, unit=assessment.city.name))
    progress(10, WRITING)
    exporter = {"docx": BulletinDocx, "pdf": BulletinPdf}[job.params["fmt"]]
    try:
        return exporter(assessment, actor=actor, draft=draft).render()
    except BulletinNotReady:
        if not draft:
            raise JobRefused(text.fill(NOT_PUBLISHED, month=job.params["month"])) from None
        reason = DRAFT_PUBLISHED if assessment.status == AssessmentStatus.PUBLISHED else DRAFT_NOT_COMPUTED
        raise JobRefused(text.fill(reason, month=job.params["month"])) from None


@task(takes_context=True)
def bulletin_render(context, job_id: int) -> dict:
    """Render one month's bulletin as the requester may read it and store it as the job's file."""
    return run_job(context, job_id, _render_bulletin)
