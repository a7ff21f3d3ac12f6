"""The audit trail: every service that writes calls ``audit_record``."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db import models

from gongjian.core.models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime.date, datetime.datetime, decimal.Decimal)):
        return str(value)
    return value


def model_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value differs."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if _plain(before.get(key)) != _plain(after.get(key))
    }


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name if not _is_fk(instance, name) else f"{name}_id")) for name in fields}


def _is_fk(instance: models.Model, name: str) -> bool:
    field = instance._meta.get_field(name)
    return isinstance(field, models.ForeignKey)


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    from_state: str = "",
    to_state: str = "",
    changes: dict[str, Any] | None = None,
    note: str = "",
    at: datetime.datetime | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` may be None for system actions (migrations, demo loader);
    ``at`` is the time of the change when the caller controls the clock (tests, imports)."""
    actor_id = getattr(actor, "pk", None) if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        from_state=from_state,
        to_state=to_state,
        changes=changes or {},
        note=note,
        **({"at": at} if at is not None else {}),
    )


def history_for(target: models.Model):
    return AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)).select_related(
        "actor"
    )
