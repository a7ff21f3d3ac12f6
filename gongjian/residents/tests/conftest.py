from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from jsonschema import Draft202012Validator

from gongjian.inspections.tests.factories import jpeg_bytes
from gongjian.residents import services
from gongjian.residents.models import ResidentCategory
from gongjian.residents.open311_format import parse_xml

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
PHONE = "13912345678"
NAME = "王小明"


def captcha() -> dict[str, str]:
    """A fresh captcha answered as a person reading the picture would (django-simple-captcha keeps
    the answer beside the key it puts in the page)."""
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def validate(name: str, document) -> None:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)


def both_formats(client, path: str, schema: str, **kwargs):
    """GET path.json and path.xml, validate both against the schema, return (json, xml) documents."""
    documents = []
    for fmt in ("json", "xml"):
        response = client.get(f"{path}.{fmt}", **kwargs)
        body = response.content
        document = json.loads(body) if fmt == "json" else parse_xml(body)
        validate(schema, document)
        documents.append((response, document))
    return documents


@pytest.fixture
def garbage(db, small_city) -> ResidentCategory:
    category = ResidentCategory.objects.get(code="garbage")
    return category


@pytest.fixture
def placed_city(small_city):
    """Communities with coordinates (甲一 here, 乙一 about 1 km east)."""
    c = small_city
    for unit, (lat, lng) in (
        (c.community_a1, ("30.250000", "120.150000")),
        (c.community_a2, ("30.260000", "120.150000")),
        (c.community_b1, ("30.250000", "120.160000")),
    ):
        unit.latitude, unit.longitude = Decimal(lat), Decimal(lng)
        unit.save(update_fields=["latitude", "longitude"])
    return c


def a_report(category, **overrides):
    values = dict(
        resident_category=category,
        description="路口垃圾堆了三天",
        photos=[jpeg_bytes(gps=(30.2501, 120.1501))],
        address="甲一路 5 号",
        name=NAME,
        phone=PHONE,
        device_id="device-1",
    )
    values.update(overrides)
    return services.report_submit(**values)


def upload(data: bytes | None = None, name="photo.jpg"):
    return SimpleUploadedFile(name, data or jpeg_bytes(gps=(30.2501, 120.1501)), content_type="image/jpeg")
