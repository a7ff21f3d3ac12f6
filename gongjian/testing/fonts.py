"""Test helpers for the fonts documents embed: a machine without system fonts, and a PDF's font list."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def no_system_fonts(tmp_path, monkeypatch) -> Path:
    """Fontconfig as on a fresh machine with no font at all: a configuration that names no folder.
    WeasyPrint loads the configuration anew for each document, so documents made inside the test
    see only the fonts the product ships."""
    from gongjian.core.pdf import weasyprint

    weasyprint()  # imported with the real configuration (its import-time check warns about none)
    config = tmp_path / "fonts.conf"
    cache = tmp_path / "fontconfig-cache"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><cachedir>{cache}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    monkeypatch.delenv("FONTCONFIG_PATH", raising=False)
    return config


def pdf_fonts(path: Path) -> list[tuple[str, bool]]:
    """(name without the subset prefix, embedded) for each font of a PDF, from poppler's pdffonts."""
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = []
    for row in listing.splitlines()[2:]:
        fields = row.split()
        # name, type (one or two words), encoding, emb, sub, uni, object, id: "emb" is 5th from the end.
        fonts.append((fields[0].split("+")[-1], fields[-5] == "yes"))
    return fonts
