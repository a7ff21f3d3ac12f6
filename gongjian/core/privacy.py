"""Responses that carry personal data (names with phone or ID numbers, rosters, sign-in secrets)
must not be kept by browsers or proxies: they carry ``Cache-Control: no-store`` (with Django's
``never_cache``: ``max-age=0, no-cache, no-store, must-revalidate, private``).

* function views: ``@no_store``;
* DRF views and viewsets: ``NoStoreMixin`` first in the bases.
"""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache

no_store = never_cache


class NoStoreMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response
