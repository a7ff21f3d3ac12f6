"""Shared pieces of the archive API: error mapping, the lookups every resource uses (periods,
units, rule items, files), the download renderer, choice fields and the small nested shapes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer

from gongjian.accounts.access import Perm, get_scoped_or_404, restrict
from gongjian.archives import periods, selectors, services
from gongjian.archives.uploads import upload_problem
from gongjian.assessments.models import RuleItem
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.storage import file_response
from gongjian.organizations.models import Unit

# The largest id a database key holds (a bigint); a larger number in a query or body is a 400.
MAX_ID = 2**63 - 1


def positive_int(**kwargs) -> serializers.IntegerField:
    """An id or version: a whole number from 1 to MAX_ID (larger ones are a 400, not a database error)."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


PERIOD_HELP = "a year (2026), a quarter (2026-Q3) or a month (2026-07)"


# --- errors ---------------------------------------------------------------------------------------


class StaleVersion(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Someone else changed this since you opened it; reload and try again.")
    default_code = "conflict"


def _bad(field: str, message) -> ValidationError:
    """A 400 naming the field, with the message also as ``detail``."""
    return ValidationError({"detail": str(message), field: [str(message)]})


def _errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        detail = " ".join(f"{m}" for messages in fields.values() for m in messages)
        return {"detail": detail, **fields}
    return {"detail": " ".join(str(m) for m in exc.messages)}


def _call(service, **kwargs):
    """Run a service; its refusals become API errors (400, 403, 409)."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(_errors(exc)) from None
    except NotPermitted as exc:
        raise PermissionDenied(str(exc.message)) from None
    except Conflict as exc:
        raise StaleVersion(str(exc.message)) from None


# --- shared lookups -------------------------------------------------------------------------------


def _period(value, field: str = "period") -> periods.Period:
    if value in (None, ""):
        raise _bad(field, _("Give the period: a year (2026), a quarter (2026-Q3) or a month (2026-07)."))
    try:
        return periods.parse(str(value))
    except ValueError:
        raise _bad(
            field,
            _("“%(value)s” is not a period; give a year (2026), a quarter (2026-Q3) or a month (2026-07).")
            % {"value": str(value)[:40]},
        ) from None


def _unit_id(value, field: str = "unit") -> int:
    if value in (None, ""):
        raise _bad(field, _("Give the unit's id."))
    try:
        unit_id = int(value)
    except (TypeError, ValueError):
        unit_id = 0
    if not 1 <= unit_id <= MAX_ID:
        raise _bad(field, _("The unit must be given by its id (a whole number)."))
    return unit_id


def _visible_unit(actor, value, *, field: str = "unit") -> Unit:
    """A unit in the caller's archive scope named in a query: 400 when malformed, 404 outside scope."""
    return get_scoped_or_404(Unit.objects.all(), actor, Perm.ARCHIVE_VIEW, unit_field="id", id=_unit_id(value, field))


def _body_unit(actor, unit_id: int, *, field: str = "unit") -> Unit:
    """A unit named in a request body: a 400 naming the field when it is not one the caller keeps
    archives for (whether it exists or not)."""
    unit = restrict(Unit.objects.filter(id=unit_id), actor, Perm.ARCHIVE_VIEW, unit_field="id").first()
    if unit is None:
        raise _bad(field, _("There is no unit %(id)s among the units whose archive you keep.") % {"id": unit_id})
    return unit


def _rule_items(unit: Unit, ids, *, field: str = "rule_items") -> list[RuleItem]:
    """Rule items of the unit's city, by id; a 400 naming any id that is not one."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    city_id = selectors.city_id_of(unit)
    found = {item.id: item for item in RuleItem.objects.filter(id__in=ids, ruleset__city_id=city_id)}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise _bad(
            field,
            _("Not an assessment item of this city's rule sets: %(ids)s") % {"ids": ", ".join(map(str, unknown))},
        )
    return [found[i] for i in ids]


def _file_ins(files, captions, *, field: str = "files") -> list[services.FileIn]:
    """Uploads with their captions (the n-th caption goes with the n-th file)."""
    if len(captions) > len(files):
        raise _bad("captions", _("There are more captions than files."))
    if problem := upload_problem(files, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES):
        raise _bad(field, problem)
    out = []
    for n, upload in enumerate(files):
        name = upload.name or "file"
        out.append(services.FileIn(name=name, data=upload.read(), caption=captions[n] if n < len(captions) else ""))
    return out


def _absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def _file_response(field, *, filename: str, content_type: str) -> FileResponse:
    return file_response(field, content_type=content_type, filename=filename, cache_control="private, no-store")


def _within(queryset, period: periods.Period):
    """Records filed in the period or in a period inside it (as ``selectors.period_records``)."""
    queryset = queryset.filter(period_start__gte=period.start, period_start__lte=period.end)
    if period.kind == periods.MONTH:
        return queryset.filter(period_kind=periods.MONTH)
    if period.kind == periods.QUARTER:
        return queryset.exclude(period_kind=periods.YEAR)
    return queryset


class DownloadRenderer(BaseRenderer):
    """Lets a client that asks for the file's own type (``Accept: application/pdf``) reach a
    download; errors still come as JSON."""

    media_type = "*/*"
    format = "download"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


DOWNLOAD_RENDERERS = [JSONRenderer, DownloadRenderer]

_CHOICE_FIELDS: dict[type, type] = {}


def choice_field(choices, *, help_text: str = "", **kwargs) -> serializers.ChoiceField:
    """A ChoiceField documented as a string listing its values: several apps name a field ``kind``
    or ``status`` with different choices, and drf-spectacular's enum components would collide."""
    cls = _CHOICE_FIELDS.get(choices)
    if cls is None:
        cls = type(f"{choices.__name__}Field", (serializers.ChoiceField,), {})
        cls = extend_schema_field(OpenApiTypes.STR)(cls)
        _CHOICE_FIELDS[choices] = cls
    values = "one of: " + ", ".join(choices.values)
    return cls(choices=choices.choices, help_text=f"{help_text}; {values}" if help_text else values, **kwargs)


# --- small shapes ---------------------------------------------------------------------------------


class ArchiveDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ArchiveUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()


class ArchiveRuleItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)


def _unit_query_params(*, required: bool = False) -> list[OpenApiParameter]:
    return [
        OpenApiParameter("unit", int, required=required, description="unit id"),
        OpenApiParameter("period", str, required=required, description=PERIOD_HELP),
    ]
