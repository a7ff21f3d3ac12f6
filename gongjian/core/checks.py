"""System checks (``manage.py check``, and before ``runserver`` and ``migrate``)."""

from __future__ import annotations

from django.core import checks

from gongjian.core import fonts


@checks.register(checks.Tags.compatibility)
def document_fonts_installed(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Documents (binder and bulletin PDFs, charts) are set only in the shipped CJK fonts; without
    them every Chinese character would print as an empty box, so their absence is an error."""
    missing = fonts.missing_faces()
    if not missing:
        return []
    return [
        checks.Error(
            f"The CJK fonts for documents are missing from FONT_DIR={fonts.font_dir()}: "
            + ", ".join(face.filename for face in missing),
            hint="Run `make assets` (npm ci, then scripts/copy_fonts.py), or set FONT_DIR to where they are.",
            id="gongjian.E001",
        )
    ]
