"""API errors are always JSON ``{"detail": ...}`` (plus field errors), in the user's language."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework.views import exception_handler as drf_exception_handler


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
