"""The closing report of a campaign in Word, written in the background (Django's task API through
gongjian.core.jobs): the figures gathered as the requester sees them, composed, laid out, kept on
the campaign and filed in the archive; the job's file is the download."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.exporters import ExportResult
from gongjian.core.jobs import text
from gongjian.core.jobs.runner import JobRefused, run_job
from gongjian.core.jobs.services import job_request

REPORT = "campaigns.report"
GATHERING = gettext_noop("Counting the campaign's problems")
WRITING = gettext_noop("Writing the closing report in Word")
NOT_ALLOWED = gettext_noop("Only the city office writes a campaign's closing report, once it has ended.")
text.register(GATHERING, WRITING, NOT_ALLOWED)


def report_allowed(user, campaign) -> bool:
    return campaign.has_ended and Perm.CAMPAIGN_MANAGE in perms_at_unit(actor_for(user), campaign.city_id)


def report_request(*, user, campaign):
    """Queue the closing report of an ended campaign; the one already queued or running is returned."""
    with transaction.atomic():
        job, _created = job_request(
            task=campaign_report_docx,
            kind=REPORT,
            user=user,
            title=_("Closing report of %(name)s (Word)") % {"name": campaign.name},
            params={"campaign": campaign.pk},
            dedupe_key=f"{REPORT}:{campaign.pk}",
        )
    return job


def _write_report(job, progress) -> ExportResult:
    from gongjian.campaigns import selectors, services
    from gongjian.campaigns.models import Campaign
    from gongjian.campaigns.report import CampaignDocxWriter, compose_report, report_facts
    from gongjian.documents.word import DOCX

    campaign = Campaign.objects.select_related("city").filter(pk=job.params["campaign"]).first()
    if campaign is None or not report_allowed(job.requested_by, campaign):
        raise JobRefused(NOT_ALLOWED)
    progress(10, GATHERING)
    figures = selectors.campaign_figures(actor=actor_for(job.requested_by), campaign=campaign)
    with translation.override("zh-hans"):
        report = compose_report(report_facts(campaign=campaign, figures=figures))
    progress(60, WRITING)
    content = CampaignDocxWriter(report).build()
    filename = f"{report.filename_stem}.docx"
    services.report_store(campaign=campaign, content=content, filename=filename, actor=job.requested_by)
    return ExportResult(filename, DOCX, content)


@task(takes_context=True)
def campaign_report_docx(context, job_id: int) -> dict:
    """Write an ended campaign's closing report in Word."""
    return run_job(context, job_id, _write_report)
