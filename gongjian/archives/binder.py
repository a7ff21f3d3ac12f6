"""The binder (台帐) of one unit and period, as a PDF to print and as a ZIP of the original files.

Both follow the city's published template in force for the period: one section per rule item in
the template's order, each holding the records that count for that item (a record counting for
two items appears in both), and a last section "Other records" for records counting for none.

* ``build_pdf`` lays the binder out with WeasyPrint, as the inspectors receive it: a cover (unit,
  period, template, compiler and reviewer — 编制人 / 审核人 — and date), a table of contents listing
  every section and every record with the page WeasyPrint fills in (``target-counter``), the
  sections with their records — text, the content of Word and Excel files (``office.py``: text and
  tables, bounded) and the photos with their captions right after the text, flowing on without
  half-empty pages. Internal metrics (completeness, points at risk, findings) never go in it: they
  are the self-check report's (``build_self_check_pdf``, 自查报告), for the community itself. Chinese
  is set in the product's own Noto Sans SC / Noto Serif SC (``gongjian.core.fonts``, named
  explicitly: a bare generic family lets Japanese glyph shapes in) and embedded.
* ``build_zip`` writes a folder per section with the original files (streamed from storage in
  chunks, never whole in memory) and ``index.xlsx`` listing every file with its SHA-256.

Memory stays flat however many photos a year holds, and however large phones make them: WeasyPrint
never sees an original. Each photo is decoded on its own (JPEG decoded straight at a reduced scale
with ``Image.draft``), reduced to at most ``PHOTO_MAX_SIDE`` pixels and written as a small JPEG to
a temporary directory, which the layout reads by ``file://`` URL (and nothing else: the URL fetcher
serves only that directory).

Both take ``progress(percent, stage)`` to report how far they are, and write to ``out_file``, a
binary file object or a path. The document's labels are in the site's language."""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, ImageOps

from gongjian.archives import selectors
from gongjian.archives.models import Evidence, EvidenceFile, TemplateSection
from gongjian.archives.office import OfficeContent, read_office
from gongjian.archives.periods import Period
from gongjian.core import fonts
from gongjian.core.pdf import weasyprint
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestors

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

PDF = "application/pdf"
ZIP = "application/zip"
# Long side of a photo as laid out: 1000 px fill half an A4 page at about 190 dpi.
PHOTO_MAX_SIDE = 1000
PHOTO_QUALITY = 80
CHUNK = 1024 * 1024
INDEX_NAME = "index.xlsx"

# The stages a build reports, as English source strings: a job stores them in English (the numbers
# filled in) and shows them in each viewer's language (``jobs.shown``).
READING = gettext_noop("Reading the records")
PREPARING = gettext_noop("Preparing photos")
PREPARING_COUNT = gettext_noop("Preparing photos (%(done)s of %(total)s)")
LAYING_OUT = gettext_noop("Laying out pages")
WRITING_PDF = gettext_noop("Writing the PDF")
PDF_WRITTEN = gettext_noop("PDF written (%(pages)s pages)")
ADDING_FILES = gettext_noop("Adding files (%(done)s of %(total)s)")
WRITING_INDEX = gettext_noop("Writing the index")
ZIP_WRITTEN = gettext_noop("ZIP written")
STAGES = (
    READING,
    PREPARING,
    PREPARING_COUNT,
    LAYING_OUT,
    WRITING_PDF,
    PDF_WRITTEN,
    ADDING_FILES,
    WRITING_INDEX,
    ZIP_WRITTEN,
)


# --- what goes in ---------------------------------------------------------------------------------


@dataclass
class BinderSection:
    number: int
    anchor: str
    title: str
    records: list[Evidence] = field(default_factory=list)
    template_section: TemplateSection | None = None

    @property
    def rule_item(self):
        return self.template_section.rule_item if self.template_section else None

    @property
    def guidance(self) -> str:
        return self.template_section.guidance if self.template_section else ""


@dataclass
class BinderContent:
    unit: Unit
    period: Period
    unit_full_name: str
    template_name: str
    sections: list[BinderSection]

    @property
    def records(self) -> int:
        return len({r.pk for s in self.sections for r in s.records})


