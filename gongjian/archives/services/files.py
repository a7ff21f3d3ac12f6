"""Evidence files: uploads accepted by content, stored under a record's version, referenced from a
collected source or copied into the next version with their captions."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from gongjian.archives import integrity
from gongjian.archives.choices import FileKind
from gongjian.archives.models import Evidence, EvidenceFile
from gongjian.archives.services._common import _plain
from gongjian.archives.uploads import AcceptedFile, FileRejected, accept_file
from gongjian.inspections.photos import camera_time


@dataclass(frozen=True)
class FileIn:
    """An upload as the adapters hand it over: the original name, the bytes, a caption."""

    name: str
    data: bytes
    caption: str = ""


def accept_uploads(files: Sequence[FileIn]) -> list[tuple[AcceptedFile, str]]:
    """Check every upload before anything is stored; the first bad one stops the whole request
    with a message naming the file."""
    accepted = []
    for upload in files:
        try:
            accepted.append(
                (accept_file(upload.data, upload.name, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES), upload.caption)
            )
        except FileRejected as error:
            raise ValidationError({"files": f"{upload.name}: {error.message}"}) from None
    return accepted


def _store(evidence: Evidence, position: int, accepted: AcceptedFile, caption: str) -> EvidenceFile:
    row = EvidenceFile(
        evidence=evidence,
        position=position,
        name=accepted.name,
        kind=accepted.kind,
        content_type=accepted.content_type,
        size=len(accepted.content),
        sha256=accepted.sha256,
        caption=_plain(caption)[:200],
        taken_at=camera_time(accepted.taken_at),
        width=accepted.width,
        height=accepted.height,
    )
    row.file.save(accepted.name, ContentFile(accepted.content), save=False)
    if accepted.thumbnail:
        row.phash = integrity.dhash(accepted.thumbnail)
        row.thumbnail.save(f"thumb-{accepted.name}", ContentFile(accepted.thumbnail), save=False)
    row.save()
    return row


@dataclass(frozen=True)
class StoredFile:
    """A file already in storage (a problem's or an activity's photo), referenced, not copied."""

    file_name: str
    thumbnail_name: str
    name: str
    caption: str
    taken_at: datetime.datetime | None
    width: int | None
    height: int | None
    # A document (a notice's reply files) says what it is; photos keep the defaults.
    kind: str = FileKind.IMAGE
    content_type: str = "image/jpeg"


def _reference(evidence: Evidence, position: int, stored: StoredFile) -> EvidenceFile:
    row = EvidenceFile(
        evidence=evidence,
        position=position,
        name=stored.name,
        kind=stored.kind,
        content_type=stored.content_type,
        caption=stored.caption[:200],
        taken_at=stored.taken_at,
        width=stored.width,
        height=stored.height,
    )
    row.file.name = stored.file_name
    row.thumbnail.name = stored.thumbnail_name
    with row.file.open("rb") as handle:
        data = handle.read()
    row.size = len(data)
    row.sha256 = integrity.sha256_of(data)
    if stored.thumbnail_name:
        with row.thumbnail.open("rb") as handle:
            row.phash = integrity.dhash(handle.read())
    elif stored.kind == FileKind.IMAGE:
        row.phash = integrity.dhash(data)
    row.save()
    return row


def _copy_file(f: EvidenceFile, target: Evidence, position: int, caption: str) -> EvidenceFile:
    """One file row carried into the next version (the stored bytes are shared, not copied)."""
    return EvidenceFile.objects.create(
        evidence=target,
        position=position,
        file=f.file.name,
        thumbnail=f.thumbnail.name,
        name=f.name,
        kind=f.kind,
        content_type=f.content_type,
        size=f.size,
        sha256=f.sha256,
        caption=_plain(caption)[:200],
        phash=f.phash,
        taken_at=f.taken_at,
        width=f.width,
        height=f.height,
    )


def _copy_files(source: Evidence, target: Evidence, *, captions: dict[int, str], remove: set[int]) -> int:
    """Carry the files of one version into the next."""
    position = 0
    for f in source.files.all():
        if f.pk in remove:
            continue
        _copy_file(f, target, position, captions.get(f.pk, f.caption))
        position += 1
    return position
