"""Limits per client address, on Django's cache through DRF's throttles (one rate syntax, one
cache key scheme, one rule for finding the address behind proxies).

* ``TokenRateThrottle`` — requests to the API token endpoint per address (``API_TOKEN_RATE``).
* ``SignUpRateThrottle`` — public volunteer sign-ups per address (``SIGN_UP_RATE``).
* ``LoginFailureThrottle`` — wrong passwords per address across every username, from the login page,
  the token endpoint and the admin alike (``LOGIN_FAILURES_PER_ADDRESS`` within
  ``LOGIN_FAILURE_WINDOW_MINUTES``). It counts failures only, so an office whose computers share
  one address is not slowed by its successful sign-ins, while one address trying one password on
  many accounts (password spraying) is stopped. The per-account lockout (django-axes) is keyed on
  username and address together, so nobody can lock another user out.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from rest_framework.throttling import SimpleRateThrottle


def client_ip(request) -> str:
    """The caller's address: REMOTE_ADDR, or the one the last of ``PROXY_COUNT`` trusted proxies
    appended to X-Forwarded-For (also axes' AXES_CLIENT_IP_CALLABLE)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(count, len(hops))]
    return remote


class _AddressThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class TokenRateThrottle(_AddressThrottle):
    scope = "token"


class SignUpRateThrottle(_AddressThrottle):
    scope = "sign_up"


def sign_up_allowed(request) -> bool:
    """Count one public sign-up attempt from this address; False once over ``SIGN_UP_RATE``."""
    return SignUpRateThrottle().allow_request(request, None)


class LoginFailureThrottle(_AddressThrottle):
    """Wrong passwords per address in a sliding window of LOGIN_FAILURE_WINDOW_MINUTES."""

    scope = "login_failure"

    def get_rate(self):
        return f"{settings.LOGIN_FAILURES_PER_ADDRESS}/{settings.LOGIN_FAILURE_WINDOW_MINUTES}"

    def parse_rate(self, rate):
        limit, minutes = rate.split("/")
        return int(limit), int(minutes) * 60

    def blocked(self, request) -> bool:
        """Over the limit now (without counting this request)."""
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        return len(history) >= self.num_requests

    def record(self, request) -> None:
        self.allow_request(request, None)


def address_blocked(request) -> bool:
    return request is not None and LoginFailureThrottle().blocked(request)


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs):
    # Every failed authenticate() (login page, token endpoint, admin) counts for its address.
    if request is not None:
        LoginFailureThrottle().record(request)
