"""The phone pages of the rectification loop (the field app): report, rectify, re-check.

Each form is a plain HTML form that works without JavaScript; with it (``static/js/field.js``)
photos are sent ahead as soon as they are chosen (``photo_upload``: a token comes back, the form
sends tokens), the answer is JSON (``Accept: application/json``: every error at once, by field),
and a form made without signal waits in the phone's outbox. Every write carries an
``Idempotency-Key`` (header or the ``idempotency_key`` field): the same key again returns the
first result (``fieldwork.idempotent``). The services stay the authority on what is valid."""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongjian.accounts.access import Perm, actor_for
from gongjian.core.errors import Conflict, NotPermitted, errors_onto_form
from gongjian.core.exporters import private_image_response
from gongjian.inspections import fieldwork, selectors, services
from gongjian.inspections.forms import NearbyForm, RectifyForm, ReportForm, ReviewForm
from gongjian.inspections.models import PhotoUpload
from gongjian.inspections.workflow import Action, allowed_actions

#: How many categories the report form shows before the inspector searches or asks for all.
TOP_CATEGORIES = 8


def field_strings() -> dict[str, str]:
    """What the phone's scripts say (field.js, outbox.js), in the page's language."""
    return {
        "uploading": _("Sending…"),
        "sent": _("Sent"),
        "kept": _("Kept on this phone: sent with the form"),
        "remove": _("Remove"),
        "photo": _("Photo"),
        "waiting": _("Waiting"),
        "failed": _("Not sent"),
        "sending": _("Sending…"),
        "queued": _("No signal: saved on this phone. It will be sent when there is a connection."),
        "recorded": _("Recorded: %(number)s"),
        "signIn": _("Sign in again to send it."),
        "serverError": _("The server could not take it now; it will be tried again."),
        "otherAccount": _("Made under another account; sign in as that person to send it."),
        "located": _("Position found"),
        "locateFailed": _("Position not available"),
        "nearestPhoto": _("Nearest to where the photo was taken"),
        "nearestPhone": _("Nearest to where you are"),
        "metres": _("%(n)s m"),
        "fixErrors": _("Please correct the marked fields:"),
        "required": _("This field is required."),
        "photoRequired": _("At least one photo is required."),
        "reasonRequired": _("Say what is still wrong, so the unit can fix it."),
        "report": _("Problem report"),
        "rectify": _("Rectification"),
        "review": _("Re-check"),
    }


def _kept_uploads(request) -> list[PhotoUpload]:
    """Photos already sent ahead for this form, shown again after a refused submit."""
    tokens = []
    for value in request.POST.getlist("photo_token"):
        try:
            tokens.append(fieldwork.idempotency_key_parse(value))
        except ValidationError:
            continue
    return list(PhotoUpload.objects.filter(token__in=[t for t in tokens if t], uploaded_by=request.user))


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _errors(form) -> dict[str, list[str]]:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def _photos(request, form, *, required: bool) -> tuple[fieldwork.TakenPhotos | None, list[bytes]] | None:
    """The photos of a form: sent ahead (``photo_token`` values) and/or with the form (files).
    Adds the error to the form (next to every other error) rather than stopping at it."""
    tokens = [t for t in request.POST.getlist("photo_token") if t.strip()]
    files = request.FILES.getlist("photos")
    taken = None
    if tokens:
        try:
            taken = fieldwork.photo_uploads_take(user=request.user, tokens=tokens)
        except ValidationError as error:
            errors_onto_form(form, error)
            return None
    if required and not tokens and not files:
        form.add_error("photos", _("At least one photo is required."))
        return None
    return taken, [f.read() for f in files]


def _key(request, form):
    value = request.headers.get("Idempotency-Key") or request.POST.get("idempotency_key")
    try:
        return fieldwork.idempotency_key_parse(value)
    except ValidationError as error:
        errors_onto_form(form, error)
        return None


def _done(request, outcome: fieldwork.Outcome, message: str, *, status: int = 200):
    problem = outcome.problem
    url = reverse("problems:detail", args=[problem.pk])
    if not outcome.replayed:
        # Shown on the problem's page, where the phone goes next (with or without JavaScript).
        messages.success(request, message)
    if _wants_json(request):
        return JsonResponse(
            {
                "id": problem.pk,
                "number": problem.number,
                "status": problem.status,
                "url": url,
                "replayed": outcome.replayed,
            },
            status=200 if outcome.replayed else status,
        )
    return redirect(url)


