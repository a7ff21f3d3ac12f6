"""The fonts documents are set in: shipped with the product, never taken from the system.

A binder or bulletin must show Chinese on any machine, including one with no CJK font installed.
The fonts come from npm like the front-end assets (``package.json``) and ``scripts/copy_fonts.py``
(run by ``make assets``) lays them out in ``settings.FONT_DIR``:

=====================  ==========================  ===================================  ==============
family                 stands in for               npm package                          file
=====================  ==========================  ===================================  ==============
Noto Sans SC           黑体 (headings, tables)     @expo-google-fonts/noto-sans-sc      NotoSansSC-*.ttf
Noto Serif SC          宋体 (body text)            @expo-google-fonts/noto-serif-sc     NotoSerifSC-*.ttf
LXGW WenKai            楷体 (level-2 headings)     @fontsource/lxgw-wenkai              LXGWWenKai-*.ttf
=====================  ==========================  ===================================  ==============

All three are under the SIL Open Font License 1.1 (the licences are copied beside the files). The
Noto faces are Google's Simplified Chinese builds, so their glyphs are always the mainland shapes
(a language-less CJK family would let Japanese shapes in). No open 仿宋 face for simplified
Chinese is published in npm, PyPI or Debian (Debian's cwTeX FangSong lacks simplified characters);
楷体 is the nearest open face.

Documents name the families explicitly; WeasyPrint gets them as ``@font-face`` rules pointing at the
files (``font_face_css``; the documents' URL fetchers serve exactly these files through
``font_file``), and matplotlib registers the same files (``chart_family``). When the files are
missing, document generation refuses with ``FontsMissing`` and ``manage.py check`` reports an error
(``gongjian.core.checks``) rather than letting a PDF fill with empty boxes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

SANS = "Noto Sans SC"
SERIF = "Noto Serif SC"
KAI = "LXGW WenKai"
FAMILIES = (SANS, SERIF, KAI)


@dataclass(frozen=True)
class Face:
    family: str
    weight: int
    filename: str


FACES = (
    Face(SANS, 400, "NotoSansSC-Regular.ttf"),
    Face(SANS, 700, "NotoSansSC-Bold.ttf"),
    Face(SERIF, 400, "NotoSerifSC-Regular.ttf"),
    Face(SERIF, 700, "NotoSerifSC-Bold.ttf"),
    Face(KAI, 400, "LXGWWenKai-Regular.ttf"),
    Face(KAI, 700, "LXGWWenKai-Bold.ttf"),
)


# Kept as an English source string so a background job can store it and show it in each reader's
# language (gongjian.core.jobs.text).
MISSING_MESSAGE = gettext_noop(
    "The Chinese fonts for documents are missing from %(folder)s (%(files)s). "
    "Install them with “make assets” (or “.venv/bin/python scripts/copy_fonts.py”) and try again."
)


class FontsMissing(Exception):
    """The shipped fonts are not where documents look for them: no document is made without them."""

    def __init__(self, missing: list[Face]):
        self.missing = missing
        self.params = {"folder": str(font_dir()), "files": ", ".join(face.filename for face in missing)}
        self.message = _(MISSING_MESSAGE) % self.params
        super().__init__(self.message)


def font_dir() -> Path:
    return Path(settings.FONT_DIR)


def face_path(face: Face) -> Path:
    return font_dir() / face.filename


def missing_faces() -> list[Face]:
    return [face for face in FACES if not face_path(face).is_file()]


def require() -> None:
    """Raise ``FontsMissing`` unless every shipped face is in place."""
    missing = missing_faces()
    if missing:
        raise FontsMissing(missing)


def font_face_css(families: tuple[str, ...] = FAMILIES) -> str:
    """``@font-face`` rules for WeasyPrint naming the shipped files by ``file:`` URL (served by the
    document's fetcher through ``font_file``)."""
    require()
    rules = []
    for face in FACES:
        if face.family in families:
            rules.append(
                f'@font-face {{ font-family: "{face.family}"; font-style: normal; font-weight: {face.weight}; '
                f'src: url("{face_path(face).resolve().as_uri()}") format("truetype"); }}'
            )
    return "\n".join(rules) + "\n"


def font_file(url: str) -> Path | None:
    """The shipped font file a ``file:`` URL names, or None for any other URL (a document's URL
    fetcher serves these files and nothing else from the disk)."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = Path(unquote(parts.path)).resolve()
    for face in FACES:
        shipped = face_path(face).resolve()
        if path == shipped and shipped.is_file():
            return shipped
    return None


_registered: set[Path] = set()
_lock = threading.Lock()


def chart_family() -> str:
    """Register the shipped sans faces with matplotlib (once per file) and return their family,
    for ``font.family`` in a chart's settings. Raises ``FontsMissing`` without them."""
    from matplotlib import font_manager

    require()
    with _lock:
        for face in FACES:
            path = face_path(face).resolve()
            if face.family == SANS and path not in _registered:
                font_manager.fontManager.addfont(str(path))
                _registered.add(path)
    return SANS