def binder_content(unit: Unit, period: Period) -> BinderContent:
    """The sections of the template in force, each with the records that count for its rule item,
    and "Other records" (only when some record counts for no section)."""
    template = selectors.current_template(selectors.city_id_of(unit), period)
    sections = [
        BinderSection(number=i, anchor=f"section-{i}", title=s.title, template_section=s)
        for i, s in enumerate(selectors.template_sections(template), start=1)
    ]
    by_item: dict[int, list[BinderSection]] = {}
    for section in sections:
        by_item.setdefault(section.template_section.rule_item_id, []).append(section)
    other = BinderSection(number=len(sections) + 1, anchor="section-other", title=_("Other records"))
    for record in selectors.period_records([unit.id], period):
        homes = [s for item in record.rule_items.all() for s in by_item.get(item.id, [])]
        for section in homes or [other]:
            section.records.append(record)
    if other.records:
        sections.append(other)
    chain = [*ancestors(unit), unit]
    return BinderContent(
        unit=unit,
        period=period,
        unit_full_name=" ".join(u.name for u in chain),
        template_name=template.name if template else "",
        sections=sections,
    )


def period_label(period: Period) -> str:
    """ "Year 2026", "Quarter 3 of 2026", "Month 7 of 2026" in the site's language."""
    if period.kind == "year":
        return _("Year %(year)s") % {"year": period.start.year}
    if period.kind == "quarter":
        quarter = (period.start.month - 1) // 3 + 1
        return _("Quarter %(quarter)s of %(year)s") % {"year": period.start.year, "quarter": quarter}
    return _("Month %(month)s of %(year)s") % {"year": period.start.year, "month": period.start.month}


class StageText(str):
    """A stage in the current language that also remembers its English source (``english``)."""

    english: str


def stage_text(msgid: str, **params) -> StageText:
    text = StageText(_(msgid) % params if params else _(msgid))
    text.english = msgid % params if params else msgid
    return text


def _report(progress: Progress | None, percent: int, msgid: str, **params) -> None:
    if progress is not None:
        progress(max(0, min(100, int(percent))), stage_text(msgid, **params))


@contextlib.contextmanager
def _binary_out(out_file: BinaryIO | str | Path) -> Iterator[BinaryIO]:
    if isinstance(out_file, (str, Path)):
        with open(out_file, "wb") as handle:
            yield handle
    else:
        yield out_file


# --- PDF ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LaidPhoto:
    url: str  # file:// URL of the reduced copy
    caption: str
    name: str


@dataclass
class RecordBlock:
    record: Evidence
    anchor: str
    documents: list[EvidenceFile]  # PDFs and unreadable files: listed by name and hash
    office: list[tuple[EvidenceFile, OfficeContent]]  # Word and Excel files: their content
    photos: list[LaidPhoto]

    @property
    def photo_count(self) -> int:
        return len(self.photos)


def _reduce_photo(source: EvidenceFile, target: Path) -> bool:
    """Decode one stored photo at reduced scale and write a small JPEG; False if it is unreadable."""
    try:
        with source.file.open("rb") as handle, Image.open(handle) as image:
            if image.format == "JPEG":
                # Decode straight at 1/2, 1/4 or 1/8 scale, never below the size we keep.
                image.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            image.load()
            picture = ImageOps.exif_transpose(image)
            if picture.mode != "RGB":
                picture = picture.convert("RGB")
            picture.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
            picture.save(target, "JPEG", quality=PHOTO_QUALITY, optimize=False)
        return True
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        logger.warning("Binder: could not read photo %s (%s): %s", source.pk, source.file.name, error)
        return False


def _record_blocks(section: BinderSection, workdir: Path, reduced: dict[int, str | None], step) -> list[RecordBlock]:
    blocks = []
    for record in section.records:
        files = list(record.files.all())
        photos: list[LaidPhoto] = []
        for f in files:
            if not f.is_image:
                continue
            if f.pk not in reduced:
                target = workdir / f"{f.pk}.jpg"
                reduced[f.pk] = target.as_uri() if _reduce_photo(f, target) else None
                step()
            if reduced[f.pk]:
                photos.append(LaidPhoto(url=reduced[f.pk], caption=f.caption.strip(), name=f.name))
        office, documents = [], []
        for f in files:
            if f.is_image:
                continue
            read = read_office(f)
            if read is not None:
                office.append((f, read))
            else:
                documents.append(f)
        blocks.append(
            RecordBlock(
                record=record,
                anchor=f"{section.anchor}-record-{record.pk}",
                documents=documents,
                office=office,
                photos=photos,
            )
        )
    return blocks


def _css_string(text: str) -> str:
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text)  # a line break would end the CSS string
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _page_counter_content() -> str:
    """The footer "Page N of M" in the site's language, as CSS ``content`` tokens."""
    marker = _("Page %(page)s of %(pages)s") % {"page": "\x00page\x00", "pages": "\x00pages\x00"}
    tokens = []
    for part in re.split(r"(\x00pages?\x00)", marker):
        if part == "\x00page\x00":
            tokens.append("counter(page)")
        elif part == "\x00pages\x00":
            tokens.append("counter(pages)")
        elif part:
            tokens.append(_css_string(part))
    return " ".join(tokens)


