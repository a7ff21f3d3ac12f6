"""Photos of problems into storage: every upload checked and normalised before the transaction
opens (``photos_process``), their files written inside it (``store_photos``) and deleted again if
anything fails (``files_cleaned_on_failure``), so no file outlives a refused request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from gongjian.inspections.models import (
    Problem,
    ProblemPhoto,
)
from gongjian.inspections.photos import PhotoRejected, ProcessedPhoto, camera_time, process_photo


def photos_process(uploads: Sequence[bytes], *, required: bool = True) -> list[ProcessedPhoto]:
    """Check and normalise every upload, or refuse the whole request naming the bad photo."""
    if required and not uploads:
        raise ValidationError({"photos": _("At least one photo is required.")})
    if len(uploads) > settings.PHOTO_MAX_COUNT:
        raise ValidationError(
            {"photos": _("At most %(n)s photos can be sent at once.") % {"n": settings.PHOTO_MAX_COUNT}}
        )
    processed = []
    for index, data in enumerate(uploads, start=1):
        try:
            processed.append(
                process_photo(data, max_bytes=settings.PHOTO_MAX_BYTES, max_pixels=settings.PHOTO_MAX_PIXELS)
            )
        except PhotoRejected as exc:
            raise ValidationError({"photos": _("Photo %(n)s: %(reason)s") % {"n": index, "reason": exc.message}})
    return processed


@contextmanager
def files_cleaned_on_failure():
    """Collects the names of files written; deletes them if the block raises."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def store_photos(
    *, problem: Problem, photos: Iterable[ProcessedPhoto], stage: str, user, written: list[str], rectification=None
) -> list[ProblemPhoto]:
    stored = []
    for photo in photos:
        record = ProblemPhoto(
            problem=problem,
            rectification=rectification,
            stage=stage,
            sha256=photo.sha256,
            original_format=photo.original_format,
            size=len(photo.content),
            width=photo.width,
            height=photo.height,
            taken_at=camera_time(photo.taken_at),
            latitude=decimal_6(photo.latitude),
            longitude=decimal_6(photo.longitude),
            uploaded_by=user,
        )
        record.file.save(f"{stage}.jpg", ContentFile(photo.content), save=False)
        written.append(record.file.name)
        record.thumbnail.save(f"{stage}-thumb.jpg", ContentFile(photo.thumbnail), save=False)
        written.append(record.thumbnail.name)
        record.save()
        stored.append(record)
    return stored


def decimal_6(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.6f}")
