"""The base map's tile servers, from the environment: which origins the Content Security Policy
must let images come from (``img-src``). Plain values in and out, no Django."""

from __future__ import annotations

from urllib.parse import urlsplit

from config.env import ImproperlyConfiguredEnv


def tile_origins(url: str, subdomains: list[str] | None = None) -> list[str]:
    """The ``scheme://host[:port]`` origins a Leaflet tile URL template loads from: ``{s}`` in the
    host is expanded with the subdomains (Leaflet's default a, b, c when none are given). An empty
    URL (no tile server) has none."""
    url = url.strip()
    if not url:
        return []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfiguredEnv(
            f"Map tile URL {url!r} must start with http:// or https:// and name a host "
            "(a template like https://tiles.example/{z}/{x}/{y}.png)."
        )
    host = parts.netloc.rsplit("@", 1)[-1]
    if "{" in host.replace("{s}", ""):
        raise ImproperlyConfiguredEnv(f"Map tile URL {url!r}: only {{s}} may stand in the host name.")
    hosts = [host.replace("{s}", sub) for sub in (subdomains or ["a", "b", "c"])] if "{s}" in host else [host]
    return list(dict.fromkeys(f"{parts.scheme}://{h}" for h in hosts))
