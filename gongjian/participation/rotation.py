"""Rotating ID_NUMBER_KEY: every stored ID number is decrypted with the old key and encrypted
again with the new one, its duplicate-check hash recomputed under the new key, and sheets waiting
for import confirmation are sealed again — all in one transaction: either every row is under the
new key or none is (a row the old key cannot open stops the whole rotation)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from gongjian.core.models import AuditEvent


class RotationError(Exception):
    pass


@dataclass(frozen=True)
class RotationResult:
    volunteers: int
    imports: int


def _mac_key(key_text: str) -> bytes:
    # The same derivation as privacy._keys.
    return hashlib.sha256(b"gongjian/id-number-hash/" + key_text.encode()).digest()


def id_number_key_rotate(*, old_key: str, new_key: str, batch_size: int = 500) -> RotationResult:
    from gongjian.participation.choices import ImportStatus
    from gongjian.participation.models import ImportBatch, Volunteer
    from gongjian.participation.privacy import key_problem

    for label, key in (("old", old_key), ("new", new_key)):
        problem = key_problem(key)
        if problem:
            raise RotationError(f"The {label} key is not a Fernet key ({problem}).")
    if old_key == new_key:
        raise RotationError("The old and the new key are the same.")
    old, new, new_mac = Fernet(old_key.encode()), Fernet(new_key.encode()), _mac_key(new_key)
    written: list[str] = []
    replaced: list[str] = []
    try:
        with transaction.atomic():
            volunteers = 0
            rows = Volunteer.objects.select_for_update().exclude(id_number_token="").only("id", "id_number_token")
            pending = []
            for volunteer in rows.order_by("id").iterator(chunk_size=batch_size):
                try:
                    number = old.decrypt(volunteer.id_number_token.encode())
                except InvalidToken as exc:
                    raise RotationError(
                        f"Volunteer {volunteer.pk}: the old key does not open the stored ID number; nothing changed."
                    ) from exc
                volunteer.id_number_token = new.encrypt(number).decode()
                volunteer.id_number_hash = hmac.new(new_mac, number, hashlib.sha256).hexdigest()
                pending.append(volunteer)
                if len(pending) >= batch_size:
                    Volunteer.objects.bulk_update(pending, ["id_number_token", "id_number_hash"])
                    volunteers += len(pending)
                    pending = []
            if pending:
                Volunteer.objects.bulk_update(pending, ["id_number_token", "id_number_hash"])
                volunteers += len(pending)
            imports = 0
            for batch in ImportBatch.objects.select_for_update().filter(status=ImportStatus.PREVIEW).exclude(file=""):
                with batch.file.open("rb") as handle:
                    try:
                        content = old.decrypt(handle.read())
                    except InvalidToken as exc:
                        raise RotationError(f"Import {batch.pk}: the old key does not open the stored sheet.") from exc
                replaced.append(batch.file.name)
                batch.file.save(batch.file.name.rsplit("/", 1)[-1], ContentFile(new.encrypt(content)), save=False)
                written.append(batch.file.name)
                batch.save(update_fields=["file"])
                imports += 1
            AuditEvent.objects.create(
                action="id_number_key.rotate",
                target_type=Volunteer._meta.label_lower,
                target_id="*",
                target_repr="ID_NUMBER_KEY",
                changes={"volunteers": volunteers, "imports": imports},
            )
            transaction.on_commit(lambda: [default_storage.delete(name) for name in replaced])
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return RotationResult(volunteers=volunteers, imports=imports)
