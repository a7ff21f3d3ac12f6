"""WeasyPrint, imported so that it leaves Pillow's global settings as it found them.

WeasyPrint sets ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True`` when it is imported. That switch is
process-wide: left on, the photo intake (gongjian/inspections/photos.py) would accept truncated
uploads. Every module that needs WeasyPrint imports it through here."""

from __future__ import annotations

from PIL import ImageFile


def weasyprint():
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint as module
        import weasyprint.urls
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return module
