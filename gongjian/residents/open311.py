"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2), JSON and XML.

Listed requests are problems in the categories offered as public services (``ResidentCategory.
is_public``), never void ones, never residents' reports still awaiting moderation or rejected; a
POST is moderated, so it answers with a token that resolves to the ``service_request_id`` once the
office accepts it. Nothing personal is ever in a response: contact details sent with a POST are
sealed, and mobile numbers typed into a description are masked."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongjian.core.inputs import clean_text, read_upload
from gongjian.inspections.choices import PhotoStage, ProblemStatus
from gongjian.inspections.models import Problem, ProblemPhoto
from gongjian.residents import limits, services
from gongjian.residents.choices import ReportChannel, ReportStatus
from gongjian.residents.models import ResidentCategory
from gongjian.residents.open311_format import errors, respond
from gongjian.residents.privacy import keyed_hash, mask_address
from gongjian.residents.selectors import report_for_token

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_WINDOW = datetime.timedelta(days=90)
MAX_RESULTS = 1000
CHANGESET = "2026-12-06T00:00:00+08:00"
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_PUBLIC_STATES = (ProblemStatus.OPEN, ProblemStatus.SUBMITTED, ProblemStatus.CLOSED)


def _iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _read_limited(view):
    def wrapped(request, *args, fmt: str, **kwargs):
        if not limits.allowed(limits.Open311ReadThrottle, request, limits.address_hash(request)):
            return errors(429, _("Too many requests; try again later."), fmt=fmt)
        return view(request, *args, fmt=fmt, **kwargs)

    return wrapped


def discovery(request, fmt: str):
    base = request.build_absolute_uri("/open311/v2/")
    document = {
        "changeset": CHANGESET,
        "contact": str(settings.OPEN311_CONTACT),
        "key_service": str(settings.OPEN311_KEY_SERVICE),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(document, fmt=fmt, root="discovery")


def _services():
    return ResidentCategory.objects.filter(is_active=True, is_public=True).prefetch_related("attributes")


def services_list(request, fmt: str):
    document = [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description or None,
            "metadata": bool(c.attributes.all()),
            "type": "batch",
            "keywords": c.keywords or None,
            "group": c.group or None,
        }
        for c in _services()
    ]
    return respond(document, fmt=fmt, root="services")


def service_definition(request, service_code: str, fmt: str):
    category = _services().filter(code=service_code).first()
    if category is None:
        return errors(404, _("No such service_code."), fmt=fmt)
    document = {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description or None,
                "order": a.order,
                "description": a.description,
                "values": [{"key": str(k), "name": str(v)} for k, v in (a.values or {}).items()],
            }
            for a in category.attributes.all()
        ],
    }
    return respond(document, fmt=fmt, root="service_definition")


# --- listing ------------------------------------------------------------------------------------


class BadRequest(Exception):
    pass


def _when(name: str, text: str) -> datetime.datetime:
    try:
        value = parse_datetime(text)
        if value is None:
            day = parse_date(text)
            if day is not None:
                value = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        value = None
    if value is None or not datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC) <= (
        value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    ) <= datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC):
        raise BadRequest(_("%(name)s is not an ISO 8601 date and time.") % {"name": name})
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _positive(name: str, text: str, *, default: int, maximum: int) -> int:
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= maximum:
        raise BadRequest(_("%(name)s must be a whole number from 1 to %(max)s.") % {"name": name, "max": maximum})
    return int(text)


def _code_map():
    """city category id → its public service (the first by order), and service_code → category id."""
    by_category: dict[int, ResidentCategory] = {}
    for c in ResidentCategory.objects.filter(is_active=True, is_public=True).order_by("sort_order", "code"):
        by_category.setdefault(c.category_id, c)
    return by_category


def _listed():
    return Problem.objects.filter(status__in=_PUBLIC_STATES)


