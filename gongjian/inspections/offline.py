"""The field app as an installable web app: its manifest and its service worker.

The service worker is served from the site's root (``/sw.js``, with ``Service-Worker-Allowed: /``)
so that its scope covers the field pages under ``/problems/``. It is Workbox, copied from npm into
``static/vendor/workbox`` by ``scripts/copy-assets.sh`` and loaded from there (never a CDN):
the field scripts and styles are precached; field pages are fetched from the network first and
fall back to the copy kept from the last visit when there is no signal. Writes are never cached:
the phone's outbox (``static/js/outbox.js``, IndexedDB) keeps them and sends them later."""

from __future__ import annotations

import hashlib
import json

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

#: Kept on the phone at install time: what every field page needs to run without signal.
PRECACHED = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "vendor/idb/idb.umd.js",
    "vendor/exifr/exifr.lite.umd.js",
    "css/app.css",
    "js/app.js",
    "js/field.js",
    "js/outbox.js",
    "icons/field-192.png",
    "icons/field-512.png",
)
WORKBOX_MODULES = ("core", "routing", "strategies", "precaching", "expiration", "cacheable-response")
#: Pages kept for use without signal (network first, the last copy when offline).
FIELD_PAGES = r"^/problems/(report/|\d+/(rectify/|review/)?)$"


def _revision(path: str) -> str:
    """A short hash of the file's content, so a changed file is fetched again (in development the
    URL does not change; in production the URL carries the hash anyway)."""
    found = finders.find(path)
    if not found:
        return "missing"
    with open(found, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    precache = [{"url": static(path), "revision": _revision(path)} for path in PRECACHED]
    modules = {f"workbox-{m}": static(f"vendor/workbox/workbox-{m}.prod.js") for m in WORKBOX_MODULES}
    config = {"precache": precache, "modules": modules, "fieldPages": FIELD_PAGES}
    body = "\n".join(
        [
            "// Gongjian field app service worker (gongjian/inspections/offline.py).",
            f"self.GONGJIAN_SW = {json.dumps(config)};",
            f"importScripts({json.dumps(static('vendor/workbox/workbox-sw.js'))}, {json.dumps(static('js/sw.js'))});",
            "",
        ]
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    return JsonResponse(
        {
            "name": _("Gongjian field app"),
            "short_name": _("Gongjian"),
            "description": _("Report problems, rectify and re-check on site, also without signal."),
            "start_url": reverse("problems:report"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0d6efd",
            "icons": [
                {"src": static("icons/field-192.png"), "sizes": "192x192", "type": "image/png"},
                {
                    "src": static("icons/field-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "any maskable",
                },
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
