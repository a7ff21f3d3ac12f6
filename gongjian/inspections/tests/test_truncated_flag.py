"""Pillow's LOAD_TRUNCATED_IMAGES is process-wide and WeasyPrint turns it on when imported; the
photo intake must refuse truncated uploads whatever another module did."""

import io

import pytest
from PIL import Image, ImageFile

from gongjian.core.pdf import weasyprint
from gongjian.inspections.photos import PhotoRejected, process_photo


def _half_a_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 80).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()[: len(buffer.getvalue()) // 2]


def test_importing_weasyprint_through_core_leaves_pillow_strict():
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    weasyprint()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_a_truncated_photo_is_refused_even_after_another_library_relaxed_pillow():
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        with pytest.raises(PhotoRejected) as refused:
            process_photo(_half_a_jpeg())
        assert refused.value.code == "broken"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
