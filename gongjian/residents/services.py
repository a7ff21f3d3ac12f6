"""Writes for residents' reports: submit, +1, moderation (accept through the inspections services,
merge, reject), the follow-up answer, Open311 keys and abuse alerts. Every write is audited; a
resident has no account, so their writes are audited with no actor."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, can_on_unit
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.inspections import services as inspections
from gongjian.inspections.choices import ProblemSource, ProblemStatus
from gongjian.inspections.models import Category, Problem
from gongjian.inspections.photo_storage import photos_process
from gongjian.organizations.models import Unit
from gongjian.residents.choices import Answer, ReportChannel, ReportStatus
from gongjian.residents.models import (
    AbuseAlert,
    FollowUpAnswer,
    Open311Application,
    ResidentCategory,
    ResidentPhoto,
    ResidentReport,
    Support,
)
from gongjian.residents.privacy import clean_phone, keyed_hash, mask_phone, new_token, seal_contact
from gongjian.residents.selectors import locate_unit, token_hash

REPORT_PREFIX = "SP"


# --- submitting -----------------------------------------------------------------------------------


def _check_attributes(category: ResidentCategory, answers: dict[str, str]) -> dict[str, str]:
    questions = {a.code: a for a in category.attributes.all()}
    unknown = set(answers) - set(questions)
    if unknown:
        raise ValidationError({"attribute": _("Unknown question: %(code)s.") % {"code": sorted(unknown)[0]}})
    for code, question in questions.items():
        value = answers.get(code, "")
        if question.required and not value:
            raise ValidationError({"attribute": _("Answer the question “%(q)s”.") % {"q": question.description}})
        if value and question.values and question.datatype in ("singlevaluelist", "multivaluelist"):
            keys = value.split(",") if question.datatype == "multivaluelist" else [value]
            if any(k not in question.values for k in keys):
                raise ValidationError(
                    {"attribute": _("Choose an answer from the list for “%(q)s”.") % {"q": question.description}}
                )
    return {code: value for code, value in answers.items() if value}


def report_submit(
    *,
    resident_category: ResidentCategory,
    description: str,
    photos: Sequence[bytes] = (),
    photos_required: bool = True,
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    community: Unit | None = None,
    name: str = "",
    phone: str = "",
    email: str = "",
    attributes: dict[str, str] | None = None,
    media_url: str = "",
    channel: str = ReportChannel.WEB,
    application: Open311Application | None = None,
    device_id: str = "",
    address_hash: str = "",
) -> tuple[ResidentReport, str]:
    """Record a resident's report for moderation. Returns the report and its follow-up token (shown
    once: only its hash is kept)."""
    if not resident_category.is_active:
        raise ValidationError({"service_code": _("This category is no longer in use.")})
    description = description.strip()
    if not description:
        raise ValidationError({"description": _("Describe the problem.")})
    if (latitude is None) != (longitude is None):
        raise ValidationError({"lat": _("Give both latitude and longitude, or neither.")})
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationError({"lat": _("The coordinates are out of range.")})
    if latitude is None and not address.strip() and community is None:
        raise ValidationError({"address": _("Give the place: your position, a pin on the map or an address.")})
    phone, problem = clean_phone(phone)
    if problem:
        raise ValidationError({"phone": _("Enter a mainland mobile number (11 digits), or leave it empty.")})
    answers = _check_attributes(resident_category, attributes or {})
    processed = photos_process(photos, required=photos_required)
    if latitude is None:
        located = next((p for p in processed if p.latitude is not None), None)
        if located is not None:
            latitude, longitude = Decimal(f"{located.latitude:.6f}"), Decimal(f"{located.longitude:.6f}")
    unit = community or locate_unit(latitude, longitude)
    token = new_token()
    held = (
        bool(address_hash)
        and AbuseAlert.objects.filter(
            address_hash=address_hash, last_at__gte=timezone.now() - datetime.timedelta(hours=1)
        ).exists()
    )
    written: list[str] = []
    try:
        with transaction.atomic():
            report = ResidentReport.objects.create(
                number=inspections.case_number_next(category_code=REPORT_PREFIX, day=timezone.localdate()),
                token_hash=token_hash(token),
                channel=channel,
                application=application,
                resident_category=resident_category,
                unit=unit,
                address=address.strip(),
                latitude=latitude,
                longitude=longitude,
                description=description,
                attributes=answers,
                media_url=media_url,
                contact_sealed=seal_contact(name=name.strip(), phone=phone, email=email.strip()),
                phone_masked=mask_phone(phone) if phone else "",
                phone_hash=keyed_hash("phone", phone),
                device_hash=keyed_hash("device", device_id),
                address_hash=address_hash,
                held=held,
            )
            for photo in processed:
                record = ResidentPhoto(report=report, sha256=photo.sha256, width=photo.width, height=photo.height)
                record.file.save("photo.jpg", ContentFile(photo.content), save=False)
                written.append(record.file.name)
                record.thumbnail.save("thumb.jpg", ContentFile(photo.thumbnail), save=False)
                written.append(record.thumbnail.name)
                record.save()
            audit_record(
                actor=None,
                action="resident_report.submit",
                target=report,
                to_state=report.status,
                changes={"channel": channel, "held": held},
            )
    except BaseException:
        from django.core.files.storage import default_storage

        for name_written in written:
            default_storage.delete(name_written)
        raise
    return report, token


def support_add(*, problem: Problem, device_id: str, address_hash: str = "") -> bool:
    """A resident's "+1" on a known open problem; False when this device (or address) already gave one."""
    if problem.status not in (ProblemStatus.OPEN, ProblemStatus.SUBMITTED):
        raise Conflict(_("This problem is no longer open."))
    device_hash = keyed_hash("device", device_id)
    if address_hash and Support.objects.filter(problem=problem, address_hash=address_hash).exists():
        return False
    try:
        with transaction.atomic():
            support = Support.objects.create(problem=problem, device_hash=device_hash, address_hash=address_hash)
            audit_record(actor=None, action="problem.support", target=problem, changes={"support": support.pk})
    except IntegrityError:
        return False
    return True


