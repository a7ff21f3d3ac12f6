"""What every participation endpoint shares: service refusals as API errors (400, 403, 409)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError

from gongjian.core.errors import Conflict, NotPermitted


class StaleOrRefused(APIException):
    """409: the record changed since the client read it (send the ``version`` you saw), or its
    state does not allow this (e.g. holding a cancelled activity)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    except NotPermitted as exc:
        raise PermissionDenied(str(exc.message))
    except Conflict as exc:
        raise StaleOrRefused(str(exc.message)) from None
