"""API errors are always JSON ``{"detail": ...}`` (plus field errors), in the user's language."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from gongjian.core.errors import Conflict, NotPermitted


def exception_handler(exc, context):
    return drf_exception_handler(exc, context)


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})


def json_not_found() -> JsonResponse:
    return json_error(404, _("Not found."))


def form_errors(form) -> dict[str, list[str]]:
    """A Django form's errors as ``{field: [message, ...]}`` for a 400 response."""
    return {name: [error["message"] for error in errors] for name, errors in form.errors.get_json_data().items()}


class ConflictError(APIException):
    """409: the object's state does not allow this (already decided, changed meanwhile)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def call_service(service, **kwargs):
    """Run a service and turn its refusals into API errors in the user's language: a Django
    ``ValidationError`` is a 400 naming the fields, ``NotPermitted`` a 403, ``Conflict`` a 409."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from None
    except NotPermitted as exc:
        raise PermissionDenied(str(exc.message)) from None
    except Conflict as exc:
        raise ConflictError(str(exc.message)) from None
