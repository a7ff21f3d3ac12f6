"""Writes of the documents app: allocating a published bulletin's document number (发文字号)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment
from gongjian.core.audit import audit_record
from gongjian.documents.models import DocumentNumber, DocumentSequence


def organ_prefix(city_name: str) -> str:
    """The organ's prefix (发文机关代字): ``settings.DOCUMENT_ORGAN_PREFIX``, else the city's name
    without its 市 and then 三创办 ("青田市" → "青田三创办")."""
    configured = (getattr(settings, "DOCUMENT_ORGAN_PREFIX", "") or "").strip()
    if configured:
        return configured
    return f"{city_name.removesuffix('市')}三创办"


@transaction.atomic
def bulletin_number_allocate(*, assessment: Assessment, user=None) -> DocumentNumber:
    """The published month's document number, allocated the first time its bulletin is issued and
    returned unchanged ever after. Race-safe: the month's row is locked first (a second caller waits,
    then finds the number), and the yearly counter is bumped under its own lock, so two months never
    share a number. The year is that of publication."""
    locked = Assessment.objects.select_for_update().select_related("city").get(pk=assessment.pk)
    existing = DocumentNumber.objects.filter(assessment=locked).first()
    if existing is not None:
        return existing
    if locked.status != AssessmentStatus.PUBLISHED:
        raise ValueError("only a published month's bulletin gets a document number")
    issued_on = timezone.localtime(locked.published_at).date() if locked.published_at else timezone.localdate()
    prefix = organ_prefix(locked.city.name)
    counter, _created = DocumentSequence.objects.select_for_update().get_or_create(prefix=prefix, year=issued_on.year)
    DocumentSequence.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    number = DocumentNumber.objects.create(
        assessment=locked,
        prefix=prefix,
        year=issued_on.year,
        sequence=counter.last,
        issued_on=issued_on,
        allocated_by=user if getattr(user, "is_authenticated", False) else None,
    )
    audit_record(actor=user, action="document_number.allocate", target=number, to_state=str(number))
    return number
