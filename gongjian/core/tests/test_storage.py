"""Storage settings from the environment, and streaming stored files from local disk (the S3 path
is in test_storage_s3.py, against a real local S3 server)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404

from gongjian.core.storage import file_response, save_generated, stored_names

PRINT_STORAGE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.STORAGES['default']))"
)


def settings_with(tmp_path, **env) -> subprocess.CompletedProcess:
    base = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "0",
        "SECRET_KEY": "storage-settings-test",
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_STORAGE], env={**base, **env}, capture_output=True, text=True, cwd="."
    )


def test_files_are_on_local_disk_unless_told_otherwise(tmp_path):
    result = settings_with(tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_s3_is_configured_from_the_environment_with_the_secret_from_a_file(tmp_path):
    secret = tmp_path / "s3-secret"
    secret.write_text("very-secret\n")
    result = settings_with(
        tmp_path,
        STORAGE_BACKEND="s3",
        S3_BUCKET="gongjian-files",
        S3_ENDPOINT_URL="https://s3.intranet.example:9000",
        S3_REGION="cn-east-1",
        S3_ACCESS_KEY_ID="gongjian",
        S3_SECRET_ACCESS_KEY_FILE=str(secret),
        S3_ADDRESSING_STYLE="path",
    )
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout)
    assert storage["BACKEND"] == "gongjian.core.storage.PrivateS3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "gongjian-files",
        "endpoint_url": "https://s3.intranet.example:9000",
        "region_name": "cn-east-1",
        "access_key": "gongjian",
        "secret_key": "very-secret",
        "addressing_style": "path",
        "location": "",
        "verify": None,
    }


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"STORAGE_BACKEND": "s3"}, "S3_BUCKET is required"),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be local or s3"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ADDRESSING_STYLE": "sideways"}, "S3_ADDRESSING_STYLE"),
    ],
    ids=["no-bucket", "unknown-backend", "bad-addressing"],
)
def test_a_storage_misconfiguration_stops_the_start_with_its_name(tmp_path, env, words):
    result = settings_with(tmp_path, **env)
    assert result.returncode != 0
    assert words in result.stderr


def test_a_stored_file_streams_with_its_size_and_a_chinese_attachment_name(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    name = save_generated("exports/通报.docx", b"word" * 1000)
    response = file_response(name, content_type="application/octet-stream", filename="通报.docx")
    assert b"".join(response.streaming_content) == b"word" * 1000
    assert response["Content-Length"] == "4000"
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''%E9%80%9A%E6%8A%A5.docx"
    assert response["Cache-Control"] == "private, max-age=3600"


def test_a_missing_stored_file_is_404(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with pytest.raises(Http404):
        file_response("exports/gone.xlsx", content_type="application/octet-stream")
    with pytest.raises(Http404):
        file_response("", content_type="application/octet-stream")


def test_the_walk_lists_every_stored_file_and_nothing_when_the_folder_is_missing(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "not-yet")
    assert list(stored_names()) == []
    for name in ("b/2.txt", "a/1.txt", "a/deeper/3.txt", "top.txt"):
        default_storage.save(name, ContentFile(name.encode()))
    assert list(stored_names()) == ["top.txt", "a/1.txt", "a/deeper/3.txt", "b/2.txt"]
