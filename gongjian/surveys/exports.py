"""The results as an Excel workbook through the shared writers (formula-safe): one sheet by
community (responses, satisfied, rate, 95 % interval, note), one of the distributions, one of the
free-text answers. No personal data: responses carry none."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongjian.core.exporters import XLSX, ExcelWorkbook, ExportResult, export_stamp
from gongjian.surveys import selectors


class ResultsExport:
    def __init__(self, survey, community_ids: list[int]):
        self.survey = survey
        self.community_ids = community_ids

    def render(self) -> ExportResult:
        survey = self.survey
        title = f"{survey.title} v{survey.version} {survey.period_label}"
        book = ExcelWorkbook()
        by_community = book.table(
            sheet=_("By community"),
            title=title,
            headers=[
                _("Community"),
                _("Responses"),
                _("Satisfied"),
                _("Answered the satisfaction question"),
                _("Satisfaction rate (%)"),
                _("95% interval, low (%)"),
                _("95% interval, high (%)"),
                _("Note"),
            ],
        )
        for row in selectors.community_results(survey, self.community_ids):
            by_community.append(
                [
                    row.community.name,
                    row.responses,
                    row.satisfied,
                    row.answered,
                    row.rate,
                    row.note["low"],
                    row.note["high"],
                    _("Too few responses (n < 30)") if row.note["too_few"] else "",
                ]
            )
        questions = selectors.question_results(survey, self.community_ids, texts=10_000)
        dist = book.table(
            sheet=_("Answers"), title=title, headers=[_("Question"), _("Answer"), _("Count"), _("Share (%)")]
        )
        for result in questions:
            for label, count, share in result.counts:
                dist.append([result.question.text, label, count, share])
        texts = book.table(sheet=_("Free text"), title=title, headers=[_("Question"), _("Answer")])
        for result in questions:
            for text in result.texts:
                texts.append([result.question.text, text])
        return ExportResult(
            filename=f"{_('satisfaction survey')}-{survey.pk}-{export_stamp()}.xlsx",
            content_type=XLSX,
            content=book.save(),
        )
