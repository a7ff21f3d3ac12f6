"""What the OpenAPI schema says about errors (see ``errors.py`` for the shapes):

* every error except a validation one is ``{"detail": "..."}`` in the user's language;
* a 400 from validation is ``{"field": ["message", ...], ...}`` (``non_field_errors`` or
  ``detail`` for errors not tied to one field).

``error_responses(400, 404)`` gives the ``responses`` entries to merge into ``extend_schema``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in the user's language"))


ValidationErrorSerializer = inline_serializer(
    name="ValidationError",
    fields={
        "detail": serializers.JSONField(required=False, help_text=_("A message or a list of messages")),
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
        "errors": serializers.ListField(
            child=serializers.CharField(), required=False, help_text=_("Every problem found (rule sets)")
        ),
    },
)

_DESCRIPTIONS = {
    400: _("Invalid input: the fields at fault, each with its messages"),
    401: _("Not signed in, or the token is unknown or expired"),
    403: _("Not allowed to do this"),
    404: _("Not found, or outside the caller's scope"),
    409: _("Conflicts with the current state"),
    413: _("Request body too large"),
    415: _("The body's content type is not one this operation reads"),
    429: _("Too many requests: wait and retry"),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    out = {}
    for code in codes:
        body = ValidationErrorSerializer if code == 400 else ErrorSerializer
        out[code] = OpenApiResponse(response=body, description=_DESCRIPTIONS.get(code, ""))
    return out


ERRORS_401 = error_responses(401)


class GongjianAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the error answers every operation can give, in the shapes
    above: 401/403 where sign-in is needed, 400 where input is read (body, query or page), 404
    where an object is addressed or a page asked for, 409 on writes, 413/415 where a body is read,
    429 where throttled."""

    def _error_codes(self) -> list[int]:
        view = self.view
        codes = []
        method = self.method.upper()
        writes = method in ("POST", "PUT", "PATCH", "DELETE")
        paginated = self._is_list_view() and self._get_paginator() is not None
        if writes or paginated or self._get_parameters():
            codes.append(400)
        if not any(permission is AllowAny for permission in getattr(view, "permission_classes", [])):
            codes += [401, 403]
        if "{" in self.path or paginated:
            codes.append(404)
        if writes:
            codes.append(409)
        if method in ("POST", "PUT", "PATCH"):
            codes += [413, 415]  # a body too large (refused before it is read), or of a type not read
        if getattr(view, "throttle_classes", None):
            codes.append(429)
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        if "400" in responses:
            # Whatever a view declares, a 400 can always be a field-by-field validation answer.
            responses["400"] = self._get_response_for_code(ValidationErrorSerializer, "400", direction=direction)
            responses["400"]["description"] = str(_DESCRIPTIONS[400])
        for code in self._error_codes():
            key = str(code)
            if key in responses:
                continue
            body = ValidationErrorSerializer if code == 400 else ErrorSerializer
            responses[key] = self._get_response_for_code(body, key, direction=direction)
            responses[key]["description"] = str(_DESCRIPTIONS[code])
        return responses