def _refused(request, form, template: str, context: dict):
    if _wants_json(request):
        return JsonResponse({"errors": _errors(form)}, status=400)
    return render(request, template, {**context, "form": form, "kept_uploads": _kept_uploads(request)}, status=400)


def _run(request, form, *, key, action: str, write):
    """Run one write idempotently; service refusals come back on the form (or as 403/409)."""
    try:
        return fieldwork.idempotent(user=request.user, key=key, action=action, run=write)
    except ValidationError as error:
        errors_onto_form(form, error)
    except services.DuplicateReport as duplicate:
        return fieldwork.Outcome(problem=duplicate.problem, replayed=True)
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message))
    except Conflict as conflict:
        form.add_error(None, conflict.message)
    return None


def _submit(
    request,
    form,
    *,
    template: str,
    context: dict,
    action: str,
    write,
    message,
    status: int = 200,
    photos_required=True,
    check=None,
):
    """The one shape of the field forms: the page on GET; on POST every error at once (the form's,
    the photos', ``check``'s, the idempotency key's), then ``write(data, photos) -> problem`` run
    once per key (the photos sent ahead discarded after it), and the answer (``message`` is a text
    or ``message(problem)``). ``photos_required`` and ``check`` may depend on the form
    (``(form, valid)``: whether its own fields were valid, before any other error was added)."""
    if request.method != "POST":
        return render(request, template, {**context, "form": form})
    valid = form.is_valid()
    required = photos_required(form, valid) if callable(photos_required) else photos_required
    photos = _photos(request, form, required=required)
    if check is not None:
        check(form, valid)
    key = _key(request, form)
    if not valid or photos is None or form.errors:
        return _refused(request, form, template, context)
    taken, files = photos

    def run():
        problem = write(form.cleaned_data, (taken.contents if taken else []) + files)
        if taken:
            taken.discard()
        return problem

    outcome = _run(request, form, key=key, action=action, write=run)
    if outcome is None:
        return _refused(request, form, template, context)
    return _done(request, outcome, message(outcome.problem) if callable(message) else message, status=status)


# --- report ----------------------------------------------------------------------------------------


@login_required
def problem_report(request):
    """The report form. The page's lists — the categories ranked by the year's reports, every
    unit the actor may report at — are built only when the page is shown (SimpleLazyObject): a
    POST checks the category and unit it names against the same selectors narrowed to that one
    value (valid exactly when it is in the whole list), so a report that goes through builds
    neither."""
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.PROBLEM_REPORT):
        raise PermissionDenied
    categories = SimpleLazyObject(selectors.categories_by_frequency)
    units = SimpleLazyObject(lambda: list(selectors.units_for_reporting(actor=actor)))
    rounds = list(selectors.inspections_for_reporting(actor=actor))
    if request.method == "POST":
        code, unit_id = request.POST.get("category", ""), request.POST.get("unit", "")
        sent_unit = unit_id.isascii() and unit_id.isdigit() and len(unit_id) < 19
        # Only a code's shape reaches the database (a NUL would be a 500 on PostgreSQL): anything else
        # is simply not in the list, and the form refuses it as it refuses any unknown choice.
        sent_code = re.fullmatch(r"[0-9A-Za-z_.-]{1,10}", code) is not None
        categories_sent = list(selectors.categories_active().filter(code=code)) if sent_code else []
        units_sent = list(selectors.units_for_reporting(actor=actor).filter(pk=int(unit_id))) if sent_unit else []
        form = ReportForm(
            request.POST or None,
            request.FILES or None,
            categories=categories_sent,
            units=units_sent,
            inspections=rounds,
        )
    else:
        categories_sent, units_sent = categories, units
        form = ReportForm(None, None, categories=categories, units=units, inspections=rounds)
    form.fields["photos"].required = False
    form.fields["address"].required = False
    context = {
        "categories": categories,
        "top_categories": TOP_CATEGORIES,
        "units": units,
        "idempotency_key": uuid.uuid4(),
        "field_strings": field_strings(),
    }

    def write(data, photos):
        unit = next(u for u in units_sent if str(u.pk) == data["unit"])
        return services.problem_report(
            user=request.user,
            category=next(c for c in categories_sent if c.code == data["category"]),
            unit=unit,
            description=data["description"],
            address=data["address"] or unit.name,
            point_type=data["point_type"],
            severity=data["severity"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            photos=photos,
            inspection=next((i for i in rounds if str(i.pk) == data["inspection"]), None),
            duplicate_within=services.duplicate_window(),
        )

    return _submit(
        request,
        form,
        template="inspections/field/report.html",
        context=context,
        action="problem.report",
        write=write,
        message=lambda problem: _("Problem %(number)s recorded.") % {"number": problem.number},
        status=201,
    )


@login_required
@require_GET
def units_nearby(request):
    """The reportable units nearest a position (the photo's or the phone's), most likely first."""
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.PROBLEM_REPORT):
        raise PermissionDenied
    form = NearbyForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": _errors(form)}, status=400)
    near = selectors.units_near(
        actor=actor, latitude=float(form.cleaned_data["lat"]), longitude=float(form.cleaned_data["lng"])
    )
    return JsonResponse(
        {"units": [{"id": unit.pk, "name": unit.name, "distance_m": distance} for unit, distance in near]}
    )


