"""What a locked-out user sees (django-axes calls this): JSON on the API, a page in the UI."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from gongjian.api.errors import is_api_request, json_error


def lockout_response(request, original_response=None, credentials=None):
    message = _("Too many wrong passwords: the account is locked for a while. Try again later.")
    if is_api_request(request):
        return json_error(429, message)
    return render(request, "registration/locked_out.html", status=429)
