"""The bulletin as a PDF from ``templates/documents/bulletin_pdf.html`` (WeasyPrint), open CJK fonts
embedded. Nothing is fetched from anywhere but memory and the shipped font files: the charts and the
fonts are served by a fetcher that knows only them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from gongjian.core import fonts
from gongjian.core.pdf import weasyprint
from gongjian.documents.compose import DRAFT_MARK, BulletinData
from gongjian.documents.fonts import pdf_font_css
from gongjian.documents.text import masthead_size

IMAGE_SCHEME = "bulletin"


def stylesheet(name: str = "css/bulletin.css") -> str:
    from django.contrib.staticfiles import finders

    path = finders.find(name) or str(Path(settings.BASE_DIR) / "static" / name)
    return Path(path).read_text(encoding="utf-8")


def render_pdf(data: BulletinData) -> bytes:
    fonts.require()  # refuse at once rather than print Chinese as empty boxes
    engine = weasyprint()
    CSS, HTML = engine.CSS, engine.HTML
    html = render_to_string(
        "documents/bulletin_pdf.html", {"data": data, "image_scheme": IMAGE_SCHEME, "draft_mark": DRAFT_MARK}
    )
    fetcher = memory_fetcher({f"{IMAGE_SCHEME}:{name}": png for name, png in data.figures.items()})
    # What depends on the data (the issuer's length) and the font stacks come as a second, generated
    # stylesheet.
    sized = (
        f".issuer-mark {{ font-size: {masthead_size(data.issuer_full)}pt; }}\n"
        f".signature .issuer {{ padding-right: {data.signature_indent_chars:.2f}em; }}\n" + pdf_font_css()
    )
    font_config = engine.text.fonts.FontConfiguration()
    stylesheets = [
        CSS(string=css, url_fetcher=fetcher, font_config=font_config)
        for css in (fonts.font_face_css(), stylesheet(), sized)
    ]
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=stylesheets, font_config=font_config)


def memory_fetcher(files: dict[str, bytes]):
    urls = weasyprint().urls
    URLFetcher, URLFetcherResponse = urls.URLFetcher, urls.URLFetcherResponse

    class MemoryFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in files:
                return URLFetcherResponse(url, files[url], {"Content-Type": "image/png"})
            if (font := fonts.font_file(url)) is not None:
                return URLFetcherResponse(url, font.read_bytes(), {"Content-Type": "font/ttf"})
            raise ValueError(f"the document serves only its own images and the shipped fonts, not {url}")

    return MemoryFetcher(allowed_protocols=[IMAGE_SCHEME, "file"])
