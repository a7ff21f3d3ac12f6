"""What comes in is cleaned and bounded at the door, so that no stored value can break a page,
an export or a reader. One rule per kind of value, everywhere input arrives — forms, the API,
imports, the public sign-up page:

* **Text.** Line breaks are normalised (``\\r\\n`` and a lone ``\\r`` become ``\\n``); tab and
  newline are kept; every other control character is **removed** — the C0 controls
  (``\\x00``–``\\x1f``), DEL, the C1 controls (``\\x80``–``\\x9f``) and the non-characters
  ``\\ufffe`` / ``\\uffff``. Nobody types them on purpose: they come from pasted Word text, broken
  encodings or someone probing; PostgreSQL refuses a NUL byte and the XLSX format cannot hold the
  others. Removing them (rather than refusing the form) keeps a pasted address usable, and what is
  stored is exactly what every reader can show. Every text has a length bound: a model's
  ``max_length`` as usual, and ``TEXT_MAX_LENGTH`` (default 10,000 characters) for text without one.
* **Whole numbers** fit in 64 bits (SQLite and PostgreSQL both store no more); anything larger is a
  clear 400, never an overflow deep in a query.
* **Files** are at most ``UPLOAD_FILE_MAX_BYTES`` each (the largest any service accepts), checked
  from the upload's size before a byte of it is read; the services then apply their own limits.
  A file name of any length is cut to 120 bytes, extension kept (``short_file_name``, applied by
  the upload handlers in ``gongjian.core.uploads`` to every file of every request).
* **Dates** lie between 2000-01-01 and five years from today (``earliest_date`` / ``latest_date``);
  a month is one of those (``2000-01`` .. December of this year + 5).

``install()`` (called once from ``CoreConfig.ready``) puts these rules into the field classes every
form and serializer field derives from — Django's ``forms.CharField``, ``IntegerField``,
``DateField``, ``DateTimeField``, ``FileField`` and DRF's counterparts — so no form or serializer, present or future,
can miss them. Importers call :func:`clean_text` and :func:`check_date` on each cell.
See docs/decisions/0006-input-cleaned-at-the-door.md.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

#: Control characters removed from every incoming text (tab \x09 and newline \x0a are kept).
CONTROL_CHARACTERS_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_NEWLINES_RE = re.compile("\r\n?")

DEFAULT_TEXT_MAX_LENGTH = 10_000
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
EARLIEST_YEAR = 2000
YEARS_AHEAD = 5


# --- text -------------------------------------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """``value`` with line breaks normalised and control characters other than tab and newline removed."""
    if not value:
        return value
    return CONTROL_CHARACTERS_RE.sub("", _NEWLINES_RE.sub("\n", value))


def text_max_length() -> int:
    return getattr(settings, "TEXT_MAX_LENGTH", DEFAULT_TEXT_MAX_LENGTH)


def too_long_message(limit: int) -> str:
    return ngettext_lazy("Write at most %(limit)d character.", "Write at most %(limit)d characters.", limit) % {
        "limit": limit
    }


def check_length(value: str, max_length: int | None) -> None:
    """The overall bound for text without a ``max_length`` of its own."""
    limit = text_max_length()
    if max_length is None and value and len(value) > limit:
        raise ValidationError(too_long_message(limit), code="max_length")


def check_lengths(model, **values: str) -> None:
    """For text a service receives without a form: each value within its model field's ``max_length``
    (a 400 naming the field, never the database's "value too long")."""
    errors = {}
    for name, value in values.items():
        limit = model._meta.get_field(name).max_length
        if limit and value and len(value) > limit:
            errors[name] = too_long_message(limit)
    if errors:
        raise ValidationError(errors)


# --- numbers ----------------------------------------------------------------------------------------------------------


def check_int(value) -> None:
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise ValidationError(_("This number is too large."), code="max_value")


# --- dates and months -------------------------------------------------------------------------------------------------


def earliest_date() -> datetime.date:
    return datetime.date(EARLIEST_YEAR, 1, 1)


def latest_date() -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year + YEARS_AHEAD, day=min(today.day, 28))


def date_range_message() -> str:
    return _("Give a date between %(earliest)s and %(latest)s.") % {
        "earliest": f"{earliest_date():%Y-%m-%d}",
        "latest": f"{latest_date():%Y-%m-%d}",
    }


