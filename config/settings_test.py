"""Settings for the test suite: the real settings with test-only secrets and fast hashing.
The database still comes from DATABASE_URL, so the same suite runs on SQLite and PostgreSQL."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("DEBUG", "0")
# Fernet key for volunteers' ID numbers (gongjian/participation/privacy.py); tests only.
os.environ.setdefault("ID_NUMBER_KEY", "Z29uZ2ppYW4tdGVzdHMtb25seS1pZC1rZXktMDAwMDA=")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="gongjian-test-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="gongjian-test-static-")
LANGUAGE_CODE = "zh-hans"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
