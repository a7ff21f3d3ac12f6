"""Open311 GeoReport v2 documents in JSON and XML, one structure for both.

A document is a list of dicts (or one dict for discovery and a service definition). XML follows the
specification's element names: a list under ``root`` holds ``item`` elements; nested lists use the
container → element names in ``LIST_ITEMS``. ``parse_xml`` (defusedxml) reads a document back to the
same structure, typed by ``BOOLEAN_FIELDS`` / ``INTEGER_FIELDS`` / ``NUMBER_FIELDS``, so the tests
validate both formats against the same JSON Schemas."""

from __future__ import annotations

import json
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse

LIST_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
#: root element → item element of the top-level lists
ROOTS = {"services": "service", "service_requests": "request", "errors": "error"}
BOOLEAN_FIELDS = {"metadata", "variable", "required"}
INTEGER_FIELDS = {"order"}  # and an error's "code"
NUMBER_FIELDS = {"lat", "long"}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(parent: Element, data: dict) -> None:
    for key, value in data.items():
        child = SubElement(parent, key)
        if isinstance(value, list):
            item_tag = LIST_ITEMS[key]
            for item in value:
                element = SubElement(child, item_tag)
                if isinstance(item, dict):
                    _fill(element, item)
                else:
                    element.text = _text(item)
        else:
            child.text = _text(value)


def to_xml(document, root: str) -> bytes:
    top = Element(root)
    if isinstance(document, list):
        for item in document:
            _fill(SubElement(top, ROOTS[root]), item)
    else:
        _fill(top, document)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(top, encoding="utf-8")


def respond(document, *, fmt: str, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(document, root)
    else:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt], status=status)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def errors(status: int, description: str, *, fmt: str) -> HttpResponse:
    return respond([{"code": status, "description": str(description)}], fmt=fmt, root="errors", status=status)


# --- reading XML back (tests, clients) -----------------------------------------------------------


def _typed(tag: str, text: str | None):
    text = text or ""
    if tag in BOOLEAN_FIELDS:
        return text == "true"
    if tag in INTEGER_FIELDS and text.lstrip("-").isdigit():
        return int(text)
    if tag in NUMBER_FIELDS:
        return float(text) if text else None
    return text if text != "" else None


def _read(element) -> dict:
    data = {}
    for child in element:
        if child.tag in LIST_ITEMS:
            data[child.tag] = [_read(item) if len(item) else (item.text or "") for item in child]
        else:
            data[child.tag] = _typed(child.tag, child.text)
    return data


def parse_xml(body: bytes):
    """The document in ``body`` as the JSON structure (a list for list roots, else a dict)."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(body)
    if root.tag in ROOTS:
        items = [_read(item) for item in root]
        if root.tag == "errors":
            for item in items:
                item["code"] = int(item["code"]) if str(item.get("code") or "").isdigit() else item.get("code")
        return items
    return _read(root)