def _page_stylesheet(content: BinderContent) -> str:
    """What depends on the data: the running header (unit and period) and the page numbers. The
    fixed styles are in the template's <style>."""
    header = f"{content.unit_full_name}　{period_label(content.period)}"
    return (
        "@page main { @top-center { content: "
        + _css_string(header)
        + "; } @bottom-center { content: "
        + _page_counter_content()
        + "; } }\n"
    )


def _fetcher(workdir: Path):
    urls = weasyprint().urls
    URLFetcher, URLFetcherResponse = urls.URLFetcher, urls.URLFetcherResponse
    root = workdir.resolve()

    class PhotoFetcher(URLFetcher):
        """Serves the reduced photos of this binder and the shipped fonts, nothing else."""

        def fetch(self, url, headers=None):
            if (font := fonts.font_file(url)) is not None:
                return URLFetcherResponse(url, font.read_bytes(), {"Content-Type": "font/ttf"})
            if url.startswith("file:"):
                path = Path(urls.request.url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if path.parent == root and path.is_file():
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "image/jpeg"})
            raise ValueError(f"the binder serves only its own photos, not {url}")

    return PhotoFetcher(allowed_protocols=["file"])


def build_pdf(
    unit: Unit,
    period: Period,
    out_file: BinaryIO | str | Path,
    progress: Progress | None = None,
    *,
    compiler: str = "",
    reviewer: str = "",
) -> None:
    """Lay the binder out as a PDF and write it to ``out_file``. ``compiler`` and ``reviewer`` (编制人,
    审核人) are printed on the cover; left empty, the cover keeps a line for each to sign."""
    with translation.override(settings.LANGUAGE_CODE):
        _build_pdf(unit, period, out_file, progress, compiler=compiler, reviewer=reviewer)


