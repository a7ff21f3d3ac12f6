"""A campaign's closing report files itself in the archive as a document record of the city
(its figures as text, the Word file attached), like plans and notices do."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.archives.choices import EvidenceKind, FileKind
from gongjian.archives.services.collection import _collect, _in_site_language
from gongjian.archives.services.files import StoredFile
from gongjian.campaigns.models import Campaign
from gongjian.documents.word import DOCX


def _text(campaign: Campaign) -> str:
    tagged = campaign.problems.count()
    return "\n".join(
        [
            _("Period: %(start)s – %(end)s")
            % {"start": f"{campaign.starts_on:%Y-%m-%d}", "end": f"{campaign.ends_on:%Y-%m-%d}"},
            _("Problems found: %(count)s") % {"count": tagged},
            campaign.description,
        ]
    ).strip()


@_in_site_language
def collect_from_campaign(campaign: Campaign, *, actor=None, cache: dict | None = None):
    if not campaign.report:
        return None
    stored = StoredFile(
        file_name=campaign.report.name,
        thumbnail_name="",
        name=campaign.report.name.rsplit("/", 1)[-1],
        caption=_("Closing report"),
        taken_at=None,
        width=None,
        height=None,
        kind=FileKind.DOCX,
        content_type=DOCX,
    )
    return _collect(
        source="campaign",
        source_id=campaign.pk,
        unit=campaign.city,
        kind=EvidenceKind.DOCUMENT,
        title=_("Campaign closing report: %(name)s") % {"name": campaign.name},
        date=timezone.localtime(campaign.report_at).date() if campaign.report_at else campaign.ends_on,
        started_on=campaign.starts_on,
        text=_text(campaign),
        files=[stored],
        actor=actor,
        cache=cache,
    )
