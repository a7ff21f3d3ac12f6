"""Writes and reads of propaganda positions (宣传阵地), scoped through the access module: a unit's
people who keep its archive (``ARCHIVE_MANAGE``) register positions and record updates; whoever
reads the archive (``ARCHIVE_VIEW``) sees them. Photos go through the inspections' photo intake
(re-encoded, EXIF stripped); a bad photo stores nothing.

``unit_freshness`` is the count and rate of stale positions per unit that an assessment item can
use (docs/materials.md)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Actor, Perm, actor_for, can_on_unit, restrict
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.core.inputs import clean_text
from gongjian.inspections.photos import PhotoRejected, process_photo
from gongjian.materials import stale
from gongjian.materials.choices import PositionKind
from gongjian.materials.models import Position, PositionUpdate
from gongjian.organizations.models import Unit


def _overrides() -> dict:
    return getattr(settings, "POSITION_UPDATE_DAYS", {}) or {}


def _photo(data: bytes | None, *, required: bool):
    if not data:
        if required:
            raise ValidationError({"photo": _("Add a photo.")})
        return None
    try:
        return process_photo(data, max_bytes=settings.PHOTO_MAX_BYTES)
    except PhotoRejected as error:
        raise ValidationError({"photo": str(error.message)}) from None


def position_register(
    *,
    actor,
    unit: Unit,
    kind: str,
    name: str,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    photo: bytes | None = None,
) -> Position:
    if not can_on_unit(actor_for(actor), Perm.ARCHIVE_MANAGE, unit.pk):
        raise NotPermitted(_("You cannot register positions for this unit."))
    errors = {}
    if kind not in PositionKind.values:
        errors["kind"] = _("Choose the kind of position.")
    if not (name or "").strip():
        errors["name"] = _("Name the position.")
    if (lat is None) != (lng is None):
        errors["lat"] = _("Give both latitude and longitude, or neither.")
    elif lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        errors["lat"] = _("The coordinates are out of range.")
    if errors:
        raise ValidationError(errors)
    processed = _photo(photo, required=False)
    with transaction.atomic():
        position = Position(unit=unit, kind=kind, name=name.strip()[:120], address=address or "", lat=lat, lng=lng)
        if processed:
            position.photo.save("position.jpg", ContentFile(processed.content), save=False)
        position.save()
        audit_record(actor=actor, action="position.register", target=position, note=kind)
    return position


def position_record_update(
    *, actor, position: Position, updated_on: datetime.date, theme: str, photo: bytes | None
) -> PositionUpdate:
    """Record that the position's content was renewed, with a photo of it."""
    if not can_on_unit(actor_for(actor), Perm.ARCHIVE_MANAGE, position.unit_id):
        raise NotPermitted(_("You cannot record updates for this unit."))
    errors = {}
    if updated_on is None or updated_on > timezone.localdate():
        errors["updated_on"] = _("The update date cannot be in the future.")
    if not (theme or "").strip():
        errors["theme"] = _("Give the theme of the update.")
    if errors:
        raise ValidationError(errors)
    processed = _photo(photo, required=True)
    with transaction.atomic():
        update = PositionUpdate(
            position=position,
            updated_on=updated_on,
            theme=theme.strip()[:200],
            width=processed.width,
            height=processed.height,
            recorded_by=actor,
        )
        update.photo.save("update.jpg", ContentFile(processed.content), save=False)
        update.thumbnail.save("update-thumb.jpg", ContentFile(processed.thumbnail), save=False)
        update.save()
        audit_record(actor=actor, action="position.update", target=update, to_state=f"{updated_on:%Y-%m-%d}")
    return update


def position_update_remove(*, actor, update: PositionUpdate, reason: str) -> None:
    """Remove an update recorded by mistake (wrong position or date), saying why. The audit event
    keeps the unit, kind and date, so a computed month it counted for becomes stale
    (``feed.changes_since``); the archive's record of it stays, to be withdrawn there."""
    position = update.position
    if not can_on_unit(actor_for(actor), Perm.ARCHIVE_MANAGE, position.unit_id):
        raise NotPermitted(_("You cannot record updates for this unit."))
    reason = clean_text(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the update is removed.")})
    with transaction.atomic():
        # A second removal of the same update (a double tap) finds it gone and records nothing.
        if not PositionUpdate.objects.select_for_update().filter(pk=update.pk).exists():
            return
        audit_record(
            actor=actor,
            action="position.update_remove",
            target=update,
            from_state=f"{update.updated_on:%Y-%m-%d}",
            changes={"unit": position.unit_id, "kind": position.kind, "updated_on": f"{update.updated_on:%Y-%m-%d}"},
            note=reason[:500],
        )
        update.delete()


def position_list(*, actor: Actor) -> QuerySet[Position]:
    return restrict(Position.objects.select_related("unit"), actor, Perm.ARCHIVE_VIEW).annotate(
        last_update=Max("updates__updated_on")
    )


def position_get(*, actor: Actor, position_id) -> Position:
    try:
        return position_list(actor=actor).get(pk=int(position_id))
    except (Position.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def with_status(positions, today: datetime.date | None = None) -> list[Position]:
    """Each position (annotated with ``last_update``) with ``due`` and ``is_stale`` set."""
    today = today or timezone.localdate()
    overrides = _overrides()
    rows = []
    for p in positions:
        days = stale.period_days(p.kind, overrides)
        created = timezone.localtime(p.created_at).date()
        p.period_days = days
        p.due = stale.due_on(last_update=p.last_update, created_on=created, days=days)
        p.is_stale = stale.is_stale(last_update=p.last_update, created_on=created, today=today, days=days)
        rows.append(p)
    return rows


def unit_freshness(unit_ids, today: datetime.date | None = None) -> dict[int, stale.Freshness]:
    """For each unit: how many positions it has and how many are stale (the count and rate an
    assessment item can use). Units without positions are absent."""
    positions = Position.objects.filter(unit_id__in=list(unit_ids)).annotate(last_update=Max("updates__updated_on"))
    flags: dict[int, list[bool]] = defaultdict(list)
    for p in with_status(positions, today):
        flags[p.unit_id].append(p.is_stale)
    return {unit_id: stale.freshness(values) for unit_id, values in flags.items()}
