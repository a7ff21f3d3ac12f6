"""The blocks a composed document is made of: paragraphs of runs, headings, tables and figures.
Composition (pure) produces them; the Word and PDF renderers only lay them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class Run:
    """A stretch of text in one face: ``body`` (仿宋), ``kai`` (楷体, a sub-heading's lead sentence)
    or ``hei`` (黑体)."""

    text: str
    face: str = "body"


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Heading:
    """Level 1 "一、…" (黑体) or level 2 "（一）…" (楷体)."""

    kind: ClassVar[str] = "heading"
    text: str
    level: int


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths_cm: tuple[float, ...]


@dataclass(frozen=True)
class Figure:
    kind: ClassVar[str] = "figure"
    name: str  # file name inside the document, e.g. "categories.png"
    caption: str
    png: bytes = field(repr=False)


Block = Paragraph | Heading | Table | Figure


@dataclass(frozen=True)
class Section:
    heading: str  # "一、基本情况"
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Attachment:
    """附件N: matter that follows the body on its own pages (a long table), named in the body's
    附件说明 and headed "附件N" at the top left of its first page (GB/T 9704 7.3.4, 8)."""

    number: int
    title: str
    blocks: tuple[Block, ...]

    @property
    def label(self) -> str:
        return f"附件{self.number}"
