"""The base map's tile server comes from the environment, and the Content Security Policy lets
images come from exactly its hosts (config/maptiles.py, config/settings.py)."""

import json
import os
import subprocess
import sys

import pytest

from config.env import ImproperlyConfiguredEnv
from config.maptiles import tile_origins

TIANDITU = (
    "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default"
    "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"
)


@pytest.mark.parametrize(
    ("url", "subdomains", "expected"),
    [
        ("", [], []),
        ("  ", ["a"], []),
        ("https://tiles.intranet.example/{z}/{x}/{y}.png", [], ["https://tiles.intranet.example"]),
        ("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png", [], ["http://10.1.2.3:8080"]),
        ("https://{s}.tile.example/{z}/{x}/{y}.png", [], ["https://a.tile.example", "https://b.tile.example", "https://c.tile.example"]),
        (TIANDITU, ["0", "1", "2"], ["https://t0.tianditu.gov.cn", "https://t1.tianditu.gov.cn", "https://t2.tianditu.gov.cn"]),
        ("https://user:pw@tiles.example/{z}/{x}/{y}.png", [], ["https://tiles.example"]),
    ],
)  # fmt: skip
def test_the_tile_hosts_are_the_origins_the_policy_allows(url, subdomains, expected):
    assert tile_origins(url, subdomains) == expected


@pytest.mark.parametrize(
    "url", ["tiles.example/{z}/{x}/{y}.png", "ftp://tiles.example/{z}", "javascript:alert(1)", "https://{z}.example/"]
)
def test_a_tile_url_that_is_not_a_web_address_fails_at_start_up(url):
    with pytest.raises(ImproperlyConfiguredEnv):
        tile_origins(url)


def settings_from(env: dict) -> dict:
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'img': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], 'url': s.MAP_TILE_URL, "
        "'sub': s.MAP_TILE_SUBDOMAINS, 'zoom': s.MAP_TILE_MAX_ZOOM}))"
    )
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", **env}
    result = subprocess.run([sys.executable, "-c", script], env=full, capture_output=True, text=True, cwd=".")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_policy_allows_the_configured_tile_hosts_and_nothing_else():
    loaded = settings_from(
        {
            "MAP_TILE_URL": TIANDITU,
            "MAP_TILE_OVERLAY_URL": TIANDITU.replace("vec", "cva"),
            "MAP_TILE_SUBDOMAINS": "0,1",
            "MAP_TILE_MAX_ZOOM": "17",
        }
    )
    # blob: is the photos' previews on the phone (chosen files shown before they are sent).
    assert loaded["img"] == ["'self'", "data:", "blob:", "https://t0.tianditu.gov.cn", "https://t1.tianditu.gov.cn"]
    assert (loaded["sub"], loaded["zoom"]) == (["0", "1"], 17)


def test_without_a_tile_server_images_come_only_from_the_site():
    assert settings_from({"MAP_TILE_URL": "", "MAP_TILE_OVERLAY_URL": ""})["img"] == ["'self'", "data:", "blob:"]
