"""The filled-in skeleton (台帐资料样本, filled in): a Word file of the template in force for one
unit and period. Each section in the template's order with its item, points, guidance and
requirements, a table of what is already filed, the slots still missing (from the completeness
audit) and ruled space to write in. Communities print it, or fill it in Word.

One interface with every export (``gongjian/core/exporters.py``): ``skeleton_docx`` returns an
``ExportResult``. The caller scopes the unit (``accounts.access``) before calling."""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _

from gongjian.archives import selectors
from gongjian.archives.binder import safe_component
from gongjian.archives.choices import EvidenceKind, Interval
from gongjian.archives.periods import Period
from gongjian.core.exporters import ExportResult
from gongjian.organizations.models import Unit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Word on Windows has 宋体 (SimSun) and 黑体 (SimHei); LibreOffice substitutes Noto CJK SC for them
# when they are missing, because the East Asian language is marked zh-CN.
FONT_BODY = "SimSun"
FONT_HEADING = "SimHei"
LATIN = "Times New Roman"
BLANK_LINES = 5
# C0 control characters Word's XML cannot hold (tab, line feed and carriage return it can).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def docx_text(text) -> str:
    """``text`` without the control characters python-docx refuses (it raises ValueError)."""
    return _CONTROL.sub("", str(text or ""))


def period_label(period: Period) -> str:
    if period.kind == "year":
        return str(period.start.year)
    if period.kind == "quarter":
        return _("%(year)s, quarter %(quarter)s") % {
            "year": period.start.year,
            "quarter": (period.start.month - 1) // 3 + 1,
        }
    return f"{period.start:%Y-%m}"


def skeleton_filename(unit: Unit, period: Period) -> str:
    label = _("Archive skeleton")
    stem = safe_component(f"{label}-{unit.name}-{period.code}", default="skeleton")
    return f"{stem}.docx"


def skeleton_docx(unit: Unit, period: Period) -> ExportResult:
    """The template in force for ``unit`` and ``period`` as a Word file, filled in with what the
    unit has filed and what is still missing."""
    template = selectors.current_template(selectors.city_id_of(unit), period)
    sections = selectors.template_sections(template)
    audit = selectors.audit_unit(unit, period, sections=sections)
    records = list(selectors.period_records([unit.id], period))
    writer = _Writer()
    writer.build(unit=unit, period=period, template=template, sections=sections, audit=audit, records=records)
    return ExportResult(skeleton_filename(unit, period), DOCX, writer.save())