def _query(params, by_category) -> tuple:
    problems = _listed().filter(category_id__in=list(by_category))
    ids = params.get("service_request_id", "").strip()
    if ids:
        numbers = [n.strip() for n in ids.split(",") if n.strip()][:MAX_RESULTS]
        return problems.filter(number__in=numbers), 1, MAX_RESULTS
    code = params.get("service_code", "").strip()
    if code:
        matching = [cid for cid, c in by_category.items() if c.code == code]
        if not matching:
            raise BadRequest(_("No such service_code."))
        problems = problems.filter(category_id__in=matching)
    start = _when("start_date", params["start_date"]) if params.get("start_date") else None
    end = _when("end_date", params["end_date"]) if params.get("end_date") else None
    if start is None and end is None:
        end = timezone.now()
        start = end - DEFAULT_WINDOW
    if start and end and start > end:
        raise BadRequest(_("start_date is after end_date."))
    if start:
        problems = problems.filter(found_at__gte=start)
    if end:
        problems = problems.filter(found_at__lte=end)
    status = params.get("status", "").strip()
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise BadRequest(_("status is open or closed."))
        states = ([ProblemStatus.OPEN, ProblemStatus.SUBMITTED] if "open" in wanted else []) + (
            [ProblemStatus.CLOSED] if "closed" in wanted else []
        )
        problems = problems.filter(status__in=states)
    page = _positive("page", params.get("page", ""), default=1, maximum=1_000_000)
    page_size = _positive("page_size", params.get("page_size", ""), default=MAX_RESULTS, maximum=MAX_RESULTS)
    return problems, page, page_size


_NOTES = {
    ProblemStatus.OPEN: "being rectified",
    ProblemStatus.SUBMITTED: "rectified, awaiting re-check",
    ProblemStatus.CLOSED: "rectified and re-checked",
}


def _documents(request, rows, by_category) -> list[dict]:
    ids = [row["id"] for row in rows]
    photos: dict[int, int] = {}
    for problem_id, photo_id in (
        ProblemPhoto.objects.filter(problem_id__in=ids, stage=PhotoStage.BEFORE)
        .order_by("problem_id", "id")
        .values_list("problem_id", "id")
    ):
        photos.setdefault(problem_id, photo_id)
    media = request.build_absolute_uri("/open311/v2/media/")
    documents = []
    for row in rows:
        service = by_category[row["category_id"]]
        documents.append(
            {
                "service_request_id": row["number"],
                "status": "closed" if row["status"] == ProblemStatus.CLOSED else "open",
                "status_notes": _NOTES[row["status"]],
                "service_name": service.name,
                "service_code": service.code,
                "description": _MOBILE.sub(r"\1****\2", row["description"]),
                "agency_responsible": row["unit__name"],
                "service_notice": None,
                "requested_datetime": _iso(row["found_at"]),
                "updated_datetime": _iso(row["updated_at"]),
                "expected_datetime": _iso(row["deadline"]) if row["status"] != ProblemStatus.CLOSED else None,
                "address": row["address"] or None,
                "address_id": None,
                "zipcode": None,
                "lat": float(row["latitude"]) if row["latitude"] is not None else None,
                "long": float(row["longitude"]) if row["longitude"] is not None else None,
                "media_url": f"{media}{photos[row['id']]}.jpg" if row["id"] in photos else None,
            }
        )
    return documents


_FIELDS = (
    "id",
    "number",
    "status",
    "category_id",
    "description",
    "unit__name",
    "found_at",
    "updated_at",
    "deadline",
    "address",
    "latitude",
    "longitude",
)


@_read_limited
def requests_get(request, fmt: str):
    by_category = _code_map()
    try:
        problems, page, page_size = _query(request.GET, by_category)
    except BadRequest as bad:
        return errors(400, str(bad), fmt=fmt)
    offset = (page - 1) * page_size
    rows = list(problems.order_by("-found_at", "-id").values(*_FIELDS)[offset : offset + page_size])
    return respond(_documents(request, rows, by_category), fmt=fmt, root="service_requests")


@_read_limited
def request_one(request, service_request_id: str, fmt: str):
    by_category = _code_map()
    rows = list(_listed().filter(number=service_request_id, category_id__in=list(by_category)).values(*_FIELDS))
    if not rows:
        return errors(404, _("No such service_request_id."), fmt=fmt)
    return respond(_documents(request, rows, by_category), fmt=fmt, root="service_requests")


@_read_limited
def token(request, token: str, fmt: str):
    from django.http import Http404

    try:
        report = report_for_token(token)
    except Http404:
        return errors(404, _("No such token."), fmt=fmt)
    number = report.problem.number if report.status in (ReportStatus.ACCEPTED, ReportStatus.MERGED) else None
    return respond([{"service_request_id": number, "token": token}], fmt=fmt, root="service_requests")