def check_date(value) -> None:
    """A date, or a date and time, between 2000-01-01 and five years from today."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date) and not earliest_date() <= value <= latest_date():
        raise ValidationError(date_range_message(), code="date_range")


def month_bounds() -> tuple[datetime.date, datetime.date]:
    """The first and last month anyone may ask for: 2000-01 .. December of this year + 5."""
    return datetime.date(EARLIEST_YEAR, 1, 1), datetime.date(timezone.localdate().year + YEARS_AHEAD, 12, 1)


def month_range_message() -> str:
    first, last = month_bounds()
    return _("Give a month between %(first)s and %(last)s.") % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"}


def month_in_range(month: datetime.date) -> bool:
    first, last = month_bounds()
    return first <= month.replace(day=1) <= last


def check_month(month) -> None:
    if isinstance(month, datetime.date) and not month_in_range(month):
        raise ValidationError(month_range_message(), code="month_range")


# --- files ------------------------------------------------------------------------------------------------------------


#: A stored file name stays well inside every file system's 255-byte limit once a folder prefix and
#: Django's random suffix are added (a Chinese character takes three bytes in UTF-8).
FILE_NAME_MAX_BYTES = 120


def short_file_name(name: str, *, default: str = "file") -> str:
    """A file name of any length cut to at most FILE_NAME_MAX_BYTES bytes of UTF-8, extension kept,
    without a directory part or control characters."""
    name = CONTROL_CHARACTERS_RE.sub("", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10]
    room = FILE_NAME_MAX_BYTES - len(ext.encode()) - (1 if ext else 0)
    stem = stem.encode()[:room].decode("utf-8", "ignore").strip(" .")
    if not stem:
        stem = default
    return f"{stem}.{ext}" if ext else stem


def check_file_size(upload) -> None:
    limit = getattr(settings, "UPLOAD_FILE_MAX_BYTES", None)
    size = getattr(upload, "size", None)
    if limit and size is not None and size > limit:
        raise ValidationError(
            _("The file “%(name)s” is larger than %(mb)d MB.")
            % {"name": getattr(upload, "name", ""), "mb": limit // (1024 * 1024)},
            code="file_too_large",
        )


def read_upload(upload) -> bytes:
    """The bytes of an upload a view reads without a form field, after the same size check."""
    check_file_size(upload)
    return upload.read()


def cleaned_post(data):
    """A copy of a form body (``request.POST``) with every value cleaned like a form field's, for the
    few views that read it without a form."""
    copy = data.copy()
    for key in copy:
        copy.setlist(key, [clean_text(v) if isinstance(v, str) else v for v in data.getlist(key)])
    return copy


# --- installed into every form and serializer field -------------------------------------------------------------------

_installed = False


def install() -> None:
    """Put the rules above into the fields of Django forms and DRF serializers (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    _install_forms()
    _install_serializers()


def _install_forms() -> None:
    from django import forms

    char_to_python = forms.CharField.to_python

    def text_to_python(self, value):
        if isinstance(value, str) and not isinstance(self.widget, forms.PasswordInput):
            value = clean_text(value)
        value = char_to_python(self, value)
        if isinstance(value, str) and not isinstance(self, forms.JSONField):
            check_length(value, self.max_length)
        return value

    forms.CharField.to_python = text_to_python

    int_to_python = forms.IntegerField.to_python

    def integer_to_python(self, value):
        value = int_to_python(self, value)
        check_int(value)
        return value

    forms.IntegerField.to_python = integer_to_python

    for cls in (forms.DateField, forms.DateTimeField):
        _bound_dates(cls, "to_python", ValidationError)

    file_to_python = forms.FileField.to_python

    def sized_file_to_python(self, data):
        check_file_size(data)
        return file_to_python(self, data)

    forms.FileField.to_python = sized_file_to_python


def _install_serializers() -> None:
    from rest_framework import fields
    from rest_framework.exceptions import ValidationError as APIValidationError

    char_to_internal = fields.CharField.to_internal_value

    def text_to_internal(self, data):
        if isinstance(data, str) and self.style.get("input_type") != "password":
            data = clean_text(data)
        value = char_to_internal(self, data)
        if isinstance(value, str):
            try:
                check_length(value, self.max_length)
            except ValidationError as error:
                raise APIValidationError(error.messages, code="max_length") from None
        return value

    fields.CharField.to_internal_value = text_to_internal

    int_to_internal = fields.IntegerField.to_internal_value

    def integer_to_internal(self, data):
        value = int_to_internal(self, data)
        try:
            check_int(value)
        except ValidationError as error:
            raise APIValidationError(error.messages, code="max_value") from None
        return value

    fields.IntegerField.to_internal_value = integer_to_internal

    for cls in (fields.DateField, fields.DateTimeField):
        _bound_dates(cls, "to_internal_value", APIValidationError)

    file_to_internal = fields.FileField.to_internal_value

    def sized_file_to_internal(self, data):
        try:
            check_file_size(data)
        except ValidationError as error:
            raise APIValidationError(error.messages, code="file_too_large") from None
        return file_to_internal(self, data)

    fields.FileField.to_internal_value = sized_file_to_internal


def _bound_dates(cls, method: str, error_class) -> None:
    original = getattr(cls, method)

    def bounded(self, value):
        try:
            value = original(self, value)
        except OverflowError:  # year 1 or 9999 shifted across time zones
            raise error_class(date_range_message(), code="date_range") from None
        try:
            check_date(value)
        except ValidationError as error:
            if error_class is ValidationError:
                raise
            raise error_class(error.messages, code="date_range") from None
        return value

    setattr(cls, method, bounded)