# --- moderation ------------------------------------------------------------------------------------


def _locked_pending(report: ResidentReport) -> ResidentReport:
    report = ResidentReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.PENDING:
        raise Conflict(_("This report has already been decided."))
    return report


def _check_moderator(user, report: ResidentReport) -> None:
    if not can_on_unit(actor_for(user), Perm.RESIDENT_MODERATE, report.unit_id):
        raise NotPermitted(_("You cannot moderate reports from this place."))


def report_accept(
    *,
    user,
    report: ResidentReport,
    unit: Unit,
    category: Category | None = None,
    point_type: str = "other",
    severity: str = "normal",
) -> Problem:
    """Accept: the report becomes a problem at ``unit`` (source: resident) through the inspections
    services, so the normal loop (deadline, rectification, re-check) applies."""
    _check_moderator(user, report)
    if report.held:
        raise Conflict(_("This report came from an address that flooded the service; it cannot be published."))
    if not can_on_unit(actor_for(user), Perm.RESIDENT_MODERATE, unit.pk):
        raise ValidationError({"unit": _("Choose a unit in your area.")})
    photos = []
    for photo in ResidentPhoto.objects.filter(report=report):
        with photo.file.open("rb") as handle:
            photos.append(handle.read())
    with transaction.atomic():
        report = _locked_pending(report)
        problem = inspections.problem_report(
            user=user,
            category=category or report.resident_category.category,
            unit=unit,
            description=report.description,
            address=report.address or unit.name,
            point_type=point_type,
            photos=photos,
            photos_required=False,
            latitude=report.latitude,
            longitude=report.longitude,
            severity=severity,
            found_at=report.created_at,
            source=ProblemSource.RESIDENT,
        )
        _decide(user, report, ReportStatus.ACCEPTED, problem=problem)
    return problem


def report_merge(*, user, report: ResidentReport, problem: Problem) -> ResidentReport:
    """Merge: the report is the same as a known problem; the resident follows that one."""
    _check_moderator(user, report)
    if report.held:
        raise Conflict(_("This report came from an address that flooded the service; it cannot be published."))
    if problem.status == ProblemStatus.VOID:
        raise ValidationError({"problem": _("A void problem cannot take reports.")})
    if not can_on_unit(actor_for(user), Perm.PROBLEM_VIEW, problem.unit_id):
        raise ValidationError({"problem": _("No such problem in your area.")})
    with transaction.atomic():
        report = _locked_pending(report)
        _decide(user, report, ReportStatus.MERGED, problem=problem)
    return report


def report_reject(*, user, report: ResidentReport, reason: str) -> ResidentReport:
    """Reject with a reason the resident reads on the follow-up page."""
    _check_moderator(user, report)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason; the resident will read it.")})
    with transaction.atomic():
        report = _locked_pending(report)
        report.reject_reason = reason.strip()
        _decide(user, report, ReportStatus.REJECTED)
    return report


def _decide(user, report: ResidentReport, status: str, *, problem: Problem | None = None) -> None:
    before = report.status
    report.status = status
    report.problem = problem
    report.decided_by = user
    report.decided_at = timezone.now()
    report.save(update_fields=["status", "problem", "decided_by", "decided_at", "reject_reason", "updated_at"])
    audit_record(
        actor=user,
        action=f"resident_report.{status}",
        target=report,
        from_state=before,
        to_state=status,
        note=report.reject_reason,
        changes={"problem": problem.number} if problem else {},
    )


