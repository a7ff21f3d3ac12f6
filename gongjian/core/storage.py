"""Stored files, on local disk or in S3-compatible object storage, through Django's storage API.

Domain code never sees a path: it saves with ``FieldFile.save`` / ``storage.save``, reads with
``FieldFile.open`` / ``storage.open`` and serves with ``file_response`` after its own scope check.
Every node and worker shares the same storage (``settings.STORAGES["default"]``): local disk for
one machine, a bucket (``STORAGE_BACKEND=s3``) for several.

Private files never get a public URL. ``PrivateS3Storage`` refuses a public ACL or a custom
(public) domain, and files are streamed by the views that checked the reader's scope.

A generated file is saved completely (an S3 object only appears once its upload is complete; a
local file is named in the database only after it is written) and only then recorded, so a reader
on another node never finds a half-written file behind a row."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# Reads of larger files spill from memory to a temporary file (S3File buffers a whole object).
S3_READ_MEMORY_BYTES = 5 * 1024 * 1024
# Should anything ever ask a private storage for a URL, it is signed and short-lived.
SIGNED_URL_SECONDS = 300


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend, held private: objects get no ACL (they inherit the bucket's,
    which must not be public), URLs are only ever signed, no public custom domain; names are never
    overwritten (as on local disk: two uploads of ``activity.jpg`` keep both); downloads stream
    straight from the object (``open_stream``)."""

    def get_default_settings(self):
        defaults = super().get_default_settings()
        defaults.update(
            default_acl=None,
            querystring_auth=True,
            querystring_expire=SIGNED_URL_SECONDS,
            custom_domain=None,
            file_overwrite=False,
            max_memory_size=S3_READ_MEMORY_BYTES,
        )
        return defaults

    def __init__(self, **options):
        super().__init__(**options)
        if self.default_acl not in (None, "private"):
            raise ImproperlyConfigured(f"Stored files are private: an ACL of {self.default_acl!r} is refused.")
        if self.custom_domain:
            raise ImproperlyConfigured("Stored files are private: a public custom domain is refused.")
        if not self.querystring_auth:
            raise ImproperlyConfigured("Stored files are private: unsigned URLs are refused.")
        if not self.bucket_name:
            raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET.")

    def open_stream(self, name: str) -> tuple[IO[bytes], int]:
        """The object's body as a stream read straight from the server, and its size."""
        from botocore.exceptions import ClientError

        key = self._normalize_name(clean_name(name))
        try:
            response = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from error
            raise
        return response["Body"], int(response["ContentLength"])


def _storage_and_name(stored: FieldFile | str, storage: Storage | None) -> tuple[Storage, str]:
    if isinstance(stored, FieldFile):
        return stored.storage, stored.name
    return storage or default_storage, stored


def open_stream(stored: FieldFile | str, *, storage: Storage | None = None) -> tuple[IO[bytes], int]:
    """A stored file opened for reading from the start, and its size in bytes. Raises
    FileNotFoundError when it is not there (whatever the backend)."""
    storage, name = _storage_and_name(stored, storage)
    if not name:
        raise FileNotFoundError("no file")
    if hasattr(storage, "open_stream"):
        return storage.open_stream(name)
    handle = storage.open(name, "rb")
    try:
        return handle, storage.size(name)
    except BaseException:
        handle.close()
        raise


def file_response(
    stored: FieldFile | str,
    *,
    content_type: str,
    filename: str | None = None,
    storage: Storage | None = None,
    cache_control: str = "private, max-age=3600",
) -> FileResponse:
    """Stream a stored file to a reader whose scope the caller has checked: 404 when the file is
    gone, an attachment named ``filename`` when given (RFC 6266 ``filename*`` so Chinese names
    survive every browser), inline otherwise. Never a redirect to the storage."""
    try:
        handle, size = open_stream(stored, storage=storage)
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Content-Length"] = str(size)
    if filename:
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = cache_control
    return response


def save_generated(name: str, content: bytes | IO[bytes], *, storage: Storage | None = None) -> str:
    """Store a generated file (a binder, a bulletin, an export) completely and return the name it
    was stored under; record that name in the database only after this returns."""
    storage = storage or default_storage
    body = ContentFile(content, name=posixpath.basename(name)) if isinstance(content, bytes) else File(content)
    return storage.save(name, body)


def stored_names(storage: Storage | None = None, top: str = "") -> Iterator[str]:
    """Every stored file's name, depth first, in a stable order (local disk and S3 alike)."""
    storage = storage or default_storage
    try:
        directories, files = storage.listdir(top)
    except FileNotFoundError:  # local storage whose folder does not exist yet
        return
    for name in sorted(files):
        yield posixpath.join(top, name) if top else name
    for directory in sorted(directories):
        yield from stored_names(storage, posixpath.join(top, directory) if top else directory)


def backend_label(storage: Storage | None = None) -> str:
    storage = storage or default_storage
    if isinstance(storage, S3Storage):
        return f"s3://{storage.bucket_name}/{storage.location}".rstrip("/")
    return f"local:{getattr(storage, 'location', settings.MEDIA_ROOT)}"
