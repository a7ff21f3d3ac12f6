import subprocess
import sys

import pytest

from config.env import ImproperlyConfiguredEnv, env_bool, env_int, env_list, env_str


def test_typed_helpers_parse_and_fall_back(monkeypatch):
    monkeypatch.setenv("G_BOOL", "yes")
    monkeypatch.setenv("G_INT", "42")
    monkeypatch.setenv("G_LIST", "a.gov.cn, b.gov.cn,")
    assert env_bool("G_BOOL") is True
    assert env_int("G_INT", 1) == 42
    assert env_list("G_LIST") == ["a.gov.cn", "b.gov.cn"]
    assert env_str("G_MISSING", "fallback") == "fallback"


@pytest.mark.parametrize(
    ("name", "value", "reader"), [("G_BOOL", "maybe", env_bool), ("G_INT", "forty", lambda n: env_int(n, 0))]
)
def test_malformed_values_fail_loudly(monkeypatch, name, value, reader):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfiguredEnv):
        reader(name)


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("G_SECRET_FILE", str(secret))
    assert env_str("G_SECRET") == "from-a-file"


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, cwd="."
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
