"""Writes made safe to resend with an ``Idempotency-Key`` header, for any API write that creates
something (a phone on a bad connection sends again when it did not see the answer).

``idempotent(user=, key=, action=, run=, load=)`` runs ``run`` once per (user, key): the key row is
inserted first, in the same transaction as the write, so two resends racing each other wait on the
unique index and the second one gets the first one's object (``load(object_id)``). The same key
for another kind of write is a conflict (409). Keys are per user: nobody learns anything from
someone else's. A write that fails (bad input, refused) leaves no key, so the client can correct
it and send it again. ``manage.py purge_field_data`` forgets old keys.

The problem report keeps its own (``inspections.fieldwork``), which predates this one."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter

from gongjian.api.models import WriteKey
from gongjian.core.errors import Conflict

HEADER = "Idempotency-Key"

#: For ``extend_schema(parameters=[...])`` of an operation that reads the header.
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="a UUID made by the client; sending it again returns the first result (200) instead of writing twice",
)


def key_parse(value: str | None) -> uuid.UUID | None:
    """The key as sent: absent is None, anything but a UUID is refused."""
    if value is None or not str(value).strip():
        return None
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise ValidationError({"idempotency_key": _("The idempotency key must be a UUID.")}) from None


def key_from(request) -> uuid.UUID | None:
    return key_parse(request.headers.get(HEADER))


@dataclass(frozen=True)
class Outcome:
    obj: Any
    replayed: bool


def idempotent(
    *, user, key: uuid.UUID | None, action: str, run: Callable[[], Any], load: Callable[[int], Any]
) -> Outcome:
    """Run ``run`` (a write returning the object it made, with a ``pk``) once for (user, key)."""
    if key is None:
        return Outcome(obj=run(), replayed=False)
    earlier = _earlier(user, key, action, load)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            record = WriteKey.objects.create(user=user, key=key, action=action)
            obj = run()
            record.object_id = obj.pk
            record.save(update_fields=["object_id"])
    except IntegrityError:
        # Another request with the same key committed first while this one waited on the index.
        earlier = _earlier(user, key, action, load)
        if earlier is None:
            raise
        return earlier
    return Outcome(obj=obj, replayed=False)


def _earlier(user, key: uuid.UUID, action: str, load: Callable[[int], Any]) -> Outcome | None:
    record = WriteKey.objects.filter(user=user, key=key).first()
    if record is None:
        return None
    if record.action != action:
        raise Conflict(_("This idempotency key was already used for another kind of change."))
    return Outcome(obj=load(record.object_id), replayed=True)


def keys_purge(*, older_than: datetime.timedelta, now: datetime.datetime | None = None) -> int:
    """Forget keys older than ``older_than`` (a client resends within days, not months)."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _detail = WriteKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
