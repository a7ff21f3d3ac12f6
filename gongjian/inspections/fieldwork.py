"""Writes behind the phone pages (the field app): photos uploaded as soon as they are chosen, and
writes made safe to resend with an idempotency key.

* ``photo_upload_create`` checks a photo as the report would (``photos.process_photo``) and keeps
  the phone's bytes under a token; ``photo_uploads_take`` hands those bytes to the existing services
  (``services.problem_report``, ``rectification_submit``, ``rectification_review``), so a photo sent
  early is stored exactly like one sent with the form. Only the uploader can use a token.
* ``idempotent`` runs one write once per (user, key): the key row is inserted first, in the same
  transaction as the write, so two resends racing each other wait on the unique index and the
  second one gets the first one's result."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict
from gongjian.inspections.models import IdempotencyKey, PhotoUpload, Problem
from gongjian.inspections.photos import PhotoRejected, process_photo


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.6f}")


#: How long an uploaded photo waits for its form before ``purge_photo_uploads`` removes it.
UPLOAD_KEEP = datetime.timedelta(days=3)


# --- photos sent ahead ---------------------------------------------------------------------------


def photo_upload_create(*, user, data: bytes) -> PhotoUpload:
    """Check one photo and keep it for the form it will be sent with; refuse it with the reason."""
    try:
        photo = process_photo(data, max_bytes=settings.PHOTO_MAX_BYTES, max_pixels=settings.PHOTO_MAX_PIXELS)
    except PhotoRejected as rejected:
        raise ValidationError({"photo": str(rejected.message)})
    upload = PhotoUpload(
        uploaded_by=user,
        sha256=photo.sha256,
        latitude=_decimal(photo.latitude),
        longitude=_decimal(photo.longitude),
    )
    written = []
    try:
        with transaction.atomic():
            upload.file.save("photo", ContentFile(data), save=False)
            written.append(upload.file.name)
            upload.thumbnail.save("thumb.jpg", ContentFile(photo.thumbnail), save=False)
            written.append(upload.thumbnail.name)
            upload.save()
            audit_record(actor=user, action="photo.upload", target=upload, changes={"sha256": photo.sha256})
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return upload


def _tokens(values: Sequence[str]) -> list[uuid.UUID]:
    tokens = []
    for value in values:
        try:
            tokens.append(uuid.UUID(str(value)))
        except ValueError:
            raise ValidationError({"photos": _("A photo sent earlier was not found; choose it again.")})
    return tokens


def photo_upload_get(*, user, token: str) -> PhotoUpload:
    """One of the user's own uploads (for its preview); anyone else's is "not found"."""
    tokens = _tokens([token])
    upload = PhotoUpload.objects.filter(token=tokens[0], uploaded_by=user).first()
    if upload is None:
        raise PhotoUpload.DoesNotExist
    return upload


@dataclass
class TakenPhotos:
    uploads: list[PhotoUpload]
    contents: list[bytes]

    def discard(self) -> None:
        """After the form was saved: the photos now live as the problem's; drop the early copies."""
        for upload in self.uploads:
            names = (upload.file.name, upload.thumbnail.name)
            upload.delete()
            for name in names:
                transaction.on_commit(lambda name=name: default_storage.delete(name))


def photo_uploads_take(*, user, tokens: Sequence[str]) -> TakenPhotos:
    """The bytes of the user's uploads named by ``tokens``, in that order. A token that is not the
    user's (someone else's, used already, removed) is refused like a missing photo."""
    wanted = _tokens(tokens)
    if len(set(wanted)) != len(wanted):
        raise ValidationError({"photos": _("The same photo was sent twice.")})
    found = {u.token: u for u in PhotoUpload.objects.filter(token__in=wanted, uploaded_by=user)}
    if len(found) != len(wanted):
        raise ValidationError({"photos": _("A photo sent earlier was not found; choose it again.")})
    uploads = [found[t] for t in wanted]
    contents = []
    for upload in uploads:
        with upload.file.open("rb") as handle:
            contents.append(handle.read())
    return TakenPhotos(uploads=uploads, contents=contents)


def photo_uploads_purge(*, now: datetime.datetime | None = None) -> int:
    """Remove uploads whose form never came (older than ``UPLOAD_KEEP``); returns how many."""
    cutoff = (now or timezone.now()) - UPLOAD_KEEP
    removed = 0
    for upload in PhotoUpload.objects.filter(uploaded_at__lt=cutoff).iterator():
        names = (upload.file.name, upload.thumbnail.name)
        upload.delete()
        for name in names:
            default_storage.delete(name)
        removed += 1
    return removed


# --- idempotent writes ---------------------------------------------------------------------------


def idempotency_key_parse(value: str | None) -> uuid.UUID | None:
    """The key as sent (header or form field): absent is None, anything but a UUID is refused."""
    if value is None or not str(value).strip():
        return None
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise ValidationError({"idempotency_key": _("The idempotency key must be a UUID.")})


@dataclass(frozen=True)
class Outcome:
    problem: Problem
    replayed: bool


def idempotent(*, user, key: uuid.UUID | None, action: str, run: Callable[[], Problem]) -> Outcome:
    """Run ``run`` (a write returning the problem it made or changed) once for (user, key).

    The same key again from the same user returns the first result (``replayed``); the same key
    for another kind of write is a conflict. Another user's key is never looked at: keys are
    per user, so nobody learns anything from someone else's. A write that fails (bad input,
    refused) leaves no key behind, so the phone can correct it and send it again."""
    if key is None:
        return Outcome(problem=run(), replayed=False)
    earlier = _earlier(user, key, action)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(user=user, key=key, action=action)
            problem = run()
            record.problem = problem
            record.save(update_fields=["problem"])
    except IntegrityError:
        # Another request with the same key committed first while this one waited on the index.
        earlier = _earlier(user, key, action)
        if earlier is None:
            raise
        return earlier
    return Outcome(problem=problem, replayed=False)


def _earlier(user, key: uuid.UUID, action: str) -> Outcome | None:
    record = IdempotencyKey.objects.filter(user=user, key=key).select_related("problem").first()
    if record is None:
        return None
    if record.action != action:
        raise Conflict(_("This idempotency key was already used for another kind of change."))
    return Outcome(problem=record.problem, replayed=True)


def idempotency_keys_purge(*, older_than: datetime.timedelta, now: datetime.datetime | None = None) -> int:
    """Forget keys older than ``older_than`` (a phone resends within days, not months)."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _detail = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
