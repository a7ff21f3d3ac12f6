"""Nothing that several app nodes must share lives in one process's memory: the cache and the
sessions go to Redis when REDIS_URL is set, login failures are counted in the database."""

from __future__ import annotations

import importlib
import os
import uuid

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache

import config.settings as settings_module

# The Redis the tests may use (db 1 by default, never the production db 0).
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def settings_with(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        return {k: v for k, v in vars(importlib.reload(settings_module)).items() if k.isupper()}
    finally:
        for name in env:
            monkeypatch.delenv(name)
        importlib.reload(settings_module)


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis at {TEST_REDIS_URL} does not answer ({error}); set TEST_REDIS_URL to run this test")


def test_without_redis_the_cache_is_per_process_and_sessions_stay_in_the_database(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    values = settings_with(monkeypatch)

    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_with_redis_url_the_cache_is_redis_and_sessions_are_read_through_it(monkeypatch):
    values = settings_with(monkeypatch, REDIS_URL="redis://cache.internal:6379/0")

    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://cache.internal:6379/0"
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_login_failures_are_counted_in_the_database_shared_by_every_node():
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"


def test_a_value_cached_by_one_node_is_read_by_another(monkeypatch):
    """GIVEN two cache connections built from the settings as two app nodes would build them
    WHEN node A caches a value
    THEN node B, with a connection of its own, reads it, and sees it deleted when A deletes it."""
    redis_or_skip()
    config = settings_with(monkeypatch, REDIS_URL=TEST_REDIS_URL)["CACHES"]["default"]
    params = {k: v for k, v in config.items() if k not in ("BACKEND", "LOCATION")}
    node_a = RedisCache(config["LOCATION"], params)
    node_b = RedisCache(config["LOCATION"], params)
    key = f"tests:shared:{uuid.uuid4().hex}"
    try:
        node_a.set(key, {"unit": 7, "name": "甲街道"}, timeout=30)

        assert node_b.get(key) == {"unit": 7, "name": "甲街道"}
        node_a.delete(key)
        assert node_b.get(key) is None
    finally:
        node_a.delete(key)
        node_a.close()
        node_b.close()
