"""The monthly bulletin (通报) of an assessed month, as a Word file and as a PDF.

``bulletin_data`` reads the month's facts once (``facts.month_facts``), allocates the published
bulletin's document number, and composes the document (``compose.compose_bulletin``, pure). The
exporters only lay the blocks out (``word.DocxWriter``, ``pdf.render_pdf``), each following GB/T
9704-2012 (《党政机关公文格式》) as far as its medium allows.

A published month gives the bulletin as issued, under its document number. Before publication the
city office may ask for a draft (``draft=True``): the same document marked 征求意见稿, its number left
blank, for the leader's sign-off. Messages to the person asking are translated; the document itself is
Chinese.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongjian.accounts.access import Actor, Perm, can_on_unit
from gongjian.assessments import selectors
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment
from gongjian.core.errors import Conflict
from gongjian.core.exporters import ExportResult
from gongjian.documents.compose import BulletinData, Issuer, compose_bulletin
from gongjian.documents.facts import month_facts
from gongjian.documents.services import bulletin_number_allocate, organ_prefix
from gongjian.documents.word import DOCX, DocxWriter

PDF = "application/pdf"


class BulletinNotReady(Conflict):
    """The month is not published (or, for a draft, not computed): nothing to circulate yet."""


def issuer_for(city_name: str) -> Issuer:
    from django.conf import settings

    return Issuer(
        full=f"{city_name}三创工作领导小组办公室",
        short=f"{city_name}三创办",
        organ_prefix=organ_prefix(city_name),
        copy_to=(getattr(settings, "DOCUMENT_COPY_TO", "") or "").strip(),
    )


def bulletin_data(assessment: Assessment, *, actor: Actor | None = None, draft: bool = False) -> BulletinData:
    """Everything the bulletin of a month says. ``actor`` is the reader: when given, the month must be
    one they may see (else 404, as for any object out of scope). A draft is for the city office only
    (who may publish the month), of a computed month not yet published."""
    if actor is not None and not selectors.assessments(actor=actor).filter(pk=assessment.pk).exists():
        raise Http404
    published = assessment.status == AssessmentStatus.PUBLISHED
    if draft:
        if actor is not None and not can_on_unit(actor, Perm.ASSESSMENT_MANAGE, assessment.city_id):
            raise Http404
        if published:
            raise BulletinNotReady(
                _("The assessment of %(month)s is published: its bulletin is issued, not a draft.")
                % {"month": f"{assessment.month:%Y-%m}"}
            )
        if assessment.status != AssessmentStatus.COMPUTED:
            raise BulletinNotReady(
                _("The assessment of %(month)s is not computed yet: compute it before drafting its bulletin.")
                % {"month": f"{assessment.month:%Y-%m}"}
            )
    elif not published:
        raise BulletinNotReady(
            _("The assessment of %(month)s is not published yet: its bulletin is issued when it is.")
            % {"month": f"{assessment.month:%Y-%m}"}
        )
    with translation.override("zh-hans"):
        facts = month_facts(assessment)
        if draft:
            return compose_bulletin(
                facts, issuer=issuer_for(facts.city), number=None, issue_date=timezone.localdate(), draft=True
            )
        number = bulletin_number_allocate(assessment=assessment)
        return compose_bulletin(
            facts,
            issuer=issuer_for(facts.city),
            number=number.sequence,
            issue_date=number.issued_on,
            draft=False,
        )


class BulletinDocx:
    """The bulletin as a Word file laid out after GB/T 9704-2012."""

    def __init__(
        self, assessment: Assessment, *, actor: Actor | None = None, data: BulletinData | None = None, draft=False
    ):
        self.assessment = assessment
        self.actor = actor
        self.data = data
        self.draft = draft

    def render(self) -> ExportResult:
        data = self.data or bulletin_data(self.assessment, actor=self.actor, draft=self.draft)
        return ExportResult(f"{data.filename_stem}.docx", DOCX, DocxWriter(data).build())


class BulletinPdf:
    """The bulletin as a PDF (WeasyPrint) with open CJK fonts embedded."""

    def __init__(
        self, assessment: Assessment, *, actor: Actor | None = None, data: BulletinData | None = None, draft=False
    ):
        self.assessment = assessment
        self.actor = actor
        self.data = data
        self.draft = draft

    def render(self) -> ExportResult:
        from gongjian.documents.pdf import render_pdf

        data = self.data or bulletin_data(self.assessment, actor=self.actor, draft=self.draft)
        return ExportResult(f"{data.filename_stem}.pdf", PDF, render_pdf(data))
