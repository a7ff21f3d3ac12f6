"""The CJK fonts documents are set in travel with the product (gongjian/core/fonts.py)."""

from __future__ import annotations

import shutil
import warnings

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from gongjian.core import fonts
from gongjian.core.checks import document_fonts_installed


def test_every_shipped_face_is_installed_by_make_assets():
    assert fonts.missing_faces() == []
    for face in fonts.FACES:
        assert fonts.face_path(face).read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType, not WOFF
    assert sorted(path.name for path in fonts.font_dir().glob("OFL-*.txt")) == [
        "OFL-LXGWWenKai.txt",
        "OFL-NotoSansSC.txt",
        "OFL-NotoSerifSC.txt",
    ]


def test_the_system_check_passes_with_the_fonts_and_fails_without_them(settings, tmp_path):
    assert document_fonts_installed() == []
    call_command("check")  # no exception

    settings.FONT_DIR = tmp_path
    [error] = document_fonts_installed()
    assert error.id == "gongjian.E001" and error.is_serious()
    assert str(tmp_path) in error.msg and "NotoSerifSC-Regular.ttf" in error.msg
    assert "make assets" in error.hint
    with pytest.raises(SystemCheckError, match="gongjian.E001"):
        call_command("check")


def test_one_missing_face_is_named_alone(settings, tmp_path):
    for face in fonts.FACES[1:]:
        shutil.copyfile(fonts.face_path(face), tmp_path / face.filename)
    settings.FONT_DIR = tmp_path
    assert [face.filename for face in fonts.missing_faces()] == ["NotoSansSC-Regular.ttf"]
    with pytest.raises(fonts.FontsMissing) as refused:
        fonts.require()
    assert "NotoSansSC-Regular.ttf" in refused.value.message and "NotoSansSC-Bold.ttf" not in refused.value.message
    assert "make assets" in refused.value.message


def test_the_font_face_rules_name_each_family_explicitly_with_the_shipped_files():
    css = fonts.font_face_css((fonts.SANS, fonts.SERIF))
    assert css.count("@font-face") == 4
    assert 'font-family: "Noto Sans SC"' in css and 'font-family: "Noto Serif SC"' in css
    assert "WenKai" not in css
    assert fonts.face_path(fonts.FACES[0]).resolve().as_uri() in css
    assert "font-weight: 700" in css and "font-weight: 400" in css
    assert fonts.font_face_css().count("@font-face") == 6


def test_a_documents_fetcher_gets_the_shipped_font_files_and_nothing_else_from_disk(tmp_path):
    shipped = fonts.face_path(fonts.FACES[2]).resolve()
    assert fonts.font_file(shipped.as_uri()) == shipped
    other = tmp_path / "NotoSerifSC-Regular.ttf"
    other.write_bytes(b"not the shipped one")
    for url in (
        other.as_uri(),
        "file:///etc/passwd",
        (fonts.font_dir() / ".." / "fonts" / ".." / "manage.py").as_uri(),
        "https://example.com/NotoSansSC-Regular.ttf",
        "bulletin:categories.png",
    ):
        assert fonts.font_file(url) is None, url


def test_charts_are_set_in_the_shipped_sans_and_show_every_chinese_glyph():
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    family = fonts.chart_family()
    assert family == "Noto Sans SC"
    found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert found.startswith(str(fonts.font_dir().resolve()))
    figure = Figure()
    figure.add_subplot().set_title("问题整改率：街道社区小区", family=family)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph ("Glyph ... missing from font") fails the test
        FigureCanvasAgg(figure).draw()


@pytest.mark.usefixtures("no_system_fonts")
def test_the_fixture_leaves_fontconfig_without_any_system_font():
    from gongjian.core.pdf import weasyprint

    ffi = weasyprint().text.ffi
    config = weasyprint().text.fonts.FontConfiguration()
    assert ffi.fontconfig.FcConfigGetFonts(config._config, ffi.fontconfig.FcSetSystem).nfont == 0
