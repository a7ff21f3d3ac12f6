"""The faces a 公文 is set in, as font-family stacks for the PDF and as names for the Word file.

GB/T 9704 sets the body in 仿宋, level-1 headings in 黑体, level-2 in 楷体 and the title in 小标宋.
The Word file names the fonts officials' machines have, so it opens exactly right there. The PDF is
made on the server: each stack names a FangSong-style (or 黑体, 楷体) face first, used when one is
installed for the product (see gongjian/core/fonts.py where it ships them), then the open Noto CJK
face always present — always the Simplified Chinese family by name, or Japanese glyph shapes appear.
"""

from __future__ import annotations

from gongjian.core import fonts as core_fonts

# Word: the names on officials' machines.
WORD_TITLE = "方正小标宋简体"
WORD_BODY = "仿宋_GB2312"
WORD_HEI = "黑体"
WORD_KAI = "楷体_GB2312"
WORD_SONG = "宋体"
WORD_LATIN = "Times New Roman"

# PDF: the first installed face of each stack wins, glyph by glyph.
# No open simplified-Chinese 仿宋 exists in a package registry, so the body falls back to the shipped
# Noto Serif SC (宋体-like) and 楷体 to the shipped LXGW WenKai (gongjian.core.fonts); a FangSong
# installed on the server for the product comes first.
PDF_BODY = ("FangSong", "FangSong_GB2312", "仿宋_GB2312", "仿宋", core_fonts.SERIF, "Noto Serif CJK SC")
PDF_HEI = ("SimHei", "黑体", core_fonts.SANS, "Noto Sans CJK SC")
PDF_KAI = ("KaiTi", "KaiTi_GB2312", "楷体_GB2312", "楷体", core_fonts.KAI, core_fonts.SERIF)
PDF_TITLE = ("FZXiaoBiaoSong-B05S", "方正小标宋简体", core_fonts.SERIF, "Noto Serif CJK SC")


def css_stack(stack: tuple[str, ...]) -> str:
    return ", ".join(f'"{name}"' for name in stack)


def pdf_font_css() -> str:
    """The font-family rules of the bulletin's and the speech's PDF (appended after their stylesheet)."""
    return "\n".join(
        [
            f"html, .number, .colophon {{ font-family: {css_stack(PDF_BODY)}; }}",
            f"h2, .face-hei, .table-title, table.ranking th, figcaption, .attachment-label, .draft-mark "
            f"{{ font-family: {css_stack(PDF_HEI)}; }}",
            f"h3, .face-kai {{ font-family: {css_stack(PDF_KAI)}; }}",
            f"h1.title, .issuer-mark, .attachment-title {{ font-family: {css_stack(PDF_TITLE)}; }}",
            "",
        ]
    )
