"""Limits on the anonymous endpoints (DRF's throttles on Django's cache, the rates in
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``; the client address by ``client_ip``, which honours
PROXY_COUNT). A refusal of a report by the per-address limit raises an abuse alert for the office
and holds what that address already sent (services.abuse_alert_record).

The public pages of other apps (surveys, selections) count with the same pieces: ``KeyedThrottle``
for a limit of their own, ``allowed`` and ``address_hash`` to count, and ``device_id`` /
``with_device`` for the browser's device (a signed cookie set on the answer of a first visit)."""

from __future__ import annotations

import secrets

from rest_framework.throttling import SimpleRateThrottle

from gongjian.accounts.throttles import client_ip
from gongjian.residents.privacy import DEVICE_COOKIE, keyed_hash


class KeyedThrottle(SimpleRateThrottle):
    """Counts per an identity the caller gives (``ident``), never per user."""

    def __init__(self, ident: str):
        super().__init__()
        self.ident = ident

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


class ReportAddressThrottle(KeyedThrottle):
    scope = "resident_report"


class ReportDeviceThrottle(KeyedThrottle):
    scope = "resident_device"


class ReportPhoneThrottle(KeyedThrottle):
    scope = "resident_phone"


class SupportThrottle(KeyedThrottle):
    scope = "resident_support"


class Open311ReadThrottle(KeyedThrottle):
    scope = "open311_read"


class Open311KeyThrottle(KeyedThrottle):
    scope = "open311_key"


def address_of(request) -> str:
    return client_ip(request)


def address_hash(request) -> str:
    return keyed_hash("address", client_ip(request))


def allowed(throttle_class, request, ident: str) -> bool:
    """Count one request for ``ident`` (nothing counted when ``ident`` is empty)."""
    if not ident:
        return True
    return throttle_class(ident).allow_request(request, None)


_DEVICE_SALT = "gongjian.residents.device"


def device_id(request) -> str:
    """The browser's device id (a signed cookie); a new one for a first visit, set on the answer."""
    if not hasattr(request, "_gj_device"):
        request._gj_device = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=_DEVICE_SALT) or ""
        request._gj_device_new = not request._gj_device
        if request._gj_device_new:
            request._gj_device = secrets.token_urlsafe(16)
    return request._gj_device


def with_device(request, response):
    """``response`` with the device cookie set when this browser had none (see ``device_id``)."""
    device = device_id(request)
    if request._gj_device_new:
        response.set_signed_cookie(
            DEVICE_COOKIE, device, salt=_DEVICE_SALT, max_age=3 * 365 * 86400, httponly=True, samesite="Lax"
        )
    return response
