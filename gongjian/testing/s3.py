"""A real S3 server for the tests: ``moto`` in server mode, started once per test session.

``s3_server`` starts ``moto_server`` (installed with the requirements) on a free loopback port and
stops it at the end; when it cannot start, every test that needs it is skipped with the reason,
printed once in the run's output. ``s3_storage`` gives one test a fresh, empty bucket and points
the default storage (``settings.STORAGES["default"]``) at it, as ``STORAGE_BACKEND=s3`` would.

Loaded for every test by ``pytest_plugins`` in the root ``conftest.py``; mark such tests with
``pytest.mark.s3``. ``S3_TEST_PORT`` fixes the port (default: any free one); ``S3_TESTS=0`` skips
them on purpose."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

STORAGE_CLASS = "gongjian.core.storage.PrivateS3Storage"
START_TIMEOUT_SECONDS = 30
REGION = "us-east-1"
# moto accepts any credentials; these keep boto3 from looking for real ones.
ACCESS_KEY = "gongjian-test"
SECRET_KEY = "gongjian-test-secret"


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen
    log_path: Path | None = None

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def storage_options(self, bucket: str) -> dict:
        """``STORAGES["default"]`` for a bucket on this server (what config/settings.py builds from
        STORAGE_BACKEND=s3 and the S3_* variables)."""
        return {
            "BACKEND": STORAGE_CLASS,
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": self.endpoint_url,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "addressing_style": "path",
            },
        }

    def environment(self, bucket: str) -> dict[str, str]:
        """The same, as the environment variables of a separate process."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_ADDRESSING_STYLE": "path",
        }

    def new_bucket(self) -> str:
        name = f"gj-test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def drop_bucket(self, name: str) -> None:
        client = self.client()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            for entry in page.get("Contents", ()):
                client.delete_object(Bucket=name, Key=entry["Key"])
        client.delete_bucket(Bucket=name)


@dataclass
class S3Bucket:
    server: S3Server
    name: str

    def objects(self) -> set[str]:
        pages = self.server.client().get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {entry["Key"] for page in pages for entry in page.get("Contents", ())}

    def read(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.name, Key=key)["Body"].read()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def start_moto(port: int | None = None, *, log_path: Path | None = None) -> S3Server:
    """Start ``moto_server`` on 127.0.0.1 and wait until it answers; RuntimeError (with the reason)
    when it cannot."""
    executable = Path(sys.executable).parent / "moto_server"
    if not executable.exists():
        raise RuntimeError(f"{executable} is missing (pip install 'moto[server]')")
    port = port or _free_port()
    log_path = log_path or Path(tempfile.gettempdir()) / f"gongjian-moto-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [str(executable), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-600:]
            raise RuntimeError(f"moto_server exited with status {process.returncode}: {tail.strip()}")
        if _answers(url + "/"):
            return S3Server(endpoint_url=url, process=process, log_path=log_path)
        time.sleep(0.2)
    stop_moto(process)
    raise RuntimeError(f"moto_server did not answer on {url} within {START_TIMEOUT_SECONDS} s (log: {log_path})")


def stop_moto(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _say(config, line: str) -> None:
    """A line in the run's output, even while the test's output is being captured."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is None:
        reporter.write_line(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


@pytest.fixture(scope="session")
def s3_server(request):
    if os.environ.get("S3_TESTS", "1") == "0":
        _say(request.config, "S3 tests: SKIPPED (S3_TESTS=0)")
        pytest.skip("S3 tests switched off with S3_TESTS=0")
    port = int(os.environ["S3_TEST_PORT"]) if os.environ.get("S3_TEST_PORT") else None
    try:
        server = start_moto(port)
    except (RuntimeError, OSError) as error:
        _say(request.config, f"S3 tests: SKIPPED, the local S3 server (moto) could not start: {error}")
        pytest.skip(f"the local S3 server (moto) could not start: {error}")
    _say(request.config, f"S3 tests: local S3 server (moto) at {server.endpoint_url}")
    yield server
    stop_moto(server.process)
    if server.log_path:
        server.log_path.unlink(missing_ok=True)


@pytest.fixture
def s3_storage(s3_server, settings):
    """A fresh, empty bucket as the default storage for one test."""
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_options(bucket)}
    yield S3Bucket(server=s3_server, name=bucket)
    s3_server.drop_bucket(bucket)
