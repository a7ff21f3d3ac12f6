"""The bulletin as a Word file laid out after GB/T 9704-2012 (python-docx).

It names the fonts officials' machines have (方正小标宋简体 for the title, 仿宋_GB2312 for the body,
黑体 and 楷体_GB2312 for the headings by level, 宋体 for page numbers), so the file opens exactly right
in their Word; LibreOffice substitutes what it has and keeps the 28 × 22 character grid.
"""

from __future__ import annotations

import io

from gongjian.documents.blocks import Attachment, Block, Figure, Heading, Paragraph, Run, Table
from gongjian.documents.compose import DRAFT_MARK, BulletinData
from gongjian.documents.fonts import WORD_BODY, WORD_HEI, WORD_KAI, WORD_LATIN, WORD_SONG, WORD_TITLE
from gongjian.documents.text import masthead_size

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

FONT_TITLE = WORD_TITLE
FONT_BODY = WORD_BODY
FONT_HEI = WORD_HEI
FONT_KAI = WORD_KAI
FONT_SONG = WORD_SONG
LATIN = WORD_LATIN
FACES = {"body": FONT_BODY, "kai": FONT_KAI, "hei": FONT_HEI}
# Children of w:pPr in schema order (Word refuses a file whose elements are out of order).
PPR_ORDER = (
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
# Children of w:rPr that come after w:spacing (schema order).
RPR_AFTER_SPACING = (
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
)
TBLPR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")


def _ppr_child(ppr, tag: str):
    """The ``tag`` child of a w:pPr, created in its schema position when missing."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    found = ppr.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        ppr.insert_element_before(found, *PPR_ORDER[PPR_ORDER.index(tag) + 1 :])
    return found


def _no_grid_snap(paragraph) -> None:
    from docx.oxml.ns import qn

    _ppr_child(paragraph._p.get_or_add_pPr(), "w:snapToGrid").set(qn("w:val"), "0")


class DocxWriter:
    LINE = 28.95  # points: 22 lines in the 225 mm type area
    BODY = 16  # 3号
    CONDENSE = -5  # twentieths of a point: 16 pt characters set 15.75 pt apart, 28 to the line
    TABLE = 12  # 小4号

    def __init__(self, data: BulletinData):
        from docx import Document

        self.data = data
        self.doc = Document()

    # low-level helpers
    def _fonts(self, run, east_asia: str, *, latin: str | None = None, size: float | None = None, bold=False):
        from docx.oxml.ns import qn
        from docx.shared import Pt

        run.font.name = latin or east_asia  # w:ascii and w:hAnsi
        fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), east_asia)
        fonts.set(qn("w:cs"), latin or east_asia)
        run.font.size = Pt(size or self.BODY)
        run.font.bold = bold
        if (size or self.BODY) == self.BODY:
            # 3号 characters narrowed by a quarter point: 28 of them fill the 156 mm line (see _page).
            from docx.oxml import OxmlElement

            spacing = OxmlElement("w:spacing")
            spacing.set(qn("w:val"), str(self.CONDENSE))
            run._element.get_or_add_rPr().insert_element_before(spacing, *RPR_AFTER_SPACING)
        return run

    def _paragraph(self, *, align="justify", indent=True, line: float | None = None, grid=True):
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.oxml.ns import qn
        from docx.shared import Pt

        paragraph = self.doc.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.alignment = {
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
        }[align]
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        if line is None:
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        else:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(line)
        fmt.first_line_indent = Pt(2 * self.BODY) if indent else Pt(0)
        if indent:
            paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")
        if not grid:
            _no_grid_snap(paragraph)
        fmt.widow_control = True
        return paragraph

    def _body(self, runs, *, indent=True, align="justify"):
        paragraph = self._paragraph(align=align, indent=indent, line=self.LINE)
        for run in runs:
            self._fonts(paragraph.add_run(run.text), FACES.get(run.face, FONT_BODY), latin=LATIN)
        return paragraph

    def _blank(self, lines: int = 1):
        for _line in range(lines):
            self._paragraph(indent=False, line=self.LINE)

    def _border(self, paragraph, side: str, *, size: int, color: str = "000000"):
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        borders = _ppr_child(paragraph._p.get_or_add_pPr(), "w:pBdr")
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), str(size))
        edge.set(qn("w:space"), "1")
        edge.set(qn("w:color"), color)
        borders.append(edge)

    # the document
    def build(self) -> bytes:
        properties = self.doc.core_properties
        properties.title = self.data.title
        properties.author = properties.last_modified_by = self.data.issuer_full
        properties.subject = properties.comments = properties.keywords = ""
        self._page()
        self._styles()
        self._footer()
        self._masthead()
        self._title()
        self._body((Run(self.data.addressee),), indent=False)
        self._body(self.data.opening.runs)
        for section in self.data.sections:
            self._heading(section.heading, 1)
            for block in section.blocks:
                self._block(block)
        self._attachment_note()
        self._signature()
        for attachment in self.data.attachments:
            self._attachment(attachment)
        self._colophon()
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()

    def _titled_opening(self):
        """The opening of a document without a masthead (speech draft, campaign report): no author in
        the file's properties, the page and faces of the bulletin, the title in 小标宋 and the
        subtitle (the period) in 楷体 under it."""
        properties = self.doc.core_properties
        properties.title = self.data.title
        properties.author = properties.last_modified_by = ""
        properties.subject = properties.comments = properties.keywords = ""
        self._page()
        self._styles()
        self._footer()
        self._blank(1)
        title = self._paragraph(align="center", indent=False, line=36, grid=False)
        self._fonts(title.add_run(self.data.title), FONT_TITLE, size=22)
        subtitle = self._paragraph(align="center", indent=False, line=self.LINE)
        self._fonts(subtitle.add_run(self.data.subtitle), FONT_KAI, latin=FONT_KAI)
        self._blank(1)

    def _page(self):
        from docx.oxml.ns import qn
        from docx.shared import Mm

        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance = Mm(15)
        # The page number's dash line stands 7 mm below the type area (GB/T 9704 7.5).
        section.footer_distance = Mm(22)
        # 22 lines of 28 characters. The line pitch is 28.95 pt (a line grid). The characters are not
        # put on a character grid: LibreOffice gives a 16 pt glyph two cells of a 15.79 pt grid (14
        # characters a line). Instead each 3号 run is condensed by 0.25 pt (w:spacing -5 twentieths),
        # 15.75 pt a character, which both Word and LibreOffice lay out 28 to the 442.2 pt line.
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            from docx.oxml import OxmlElement

            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), "579")
        grid.attrib.pop(qn("w:charSpace"), None)

    def _styles(self):
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        normal = self.doc.styles["Normal"]
        normal.font.name = LATIN
        normal.font.size = Pt(self.BODY)
        rpr = normal.element.get_or_add_rPr()
        fonts = rpr.get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), FONT_BODY)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:eastAsia"), "zh-CN")
        # The defaults: explicit fonts instead of the template's theme fonts (a theme attribute would
        # win over them), Chinese as the East Asian language, and the 16 pt size the character grid is
        # measured against.
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        drpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
        if drpr is not None:
            dfonts = drpr.find(qn("w:rFonts"))
            if dfonts is not None:
                for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                    dfonts.attrib.pop(qn(attr), None)
                for attr, value in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:eastAsia", FONT_BODY), ("w:cs", LATIN)):
                    dfonts.set(qn(attr), value)
            for tag in ("w:sz", "w:szCs"):
                node = drpr.find(qn(tag))
                if node is not None:
                    node.set(qn("w:val"), str(self.BODY * 2))
            dlang = drpr.find(qn("w:lang"))
            if dlang is not None:
                dlang.set(qn("w:eastAsia"), "zh-CN")
            spacing = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
            if spacing is not None:
                spacing.set(qn("w:after"), "0")
                spacing.set(qn("w:line"), "240")

    def _page_number(self, paragraph):
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        def run(text=""):
            return self._fonts(paragraph.add_run(text), FONT_SONG, size=14)

        run("— ")
        begin = OxmlElement("w:fldChar")
        begin.set(qn("w:fldCharType"), "begin")
        run()._r.append(begin)
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = " PAGE "
        run()._r.append(instr)
        separate = OxmlElement("w:fldChar")
        separate.set(qn("w:fldCharType"), "separate")
        run()._r.append(separate)
        run("1")
        end = OxmlElement("w:fldChar")
        end.set(qn("w:fldCharType"), "end")
        run()._r.append(end)
        run(" —")

    def _footer(self):
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[0]
        # Odd pages: right, one character in; even pages: left, one character in.
        for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            paragraph.paragraph_format.alignment = (
                WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
            )
            if align == "right":
                paragraph.paragraph_format.right_indent = Pt(14)
            else:
                paragraph.paragraph_format.left_indent = Pt(14)
            self._page_number(paragraph)

    def _masthead(self):
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm, Pt, RGBColor

        # The issuer's mark: its top edge 35 mm below the top of the type area (GB/T 9704 7.2.1); the
        # mark's line is a quarter taller than its characters, half of that above them. A draft says
        # so in the first line of the page, at the right (黑体 3号), inside that space.
        name = self.data.issuer_full
        size = masthead_size(name)
        spacer = Mm(35).pt - size * 0.125
        if self.data.draft:
            mark = self._paragraph(align="right", indent=False, line=self.LINE, grid=False)
            self._fonts(mark.add_run(DRAFT_MARK), FONT_HEI, latin=FONT_HEI)
            spacer -= self.LINE
        self._paragraph(indent=False, line=spacer, grid=False)
        mark = self._paragraph(align="center", indent=False, line=size * 1.25, grid=False)
        run = self._fonts(mark.add_run(name), FONT_TITLE, size=size)
        run.font.color.rgb = RGBColor(0xE6, 0x00, 0x12)
        # 发文字号: two blank lines under the mark, centred, in 仿宋 3号 (GB/T 9704 7.2.4).
        self._blank(2)
        number = self._body((Run(self.data.number),), indent=False, align="center")
        number.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # The red rule 4 mm under the number, as wide as the type area (7.2.5).
        rule = self._paragraph(indent=False, line=Mm(4).pt, grid=False)
        self._border(rule, "bottom", size=18, color="E60012")
        rule.paragraph_format.space_after = Pt(0)
        self._blank(2)

    def _title(self):
        from docx.enum.text import WD_BREAK

        paragraph = self._paragraph(align="center", indent=False, line=36, grid=False)
        for index, line in enumerate(self.data.title_lines):
            run = self._fonts(paragraph.add_run(line), FONT_TITLE, size=22)
            if index < len(self.data.title_lines) - 1:
                run.add_break(WD_BREAK.LINE)
        self._blank(1)

    def _heading(self, text: str, level: int):
        paragraph = self._paragraph(line=self.LINE)
        paragraph.paragraph_format.keep_with_next = True
        face = FONT_HEI if level == 1 else FONT_KAI
        self._fonts(paragraph.add_run(text), face, latin=face)

    def _block(self, block: Block):
        if isinstance(block, Heading):
            self._heading(block.text, block.level)
        elif isinstance(block, Paragraph):
            self._body(block.runs)
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, Figure):
            self._figure(block)

    def _figure(self, figure: Figure):
        from docx.shared import Cm

        holder = self._paragraph(align="center", indent=False, grid=False)
        holder.paragraph_format.keep_with_next = True
        holder.add_run().add_picture(io.BytesIO(figure.png), width=Cm(15))
        caption = self._paragraph(align="center", indent=False, line=self.LINE, grid=False)
        self._fonts(caption.add_run(figure.caption), FONT_HEI, size=14)

    def _table(self, table: Table):
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Cm, Pt

        caption = self._paragraph(align="center", indent=False, line=self.LINE, grid=False)
        caption.paragraph_format.keep_with_next = True
        self._fonts(caption.add_run(table.title), FONT_HEI, size=14)

        grid = self.doc.add_table(rows=1 + len(table.rows), cols=len(table.header))
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        grid.autofit = False
        tbl_pr = grid._tbl.tblPr
        borders = OxmlElement("w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            edge = OxmlElement(f"w:{side}")
            edge.set(qn("w:val"), "single")
            edge.set(qn("w:sz"), "6")
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), "000000")
            borders.append(edge)
        tbl_pr.insert_element_before(borders, *TBLPR_AFTER_BORDERS)
        for index, width in enumerate(table.widths_cm):
            grid.columns[index].width = Cm(width)
        for row_index, values in enumerate([table.header, *table.rows]):
            row = grid.rows[row_index]
            tr_pr = row._tr.get_or_add_trPr()
            cant_split = OxmlElement("w:cantSplit")
            tr_pr.append(cant_split)
            if row_index == 0:
                repeat = OxmlElement("w:tblHeader")
                tr_pr.append(repeat)
            row.height = Cm(0.8)
            for col_index, value in enumerate(values):
                cell = row.cells[col_index]
                cell.width = Cm(table.widths_cm[col_index])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                paragraph = cell.paragraphs[0]
                fmt = paragraph.paragraph_format
                fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
                fmt.space_before = Pt(0)
                fmt.space_after = Pt(0)
                fmt.first_line_indent = Pt(0)
                _no_grid_snap(paragraph)
                face = FONT_HEI if row_index == 0 else FONT_BODY
                self._fonts(paragraph.add_run(value), face, latin=face if row_index == 0 else LATIN, size=self.TABLE)
        # A little air after the table before the next line of text.
        self._paragraph(indent=False, line=10, grid=False)

    def _signature(self):
        from docx.shared import Pt

        # One blank line after the text; the last paragraph, the blank, the issuer and the date stay
        # on one page (a page holding only the signature is not allowed).
        last = self.doc.paragraphs[-1]
        last.paragraph_format.keep_with_next = True
        self._blank(1)
        self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        issuer = self._body((Run(self.data.issuer_full),), indent=False, align="right")
        issuer.paragraph_format.right_indent = Pt(self.BODY * self.data.signature_indent_chars)
        issuer.paragraph_format.keep_with_next = True
        date = self._body((Run(self.data.issue_date_text),), indent=False, align="right")
        date.paragraph_format.right_indent = Pt(self.BODY * 4)

    def _attachment_note(self):
        """附件说明: one blank line under the text, "附件：" two characters in; further attachments
        aligned under the first one's name (GB/T 9704 7.3.4)."""
        from docx.shared import Pt

        notes = self.data.attachment_note
        if not notes:
            return
        self._blank(1)
        for index, line in enumerate(notes):
            paragraph = self._body((Run(line),), indent=False, align="left")
            paragraph.paragraph_format.left_indent = Pt(self.BODY * (2 if index == 0 else 5))
            paragraph.paragraph_format.keep_with_next = True

    def _attachment(self, attachment: Attachment):
        """An attachment on a new page: "附件N" in 黑体 at the top left, its title centred on the
        third line in the title's face, then its blocks (GB/T 9704 8)."""
        label = self._paragraph(align="left", indent=False, line=self.LINE)
        label.paragraph_format.page_break_before = True
        self._fonts(label.add_run(attachment.label), FONT_HEI, latin=FONT_HEI)
        self._blank(1)
        title = self._paragraph(align="center", indent=False, line=self.LINE * 1.25, grid=False)
        self._fonts(title.add_run(attachment.title), FONT_TITLE, size=22)
        self._blank(1)
        for block in attachment.blocks:
            self._block(block)

    def _colophon(self):
        """版记 at the foot of the last page (GB/T 9704 7.4): 抄送 and the issuing office with the date
        of printing, 4号 仿宋, one character in from either side, between a thick rule above, a thin
        rule between and a thick rule below. Each line is a frame placed on the page at an exact height
        so that the last rule is the foot of the type area, whatever the text above it (Word and
        LibreOffice both keep a frame where it is placed; a floating table LibreOffice lays inline)."""
        from docx.enum.text import WD_TAB_ALIGNMENT
        from docx.oxml.ns import qn
        from docx.shared import Length, Mm, Pt

        lines = []
        if self.data.copy_to:
            lines.append(f"抄送：{self.data.copy_to.rstrip('。')}。")
        lines.append(f"{self.data.issuer_full}\t{self.data.issue_date_text}印发")
        height = Pt(self.LINE)
        # The first frame's top edge, from the top of the page: the type area ends 35 mm above the bottom.
        top = Length(Mm(297 - 35) - height * len(lines))
        for index, text in enumerate(lines):
            first, last = index == 0, index == len(lines) - 1
            paragraph = self._paragraph(align="left", indent=False, line=self.LINE, grid=False)
            fmt = paragraph.paragraph_format
            fmt.left_indent = Pt(14)
            fmt.right_indent = Pt(14)
            fmt.tab_stops.add_tab_stop(Mm(156) - Pt(14), WD_TAB_ALIGNMENT.RIGHT)
            frame = _ppr_child(paragraph._p.get_or_add_pPr(), "w:framePr")
            for attr, value in (
                ("w:w", str(round(Mm(156).twips))),
                ("w:h", str(round(height.twips))),
                ("w:hRule", "exact"),
                ("w:wrap", "around"),
                ("w:vAnchor", "page"),
                ("w:hAnchor", "margin"),
                ("w:x", "0"),
                ("w:y", str(round(top.twips + index * height.twips))),
            ):
                frame.set(qn(attr), value)
            if first:
                self._border(paragraph, "top", size=8)
            self._border(paragraph, "bottom", size=8 if last else 4)
            self._fonts(paragraph.add_run(text), FONT_BODY, size=14)
        # Frames are anchored to the paragraph after them; the document ends with that one.
        self._paragraph(indent=False, line=1, grid=False)


class SpeechDocxWriter(DocxWriter):
    """The speech draft (讲话稿) as a Word file on the same page and faces as the bulletin: the title
    in 小标宋, the period under it in 楷体, "同志们：", the three parts headed in 黑体 and their
    paragraphs in 仿宋."""

    def __init__(self, speech):
        from docx import Document

        self.data = speech
        self.doc = Document()

    def build(self) -> bytes:
        self._titled_opening()
        self._body((Run(self.data.salutation),), indent=False)
        for section in self.data.sections:
            self._heading(section.heading, 1)
            for paragraph in section.paragraphs:
                self._body(tuple(Run(sentence.text) for sentence in paragraph))
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
