"""What the OpenAPI schema says about errors (see ``errors.py`` for the shapes):

* every error except a validation one is ``{"detail": "..."}`` in the user's language;
* a 400 from validation is ``{"field": ["message", ...], ...}`` (``non_field_errors`` or
  ``detail`` for errors not tied to one field).

``error_responses(400, 404)`` gives the ``responses`` entries to merge into ``extend_schema``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in the user's language"))


ValidationErrorSerializer = inline_serializer(
    name="ValidationError",
    fields={
        "detail": serializers.CharField(required=False),
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
    },
)

_DESCRIPTIONS = {
    400: _("Invalid input: the fields at fault, each with its messages"),
    401: _("Not signed in, or the token is unknown or expired"),
    403: _("Not allowed to do this"),
    404: _("Not found, or outside the caller's scope"),
    409: _("Conflicts with the current state"),
    413: _("Request body too large"),
    429: _("Too many requests: wait and retry"),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    out = {}
    for code in codes:
        body = ValidationErrorSerializer if code == 400 else ErrorSerializer
        out[code] = OpenApiResponse(response=body, description=_DESCRIPTIONS.get(code, ""))
    return out


ERRORS_401 = error_responses(401)
