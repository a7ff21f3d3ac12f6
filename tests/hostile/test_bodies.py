"""Parsers and uploads bounded: a body is refused before it is read when it is too large, a file
streams to disk instead of memory, JSON cannot nest without end, and a file name of any length is
stored safely. Measured with tracemalloc on bodies generated as they are read, never built in memory."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory, override_settings
from rest_framework.parsers import JSONParser

from gongjian.api.urls import router
from gongjian.api.views import TokenView
from gongjian.inspections.models import Problem
from gongjian.participation.models import PairingLetter, Volunteer
from gongjian.testing.factories import PairingFactory
from tests.hostile.conftest import api_client

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
CSRF = "a" * 32


class _Generated(io.RawIOBase):
    """A request body produced as it is read: a multipart head, ``size`` zero bytes of "photo", a tail."""

    def __init__(self, head: bytes, size: int, tail: bytes):
        self.head, self.size, self.tail = head, size, tail
        self.position = 0
        self.total = len(head) + size + len(tail)

    def readable(self) -> bool:
        return True

    def _byte_range(self, start: int, n: int) -> bytes:
        body_start, tail_start = len(self.head), len(self.head) + self.size
        out = bytearray(n)  # zeros: the filler
        if start < body_start:
            piece = self.head[start : start + n]
            out[: len(piece)] = piece
        if start + n > tail_start:
            offset = max(0, tail_start - start)
            piece = self.tail[max(0, start - tail_start) :][: n - offset]
            out[offset : offset + len(piece)] = piece
        return bytes(out)

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.total - self.position)
        if n <= 0:
            return 0
        buffer[:n] = self._byte_range(self.position, n)
        self.position += n
        return n


def _multipart(size: int, *, field: str = "photos", filename: str = "photo.jpg", fields: dict | None = None):
    """A multipart body: the form ``fields``, then one file of ``size`` bytes in ``field``."""
    boundary = "hostileboundary"
    fields = fields or {"description": "楼道堆物"}
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    head = head.encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", _Generated(head, size, tail)


def _serve(path: str, content_type: str, stream: _Generated, *, user=None):
    """Run one request through the WSGI handler with a streamed body; (status, bytes read, peak memory)."""
    from django.core.handlers.wsgi import WSGIHandler

    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(stream.total),
        HTTP_X_CSRFTOKEN=CSRF,
    )
    cookies = [f"{settings.CSRF_COOKIE_NAME}={CSRF}"]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
    environ["HTTP_COOKIE"] = "; ".join(cookies)
    environ["wsgi.input"] = io.BufferedReader(stream, buffer_size=64 * 1024)
    status = []
    handler = WSGIHandler()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        # Warm up (middleware, URLs, templates and translations loaded once per process), then measure.
        warm = {**environ, "CONTENT_LENGTH": "0", "wsgi.input": io.BytesIO(b"")}
        handler(warm, lambda s, h, exc_info=None: None).close()
        tracemalloc.start()
        response = handler(environ, lambda s, h, exc_info=None: status.append(s))
        b"".join(response)
        response.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return int(status[0].split()[0]), stream.position, peak


def test_a_600_mb_photo_is_refused_with_413_before_a_byte_is_read(people, small_city):
    content_type, body = _multipart(600 * MB)
    status, read, peak = _serve("/api/v1/problems/", content_type, body, user=people.inspector)
    assert status == 413
    assert read == 0
    assert peak < 3 * MB
    assert not Problem.objects.exists()


def test_a_photo_too_large_for_any_service_streams_to_disk_and_is_refused_unread(people, small_city):
    """GIVEN a "photo" 2 MB over the largest file any service takes (a recording of the materials
    library, 30 MB) and under the request limit,
    WHEN it is posted, THEN it is refused with a 400 naming the size while the server's memory
    rises by at most a few MB (Django streams it to a temporary file; nobody reads it)."""
    report = {
        "category": "06036",
        "unit": small_city.compound_a1.pk,
        "description": "楼道堆物",
        "address": "3幢",
        "point_type": "compound",
    }
    size = settings.UPLOAD_FILE_MAX_BYTES + 2 * MB
    assert size < settings.REQUEST_MAX_BYTES
    content_type, body = _multipart(size, fields=report)
    status, read, peak = _serve("/api/v1/problems/", content_type, body, user=people.inspector)
    assert status == 400
    assert read == body.total  # parsed (to a temporary file), so the limit is checked on the file itself
    assert peak < 6 * MB
    assert not Problem.objects.exists()


@override_settings(REQUEST_MAX_BYTES=1 * MB)
def test_the_request_limit_applies_to_every_page_form_too(small_city):
    content_type, body = _multipart(2 * MB, field="name")
    status, read, _peak = _serve("/participation/volunteers/sign-up/", content_type, body)
    assert (status, read) == (413, 0)


# --- JSON -------------------------------------------------------------------------------------------------------------


def test_deeply_nested_json_to_the_token_endpoint_is_a_400_for_an_anonymous_caller(db):
    response = api_client().post("/api/v1/auth/token/", "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_json_nested_beyond_the_limit_is_a_400_even_when_well_formed(people):
    body = "[" * 40 + "]" * 40
    response = api_client(people.city_admin).post("/api/v1/volunteers/", body, content_type="application/json")
    assert response.status_code == 400


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_json_larger_than_the_form_limit_is_refused_and_nothing_is_written(people, small_city):
    body = json.dumps({"community": small_city.community_a1.pk, "phone": "13900000001", "name": "x" * 2000})
    response = api_client(people.city_admin).post("/api/v1/volunteers/", body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert not Volunteer.objects.exists()


def test_every_api_view_parses_json_with_the_bounded_parser():
    views = [TokenView, *(viewset for _prefix, viewset, _basename in router.registry)]
    for view in views:
        assert JSONParser not in view.parser_classes, view
        for name in dir(view):
            kwargs = getattr(getattr(view, name, None), "kwargs", None)
            if isinstance(kwargs, dict) and "parser_classes" in kwargs:
                assert JSONParser not in kwargs["parser_classes"], (view, name)


# --- file names -------------------------------------------------------------------------------------------------------


def test_a_file_name_of_any_length_is_stored_shortened_with_its_extension(people, small_city):
    """GIVEN a signed letter whose file name is 400 Chinese characters (1,200 bytes, far beyond a
    file system's 255), WHEN it is uploaded on the pairing page (a view without a form field),
    THEN it is stored under a short name with its extension."""
    pairing = PairingFactory(community=small_city.community_a1)
    client = Client(raise_request_exception=False)
    client.force_login(people.city_admin)
    response = client.post(
        f"/participation/pairings/{pairing.pk}/",
        {
            "action": "letter",
            "date": "2026-03-01",
            "head_name": "王局长\x01",
            "file": SimpleUploadedFile("签" * 400 + ".pdf", b"%PDF-1.4 letter"),
        },
    )
    assert response.status_code == 302
    letter = PairingLetter.objects.get(pairing=pairing)
    stored = letter.file.name.rsplit("/", 1)[-1]
    assert len(stored.encode()) <= 160 and stored.endswith(".pdf") and stored.startswith("签")
    assert letter.head_name == "王局长"