class _Writer:
    BODY = 11
    SMALL = 10

    def __init__(self):
        from docx import Document

        self.doc = Document()
        self._styles()

    # --- fonts --------------------------------------------------------------------------------

    @staticmethod
    def _set_fonts(rpr, east_asia: str) -> None:
        """Explicit fonts on a run or style (a theme attribute would win over them) and Chinese as
        the East Asian language, so Word and LibreOffice pick Chinese glyphs."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        fonts = rpr.get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
        for attr, value in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:eastAsia", east_asia), ("w:cs", LATIN)):
            fonts.set(qn(attr), value)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:eastAsia"), "zh-CN")

    def _styles(self) -> None:
        from docx.oxml.ns import qn
        from docx.shared import Pt

        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.size = Pt(self.BODY)
        self._set_fonts(normal.element.get_or_add_rPr(), FONT_BODY)
        for name in ("Title", "Heading 1", "Heading 2"):
            self._set_fonts(styles[name].element.get_or_add_rPr(), FONT_HEADING)
        defaults = styles.element.find(qn("w:docDefaults"))
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
        if rpr is not None:
            self._set_fonts(rpr, FONT_BODY)

    def _run(self, paragraph, text: str, *, bold: bool = False, size: float | None = None, heading: bool = False):
        from docx.shared import Pt

        run = paragraph.add_run(docx_text(text))
        self._set_fonts(run._element.get_or_add_rPr(), FONT_HEADING if heading else FONT_BODY)
        run.font.bold = bold or None
        if size:
            run.font.size = Pt(size)
        return run

    def _para(self, text: str = "", *, style: str | None = None, bold: bool = False, size: float | None = None):
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            self._run(paragraph, text, bold=bold, size=size)
        return paragraph

    def _heading(self, text: str, level: int):
        paragraph = self.doc.add_heading(level=level)
        self._run(paragraph, text, heading=True)
        return paragraph

    def _ruled_lines(self, count: int) -> None:
        """Blank lines with a rule under each, to write on."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        for _line in range(count):
            paragraph = self.doc.add_paragraph()
            paragraph.paragraph_format.space_before = Pt(14)
            paragraph.paragraph_format.space_after = Pt(0)
            ppr = paragraph._p.get_or_add_pPr()
            borders = OxmlElement("w:pBdr")
            bottom = OxmlElement("w:bottom")
            for attr, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "808080")):
                bottom.set(qn(attr), value)
            borders.append(bottom)
            ppr.append(borders)

    def _table(self, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        from docx.shared import Cm

        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text, width in zip(table.rows[0].cells, header, widths, strict=True):
            cell.width = Cm(width)
            self._run(cell.paragraphs[0], text, bold=True, size=self.SMALL)
        for row in rows:
            cells = table.add_row().cells
            for cell, text, width in zip(cells, row, widths, strict=True):
                cell.width = Cm(width)
                self._run(cell.paragraphs[0], text, size=self.SMALL)

    # --- the document -------------------------------------------------------------------------

    def build(self, *, unit, period, template, sections, audit, records) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        properties = self.doc.core_properties
        properties.title = docx_text(f"{unit.name} {period.code} {template.name if template else ''}".strip())
        properties.author = properties.last_modified_by = ""
        title = self.doc.add_paragraph(style="Title")
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(title, f"{unit.name}  {period_label(period)}", heading=True)
        subtitle = self._para(
            template.name if template else _("The city has not published an archive template yet."), bold=True
        )
        subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
        summary = self._para(
            _("Completeness %(percent)s%%: %(met)s of %(due)s required slots met; %(points)s points at risk.")
            % {"percent": audit.percent, "met": audit.met, "due": audit.due, "points": audit.points_at_risk}
        )
        summary.alignment = WD_ALIGN_PARAGRAPH.CENTER
        kinds = dict(EvidenceKind.choices)
        intervals = dict(Interval.choices)
        by_section = {s.section.id: s for s in audit.sections}
        for section in sections:
            self._section(section, by_section.get(section.id), records, kinds, intervals)

    def _section(self, section, section_audit, records, kinds, intervals) -> None:
        item = section.rule_item
        self._heading(section.title, 1)
        self._para(
            _("Item %(code)s %(name)s — %(points)s points")
            % {"code": item.code, "name": item.name, "points": item.points},
            bold=True,
        )
        if section.guidance:
            self._para(section.guidance)
        self._heading(_("What is required"), 2)
        requirements = list(section.requirements.all())
        if not requirements:
            self._para(_("No particular requirement."))
        for requirement in requirements:
            parts = [
                str(intervals.get(requirement.interval, requirement.interval)),
                _("at least %(count)s record(s)") % {"count": requirement.min_records},
            ]
            if requirement.kinds:
                parts.append(
                    _("of the kind: %(kinds)s") % {"kinds": "、".join(str(kinds.get(k, k)) for k in requirement.kinds)}
                )
            if requirement.min_photos:
                parts.append(_("each with at least %(count)s captioned photo(s)") % {"count": requirement.min_photos})
            paragraph = self._para(style="List Bullet")
            self._run(paragraph, requirement.description, bold=True)
            self._run(paragraph, f" ({'; '.join(parts)})")

        self._heading(_("Filed so far"), 2)
        mine = [r for r in records if any(i.id == item.id for i in r.rule_items.all())]
        rows = []
        for record in mine:
            photos = [f for f in record.files.all() if f.is_image]
            uncaptioned = sum(1 for f in photos if not f.caption.strip())
            rows.append(
                [
                    f"{record.date:%Y-%m-%d}",
                    record.title,
                    str(kinds.get(record.kind, record.kind)),
                    str(len(photos)),
                    str(uncaptioned) if uncaptioned else "",
                ]
            )
        if rows:
            self._table(
                [_("Date"), _("Title"), _("Kind"), _("Photos"), _("Captions missing")], rows, [2.4, 7.0, 2.6, 1.5, 2.5]
            )
        else:
            self._para(_("Nothing filed yet."))

        self._heading(_("Still missing"), 2)
        missing = [s for s in section_audit.slots if not s.met] if section_audit else []
        if not missing:
            self._para(_("Nothing is missing for the time so far."))
        for slot in missing:
            self._para(
                _("%(slot)s: %(requirement)s — %(have)s of %(need)s record(s)")
                % {
                    "slot": slot.slot.code,
                    "requirement": slot.requirement.description,
                    "have": len(slot.records),
                    "need": slot.requirement.min_records,
                },
                style="List Bullet",
            )
        self._heading(_("To fill in"), 2)
        self._ruled_lines(BLANK_LINES)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