def held_reject_all(*, user, alert: AbuseAlert) -> int:
    """Reject every pending report held under an abuse alert (in the user's area)."""
    from gongjian.residents.selectors import moderation_queue

    held = moderation_queue(actor=actor_for(user)).filter(
        held=True, status=ReportStatus.PENDING, address_hash=alert.address_hash
    )
    count = 0
    for report in held:
        report_reject(user=user, report=report, reason=_("Sent in a flood from one address."))
        count += 1
    alert.acknowledged_by = user
    alert.save(update_fields=["acknowledged_by", "updated_at"])
    audit_record(actor=user, action="abuse_alert.acknowledge", target=alert, changes={"rejected": count})
    return count


# --- follow-up -------------------------------------------------------------------------------------


def followup_answer(*, report: ResidentReport, answer: str, note: str = "") -> FollowUpAnswer:
    """The resident's "解决了吗？" once the problem is closed: "solved" is recorded; "not solved"
    reopens the problem as a rework for the unit and a re-check by an inspector."""
    if answer not in Answer.values:
        raise ValidationError({"answer": _("Choose an answer.")})
    if answer == Answer.NOT_SOLVED and not note.strip():
        raise ValidationError({"note": _("Say what is still wrong, so the unit can fix it.")})
    with transaction.atomic():
        report = ResidentReport.objects.select_for_update().get(pk=report.pk)
        problem = report.problem
        if problem is None or problem.status != ProblemStatus.CLOSED or problem.closed_at is None:
            raise Conflict(_("You can answer once the problem is closed."))
        if report.answers.filter(closed_at=problem.closed_at).exists():
            raise Conflict(_("You have already answered for this closure."))
        record = FollowUpAnswer.objects.create(
            report=report, answer=answer, note=note.strip(), closed_at=problem.closed_at
        )
        audit_record(
            actor=None, action="resident_report.answer", target=report, changes={"answer": answer}, note=record.note
        )
        if answer == Answer.NOT_SOLVED:
            inspections.problem_reopen(problem=problem, note=_("The resident says: %(note)s") % {"note": record.note})
    return record


# --- Open311 applications ------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def application_create(*, user, name: str) -> tuple[Open311Application, str]:
    """Issue a key to an application; the key is returned once and kept only as a hash."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the application.")})
    if Open311Application.objects.filter(name=name).exists():
        raise ValidationError({"name": _("An application with this name already exists.")})
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        app = Open311Application.objects.create(
            name=name,
            key_prefix=key[:6],
            key_hash=_key_hash(key),
            created_by=user if getattr(user, "pk", None) else None,
        )
        audit_record(actor=user, action="open311_key.create", target=app)
    return app, key


def application_revoke(*, user, application: Open311Application) -> Open311Application:
    if application.revoked_at is not None:
        raise Conflict(_("This key is already revoked."))
    with transaction.atomic():
        application.revoked_at = timezone.now()
        application.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=user, action="open311_key.revoke", target=application)
    return application


def application_for_key(key: str) -> Open311Application | None:
    """The application holding this key, unless revoked."""
    if not key:
        return None
    app = Open311Application.objects.filter(key_hash=_key_hash(key), revoked_at__isnull=True).first()
    if app is not None and (
        app.last_used_at is None or timezone.now() - app.last_used_at > datetime.timedelta(minutes=5)
    ):
        Open311Application.objects.filter(pk=app.pk).update(last_used_at=timezone.now())
    return app


# --- abuse -------------------------------------------------------------------------------------------


def abuse_alert_record(*, address_hash: str, address_masked: str, kind: str) -> AbuseAlert:
    """Count one refused request from a flooding address in this hour's alert; the first refusal
    holds every pending report that address sent in the last hour (never published)."""
    now = timezone.now()
    window_start = now.replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        alert, created = AbuseAlert.objects.select_for_update().get_or_create(
            address_hash=address_hash,
            kind=kind,
            window_start=window_start,
            defaults={"address_masked": address_masked, "last_at": now},
        )
        alert.refused += 1
        alert.last_at = now
        alert.save(update_fields=["refused", "last_at", "updated_at"])
        if created:
            ResidentReport.objects.filter(
                address_hash=address_hash,
                status=ReportStatus.PENDING,
                created_at__gte=now - datetime.timedelta(hours=1),
            ).update(held=True)
            audit_record(actor=None, action="abuse_alert.raise", target=alert, changes={"kind": kind})
    return alert
