"""The API's JSON parser: bounded in size and in nesting, so that no body can make the server
run out of memory or stack. Set as DRF's default parser; views that list their parsers use it too.

* Size: at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes are read; a larger body is a 413 (the
  request-size middleware already refuses one whose Content-Length says so before anything is read).
* Depth: JSON nested deeper than ``JSON_MAX_DEPTH`` (default 32) is a 400. ``[`` × 100,000 used to
  exhaust the decoder's recursion and answer 500 to an anonymous caller of the token endpoint.
* Strings are cleaned at the door by the serializer fields (``core.inputs``), as for every form.
"""

from __future__ import annotations

import codecs

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

DEFAULT_MAX_DEPTH = 32


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


def json_depth(value) -> int:
    """How deeply ``value`` nests lists and objects, measured without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        max_depth = getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise ParseError(_("JSON nested more than %(depth)d levels deep is not accepted.") % {"depth": max_depth})
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("JSON parse error - %(detail)s") % {"detail": exc})
        if json_depth(data) > max_depth:
            raise ParseError(_("JSON nested more than %(depth)d levels deep is not accepted.") % {"depth": max_depth})
        return data