def media(request, photo_id: int):
    """The first before-photo of a listed problem (re-encoded without EXIF at intake)."""
    from django.http import Http404

    from gongjian.core.exporters import private_image_response

    photo = ProblemPhoto.objects.filter(
        pk=photo_id,
        stage=PhotoStage.BEFORE,
        problem__status__in=_PUBLIC_STATES,
        problem__category_id__in=list(_code_map()),
    ).first()
    if photo is None:
        raise Http404
    return private_image_response(photo, "full")


# --- posting ------------------------------------------------------------------------------------


def _decimal(name: str, text: str) -> Decimal:
    try:
        return Decimal(text).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise BadRequest(_("%(name)s is not a number.") % {"name": name}) from None


def _media_url(text: str) -> str:
    if not text:
        return ""
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(text) > 500:
        raise BadRequest(_("media_url is not an http(s) address."))
    return text


@csrf_exempt
def requests_view(request, fmt: str):
    if request.method == "GET":
        return requests_get(request, fmt=fmt)
    if request.method != "POST":
        return errors(405, _("Only GET and POST."), fmt=fmt)
    return _post(request, fmt)


def _post(request, fmt: str):
    data = {key: clean_text(value) for key, value in request.POST.items()}
    key = data.get("api_key", "")
    if not key:
        return errors(400, _("api_key is required."), fmt=fmt)
    application = services.application_for_key(key)
    if application is None:
        return errors(403, _("This api_key is not valid or has been revoked."), fmt=fmt)
    if not limits.allowed(limits.Open311KeyThrottle, request, f"app{application.pk}"):
        services.abuse_alert_record(
            address_hash=limits.address_hash(request),
            address_masked=mask_address(limits.address_of(request)),
            kind="open311",
        )
        return errors(429, _("Too many requests for this api_key; try again later."), fmt=fmt)
    code = data.get("service_code", "")
    category = ResidentCategory.objects.filter(code=code, is_active=True, is_public=True).first() if code else None
    if category is None:
        return errors(400, _("service_code is missing or unknown."), fmt=fmt)
    try:
        lat, lng = data.get("lat", ""), data.get("long", "")
        if bool(lat) != bool(lng):
            raise BadRequest(_("Give both lat and long."))
        if not lat and not data.get("address_string"):
            raise BadRequest(_("A location is required: lat and long, or address_string."))
        latitude = _decimal("lat", lat) if lat else None
        longitude = _decimal("long", lng) if lng else None
        media_url = _media_url(data.get("media_url", ""))
        attributes = {
            match.group(1): value
            for name, value in data.items()
            if (match := re.fullmatch(r"attribute\[([^\]]{1,40})\]", name))
        }
        if not limits.allowed(limits.ReportPhoneThrottle, request, keyed_hash("phone", data.get("phone", ""))):
            return errors(429, _("Too many reports from this phone; try again later."), fmt=fmt)
        if not limits.allowed(limits.ReportDeviceThrottle, request, keyed_hash("device", data.get("device_id", ""))):
            return errors(429, _("Too many reports from this device; try again later."), fmt=fmt)
        report, follow_token = services.report_submit(
            resident_category=category,
            description=data.get("description", "") or category.name,
            photos=[read_upload(f) for f in request.FILES.getlist("media")],
            photos_required=False,
            address=data.get("address_string", ""),
            latitude=latitude,
            longitude=longitude,
            name=" ".join(filter(None, [data.get("first_name", ""), data.get("last_name", "")])),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            attributes=attributes,
            media_url=media_url,
            channel=ReportChannel.OPEN311,
            application=application,
            device_id=data.get("device_id", ""),
        )
    except BadRequest as bad:
        return errors(400, str(bad), fmt=fmt)
    except ValidationError as error:
        return errors(400, " ".join(m for ms in error.message_dict.values() for m in ms), fmt=fmt)
    document = [
        {
            "token": follow_token,
            "service_notice": _("Report %(number)s awaits review by the city office.") % {"number": report.number},
            "account_id": None,
        }
    ]
    return respond(document, fmt=fmt, root="service_requests")
