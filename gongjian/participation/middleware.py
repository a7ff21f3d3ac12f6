"""A wrong or rotated ID_NUMBER_KEY: stored ID numbers cannot be read. Every page or API answer
that needs one says so clearly (503, in the user's language) instead of a bare 500, and the
error is logged once per request for the operator."""

import logging

from django.shortcuts import render
from django.utils.translation import gettext as _

from gongjian.api.errors import is_api_request, json_error
from gongjian.participation.privacy import IdNumberKeyError

logger = logging.getLogger(__name__)


class IdNumberKeyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IdNumberKeyError):
            return None
        logger.error("ID_NUMBER_KEY does not open the stored ID numbers (%s): check the key.", request.path)
        if is_api_request(request):
            return json_error(
                503, _("Stored ID numbers cannot be read: the encryption key is wrong. Tell the system administrator.")
            )
        return render(request, "errors/id_number_key.html", status=503)
