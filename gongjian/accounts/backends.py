"""An authentication backend that refuses every sign-in from an address that has given too many
wrong passwords lately (``throttles.LoginFailureThrottle``), whichever page asked: login page,
API token endpoint or admin."""

from django.core.exceptions import PermissionDenied

from gongjian.accounts.throttles import address_blocked


class AddressThrottleBackend:
    def authenticate(self, request, **credentials):
        if address_blocked(request):
            raise PermissionDenied
        return None
