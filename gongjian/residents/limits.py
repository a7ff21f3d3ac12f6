"""Limits on the anonymous endpoints (DRF's throttles on Django's cache, the rates in
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``; the client address by ``client_ip``, which honours
PROXY_COUNT). A refusal of a report by the per-address limit raises an abuse alert for the office
and holds what that address already sent (services.abuse_alert_record)."""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from gongjian.accounts.throttles import client_ip
from gongjian.residents.privacy import keyed_hash


class _KeyedThrottle(SimpleRateThrottle):
    """Counts per an identity the caller gives (``ident``), never per user."""

    def __init__(self, ident: str):
        super().__init__()
        self.ident = ident

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


class ReportAddressThrottle(_KeyedThrottle):
    scope = "resident_report"


class ReportDeviceThrottle(_KeyedThrottle):
    scope = "resident_device"


class ReportPhoneThrottle(_KeyedThrottle):
    scope = "resident_phone"


class SupportThrottle(_KeyedThrottle):
    scope = "resident_support"


class Open311ReadThrottle(_KeyedThrottle):
    scope = "open311_read"


class Open311KeyThrottle(_KeyedThrottle):
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
