"""Shared by the assessment API's modules: months in paths and bodies, service refusals as API
errors, and the shapes both resources use."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from gongjian.assessments import importexport
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.inputs import month_in_range, month_range_message
from gongjian.inspections.models import Category

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
MAX_UPLOAD_BYTES = importexport.MAX_FILE_BYTES


# --- shared helpers -------------------------------------------------------------------------------------------------


def parse_month(value, field: str = "month") -> datetime.date:
    """ "YYYY-MM" → the first day of that month, or a 400 naming the field."""
    match = MONTH_RE.match(str(value or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and year >= 1:
            first = datetime.date(year, month, 1)
            if not month_in_range(first):
                raise ValidationError({field: [month_range_message()]})
            return first
    raise ValidationError({field: [_("Give the month as YYYY-MM, e.g. 2026-03.")]})


def _messages(exc: DjangoValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{name}: {message}" for name, messages in exc.message_dict.items() for message in messages]
    return list(exc.messages)


def invalid(errors: list[str]) -> Response:
    """400 listing every problem: ``{"detail": "...", "errors": [...]}``."""
    detail = ngettext("The rule set has %(count)d problem.", "The rule set has %(count)d problems.", len(errors)) % {
        "count": len(errors)
    }
    return Response({"detail": detail, "errors": [str(e) for e in errors]}, status=status.HTTP_400_BAD_REQUEST)


def _call(service, **kwargs):
    """Run a service; its refusals become a Response (400, 403, 409) instead of a result."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        errors = _messages(exc)
        return Response({"detail": " ".join(errors), "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    except NotPermitted as exc:
        return Response({"detail": str(exc.message)}, status=status.HTTP_403_FORBIDDEN)
    except Conflict as exc:
        return Response({"detail": str(exc.message)}, status=status.HTTP_409_CONFLICT)


def _reason(data) -> str:
    """The city office's reason to override the assessment calendar, if given."""
    value = data.get("force_reason")
    if value is not None and not isinstance(value, str):
        raise ValidationError({"force_reason": [_("Give the reason as text.")]})
    return (value or "").strip()[:500]


def forbidden() -> Response:
    return Response({"detail": _("You do not have permission to do this.")}, status=status.HTTP_403_FORBIDDEN)


def known_categories() -> set[str]:
    return set(Category.objects.values_list("code", flat=True))


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-01"})
class MonthTextField(serializers.CharField):
    """A month as text, YYYY-MM (what the rule set answers carry; not a date)."""


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