# --- photos sent ahead -----------------------------------------------------------------------------


@login_required
@require_POST
def photo_upload(request):
    """One photo, checked and kept for the form it will be sent with: its token and preview."""
    actor = actor_for(request.user)
    if not (actor.has_perm(Perm.PROBLEM_REPORT) or actor.has_perm(Perm.PROBLEM_RECTIFY)):
        raise PermissionDenied
    files = request.FILES.getlist("photo")
    if len(files) != 1:
        return JsonResponse({"errors": {"photo": [_("Send one photo.")]}}, status=400)
    try:
        upload = fieldwork.photo_upload_create(user=request.user, data=files[0].read())
    except ValidationError as error:
        return JsonResponse({"errors": error.message_dict}, status=400)
    return JsonResponse(
        {
            "token": str(upload.token),
            "thumbnail": reverse("problems:upload-thumb", args=[upload.token]),
            "latitude": None if upload.latitude is None else float(upload.latitude),
            "longitude": None if upload.longitude is None else float(upload.longitude),
        },
        status=201,
    )


@login_required
@require_GET
def photo_upload_thumb(request, token):
    try:
        upload = fieldwork.photo_upload_get(user=request.user, token=str(token))
    except (PhotoUpload.DoesNotExist, ValidationError):
        raise Http404
    return private_image_response(upload, "thumb")


# --- rectify and re-check --------------------------------------------------------------------------


def _acting(request, pk: int, action: Action):
    problem = selectors.problem_get(actor=actor_for(request.user), problem_id=pk)
    capacity = services.capacity_for(request.user, problem)
    return problem, action in allowed_actions(problem.status, capacity)


@login_required
def problem_rectify(request, pk: int):
    problem, allowed = _acting(request, pk, Action.RECTIFY)
    form = RectifyForm(request.POST or None, request.FILES or None, initial={"version": problem.version})
    form.fields["photos"].required = False
    context = {
        "problem": problem,
        "allowed": allowed,
        "idempotency_key": uuid.uuid4(),
        "field_strings": field_strings(),
    }

    def write(data, photos):
        services.rectification_submit(
            user=request.user,
            problem=problem,
            note=data["note"],
            photos=photos,
            expected_version=data["version"],
        )
        return problem

    return _submit(
        request,
        form,
        template="inspections/field/rectify.html",
        context=context,
        action="problem.rectify",
        write=write,
        message=_("Rectification submitted for re-check."),
    )


@login_required
def problem_review(request, pk: int):
    problem, allowed = _acting(request, pk, Action.PASS)
    form = ReviewForm(request.POST or None, request.FILES or None, initial={"version": problem.version})
    rectification = problem.rectifications.filter(outcome="pending").order_by("-submitted_at").first()
    context = {
        "problem": problem,
        "allowed": allowed,
        "rectification": rectification,
        "after_photos": list(rectification.photos.all()) if rectification else [],
        "idempotency_key": uuid.uuid4(),
        "field_strings": field_strings(),
    }

    def failed(form, valid):
        return valid and form.cleaned_data["passed"] is False

    def check(form, valid):
        if failed(form, valid) and not form.cleaned_data["note"].strip():
            form.add_error("note", _("Say what is still wrong, so the unit can fix it."))

    def write(data, photos):
        services.rectification_review(
            user=request.user,
            problem=problem,
            passed=data["passed"],
            note=data["note"],
            photos=photos,
            expected_version=data["version"],
        )
        return problem

    return _submit(
        request,
        form,
        template="inspections/field/review.html",
        context=context,
        action="problem.review",
        write=write,
        message=_("Saved."),
        photos_required=failed,
        check=check,
    )