def _build_pdf(unit, period, out_file, progress, *, compiler: str = "", reviewer: str = "") -> None:
    fonts.require()  # refuse at once rather than print Chinese as empty boxes
    _report(progress, 1, READING)
    content = binder_content(unit, period)
    photo_total = max(1, len({f.pk for s in content.sections for r in s.records for f in r.files.all() if f.is_image}))
    done = 0

    def step():
        nonlocal done
        done += 1
        if done % 5 == 0 or done == photo_total:
            _report(progress, 5 + 55 * done // photo_total, PREPARING_COUNT, done=done, total=photo_total)

    engine = weasyprint()
    with tempfile.TemporaryDirectory(prefix="binder-") as tmp:
        workdir = Path(tmp)
        reduced: dict[int, str | None] = {}
        _report(progress, 5, PREPARING)
        sections = [(s, _record_blocks(s, workdir, reduced, step)) for s in content.sections]
        html = render_to_string(
            "archives/binder/binder.html",
            {
                "content": content,
                "sections": sections,
                "period_label": period_label(period),
                "compiler": compiler.strip(),
                "reviewer": reviewer.strip(),
                "generated": timezone.localtime(),
                "language": translation.get_language(),
            },
        )
        fetcher = _fetcher(workdir)
        _report(progress, 62, LAYING_OUT)
        font_config = engine.text.fonts.FontConfiguration()
        stylesheets = [
            engine.CSS(
                string=fonts.font_face_css((fonts.SANS, fonts.SERIF)), url_fetcher=fetcher, font_config=font_config
            ),
            engine.CSS(string=_page_stylesheet(content), url_fetcher=fetcher, font_config=font_config),
        ]
        document = engine.HTML(string=html, url_fetcher=fetcher, base_url=workdir.as_uri() + "/").render(
            stylesheets=stylesheets,
            font_config=font_config,
            # The photos' bytes wait on disk until the PDF is written, not in memory.
            cache=str(workdir / "cache"),
        )
        _report(progress, 88, WRITING_PDF)
        with _binary_out(out_file) as handle:
            document.write_pdf(handle)
        pages = len(document.pages)
        del document
    _report(progress, 99, PDF_WRITTEN, pages=pages)


# --- the self-check report (自查报告) ----------------------------------------------------------------


def build_self_check_pdf(
    unit: Unit, period: Period, out_file: BinaryIO | str | Path, progress: Progress | None = None
) -> None:
    """The community's own report on its binder — completeness, points at risk per section and the
    findings to fix — kept apart from the binder the inspectors receive."""
    with translation.override(settings.LANGUAGE_CODE):
        _report(progress, 1, READING)
        content = binder_content(unit, period)
        audit = selectors.audit_unit(unit, period)
        html = render_to_string(
            "archives/binder/self_check.html",
            {
                "content": content,
                "audit": audit,
                "points_at_risk": audit.points_at_risk.quantize(Decimal("0.01")),
                "period_label": period_label(period),
                "generated": timezone.localtime(),
                "language": translation.get_language(),
            },
        )
        fonts.require()  # refuse at once rather than print Chinese as empty boxes
        engine = weasyprint()
        _report(progress, 60, LAYING_OUT)
        with tempfile.TemporaryDirectory(prefix="self-check-") as workdir, _binary_out(out_file) as handle:
            fetcher = _fetcher(Path(workdir))  # serves the shipped fonts and nothing else here
            font_config = engine.text.fonts.FontConfiguration()
            faces = engine.CSS(
                string=fonts.font_face_css((fonts.SANS, fonts.SERIF)), url_fetcher=fetcher, font_config=font_config
            )
            engine.HTML(string=html, url_fetcher=fetcher).write_pdf(
                handle, stylesheets=[faces], font_config=font_config
            )
    _report(progress, 99, WRITING_PDF)


# --- ZIP ------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[<>:"|?*\\/\x00-\x1f]')


def safe_component(text: str, *, default: str = "file", limit: int = 80) -> str:
    """One path component for a ZIP member: no separators, no "..", no control or reserved
    characters, no leading or trailing dots and spaces; Chinese kept."""
    text = unicodedata.normalize("NFC", str(text or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\.{2,}", "_", text)
    text = re.sub(r"\s+", " ", text).strip(" ._")
    return text[:limit].strip(" .") or default


def _extension(f: EvidenceFile) -> str:
    ext = f.name.rsplit(".", 1)[-1].lower() if "." in f.name else ""
    ext = re.sub(r"[^a-z0-9]", "", ext)[:8]
    return ext or {"image": "jpg", "pdf": "pdf", "docx": "docx", "xlsx": "xlsx"}.get(f.kind, "bin")


def _zip_time(day: datetime.date) -> tuple[int, int, int, int, int, int]:
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)


def build_zip(unit: Unit, period: Period, out_file: BinaryIO | str | Path, progress: Progress | None = None) -> None:
    """A folder per section with the original files, and index.xlsx; written to ``out_file``."""
    with translation.override(settings.LANGUAGE_CODE):
        _build_zip(unit, period, out_file, progress)


def _build_zip(unit, period, out_file, progress) -> None:
    from gongjian.core.exporters import ExcelWorkbook

    _report(progress, 1, READING)
    content = binder_content(unit, period)
    total = max(1, sum(len(r.files.all()) for s in content.sections for r in s.records))
    done = 0
    book = ExcelWorkbook()
    sheet = book.table(
        sheet=_("Files"),
        title=_("Files of the binder"),
        filters=[(_("Unit"), unit.name), (_("Period"), period_label(period))],
        headers=[
            _("Section"),
            _("Record"),
            _("Kind"),
            _("Date"),
            _("Author"),
            _("File"),
            _("Caption"),
            _("SHA-256"),
            _("Path in the ZIP"),
        ],
    )

    with _binary_out(out_file) as handle, zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
        used: set[str] = set()
        for section in content.sections:
            folder = f"{section.number:02d} {safe_component(section.title, default=str(section.number))}"
            for record in section.records:
                for n, f in enumerate(record.files.all(), start=1):
                    stem = safe_component(f"{record.date:%Y-%m-%d}-{record.title}-{n}", default=f"file-{f.pk}")
                    member = f"{folder}/{stem}.{_extension(f)}"
                    counter = 2
                    while member.lower() in used:
                        member = f"{folder}/{stem}-{counter}.{_extension(f)}"
                        counter += 1
                    used.add(member.lower())
                    info = zipfile.ZipInfo(member, date_time=_zip_time(record.date))
                    info.compress_type = zipfile.ZIP_STORED  # photos, PDFs and Office files are compressed already
                    info.external_attr = 0o644 << 16
                    with f.file.open("rb") as source, archive.open(info, "w", force_zip64=True) as target:
                        while chunk := source.read(CHUNK):
                            target.write(chunk)
                    sheet.append(
                        [
                            section.title,
                            record.title,
                            record.get_kind_display(),
                            record.date,
                            *(record.author, f.name, f.caption, f.sha256, member),
                        ]
                    )
                    done += 1
                    _report(progress, 2 + 93 * done // total, ADDING_FILES, done=done, total=total)
        _report(progress, 96, WRITING_INDEX)
        index = book.save()
        info = zipfile.ZipInfo(INDEX_NAME, date_time=_zip_time(timezone.localdate()))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        archive.writestr(info, index)
    _report(progress, 99, ZIP_WRITTEN)
