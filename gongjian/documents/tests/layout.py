"""Helpers for the layout tests: LibreOffice turns a .docx into a PDF, poppler reads the PDF's text
with its positions (``pdftotext -bbox-layout``) and draws its pages as PNG; the PNG pages are kept
under ``var/test-artefacts/`` for a person to look at."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
POPPLER = all(shutil.which(tool) for tool in ("pdftoppm", "pdftotext"))
NS = "{http://www.w3.org/1999/xhtml}"


def artefacts_dir(name: str) -> Path:
    path = Path(settings.BASE_DIR) / "var" / "test-artefacts" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def docx_to_pdf(docx: Path, out_dir: Path) -> Path:
    """``soffice --headless --convert-to pdf`` with a profile of its own (so that parallel runs and
    a desktop LibreOffice never share one)."""
    profile = out_dir / "lo-profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return out_dir / f"{docx.stem}.pdf"


def pdf_to_pngs(pdf: Path, out_dir: Path, stem: str, *, dpi: int = 60) -> list[Path]:
    for old in out_dir.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out_dir / stem)], check=True, timeout=120)
    return sorted(out_dir.glob(f"{stem}-*.png"))


@dataclass(frozen=True)
class Line:
    page: int  # from 1
    page_height: float  # points
    y: float  # top of the line, points from the top of the page
    text: str  # the words joined without spaces


def pdf_lines(pdf: Path) -> list[Line]:
    """Every text line of the PDF with its page and vertical position."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    root = ET.fromstring(xml)
    lines = []
    for number, page in enumerate(root.iter(f"{NS}page"), start=1):
        height = float(page.get("height"))
        for line in page.iter(f"{NS}line"):
            words = [w.text or "" for w in line.iter(f"{NS}word")]
            lines.append(Line(number, height, float(line.get("yMin")), "".join(words)))
    return lines


def page_lines(lines: list[Line], page: int) -> list[Line]:
    """One page's lines top to bottom, pieces on the same baseline merged, the page number left out."""
    rows: dict[int, list[Line]] = {}
    for line in lines:
        if line.page == page:
            rows.setdefault(round(line.y), []).append(line)
    merged = [
        Line(page, row[0].page_height, row[0].y, "".join(x.text for x in row)) for _y, row in sorted(rows.items())
    ]
    return [line for line in merged if not re.fullmatch(r"—\d+—", line.text)]
