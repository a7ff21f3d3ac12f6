"""Imports of rosters: upload for preview, confirm (all valid rows in one transaction), cancel,
and the purge of leftovers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.participation import privacy
from gongjian.participation.choices import VolunteerSource, VolunteerStatus
from gongjian.participation.models import (
    Volunteer,
)
from gongjian.participation.services._common import _require_at
from gongjian.participation.services.rosters import frontage_duty_add, stairwell_head_set, team_member_add

# --- imports ------------------------------------------------------------------------------------


def import_sheet_content(batch) -> bytes:
    """The uploaded sheet, decrypted (it is stored encrypted: it holds ID numbers in clear)."""
    with batch.file.open("rb") as handle:
        return privacy.open_sealed_bytes(handle.read())


def check_rows(*, kind: str, filename: str, content: bytes, community: Unit, report, on_error=None):
    """The checked rows of a sheet of any kind, in chunks (nothing is written)."""
    from gongjian.participation.choices import ImportKind
    from gongjian.participation.importers import roster_rows, volunteer_rows

    if kind == ImportKind.VOLUNTEERS:
        return volunteer_rows(
            filename=filename, content=content, community_id=community.pk, report=report, on_error=on_error
        )
    return roster_rows(
        kind=kind, filename=filename, content=content, community=community, report=report, on_error=on_error
    )


@transaction.atomic
def import_upload(*, user, community: Unit, filename: str, content: bytes, kind: str = "volunteers"):
    """Keep an uploaded sheet (volunteers, team members, stairwell heads or 门前三包 entries) for
    preview; nothing is imported yet. Returns the batch and the preview report. A file refused as a
    whole raises ``ImportRefused`` and is not kept."""
    from gongjian.participation.choices import ImportKind
    from gongjian.participation.importers import ImportReport
    from gongjian.participation.models import ImportBatch

    _require_at(user, Perm.VOLUNTEER_MANAGE, community.pk, "community")
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Unknown kind of import.")})
    if community.level != UnitLevel.COMMUNITY:
        raise ValidationError({"community": _("Rosters are imported into a community.")})
    report = ImportReport()
    for _chunk in check_rows(kind=kind, filename=filename, content=content, community=community, report=report):
        pass
    batch = ImportBatch(
        kind=kind,
        community=community,
        filename=filename[:200],
        total_rows=report.total,
        valid_rows=report.valid,
        created_by=user,
    )
    suffix = ".xlsx" if content[:2] == b"PK" else ".csv"
    batch.file.save(f"{kind}{suffix}.sealed", ContentFile(privacy.seal_bytes(content)), save=False)
    try:
        batch.save()
        audit_record(actor=user, action="import.upload", target=batch, to_state=batch.status, note=batch.filename)
        # Leftovers of earlier imports are cleared in the background (also `manage.py purge_imports`).
        from gongjian.participation.tasks import imports_purge_task

        transaction.on_commit(imports_purge_task.enqueue)
    except BaseException:
        default_storage.delete(batch.file.name)
        raise
    return batch, report


def import_preview(*, batch, on_error=None):
    from gongjian.participation.importers import ImportReport

    report = ImportReport()
    for _chunk in check_rows(
        kind=batch.kind,
        filename=batch.filename,
        content=import_sheet_content(batch),
        community=batch.community,
        report=report,
        on_error=on_error,
    ):
        pass
    return report


_ROSTER_SAVERS = {
    "stairwell_heads": lambda user, community, args: stairwell_head_set(user=user, **args),
    "frontage": lambda user, community, args: frontage_duty_add(user=user, community=community, **args),
    "team_members": lambda user, community, args: team_member_add(user=user, community=community, **args),
}


def import_confirm(*, user, batch):
    """Save every valid row of a previewed sheet, all in one transaction (a failure saves none);
    invalid rows stay out and can be downloaded with their reasons."""
    from gongjian.participation.choices import ImportKind, ImportStatus
    from gongjian.participation.exporters import ErrorSheet
    from gongjian.participation.importers import ImportReport
    from gongjian.participation.models import ImportBatch

    _require_at(user, Perm.VOLUNTEER_MANAGE, batch.community_id, "batch")
    content = import_sheet_content(batch)
    report = ImportReport()
    sheet = ErrorSheet()
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("community").get(pk=batch.pk)
        if batch.status != ImportStatus.PREVIEW:
            raise Conflict(_("This import has already been saved or cancelled."))
        chunks = check_rows(
            kind=batch.kind,
            filename=batch.filename,
            content=content,
            community=batch.community,
            report=report,
            on_error=sheet.add,
        )
        if batch.kind == ImportKind.VOLUNTEERS:
            saved = volunteers_bulk_save(chunks=chunks, community_id=batch.community_id)
        else:
            saved = 0
            save = _ROSTER_SAVERS[batch.kind]
            for chunk in chunks:
                for _number, _values, args in chunk:
                    save(user, batch.community, args)
                    saved += 1
        if report.error_count:
            sheet.headers = report.headers
            batch.errors_file.save("rows-not-imported.xlsx", ContentFile(sheet.render()), save=False)
        report.saved = saved
        batch.status = ImportStatus.SAVED
        batch.saved_rows = saved
        batch.valid_rows = report.valid
        batch.total_rows = report.total
        # The uploaded sheet (personal data in the clear) is not kept once its rows are saved; only
        # the rows that were not imported stay, for the user to correct.
        uploaded = batch.file.name
        batch.file = ""
        batch.save(
            update_fields=["status", "saved_rows", "valid_rows", "total_rows", "errors_file", "file", "updated_at"]
        )
        transaction.on_commit(lambda: default_storage.delete(uploaded))
        audit_record(
            actor=user,
            action=f"{batch.kind}.import",
            target=batch,
            from_state=ImportStatus.PREVIEW,
            to_state=ImportStatus.SAVED,
            changes={"saved": saved, "rejected": report.error_count},
        )
    return batch, report


def volunteers_bulk_save(*, chunks, community_id: int, registered_on: datetime.date | None = None) -> int:
    """Insert checked rows chunk by chunk, encrypting ID numbers; the caller holds the transaction.

    Rows go in with one ``executemany`` per chunk on the model's own table and columns (``_meta``):
    imports of 100,000 rows spend their time checking rows, not building model instances."""
    from django.db import connection

    sealer = privacy.IdSealer()
    ops = connection.ops
    today = ops.adapt_datefield_value(registered_on or timezone.localdate())
    now = ops.adapt_datetimefield_value(timezone.now())
    meta = Volunteer._meta
    names = [
        "community",
        "name",
        "phone",
        "id_number_token",
        "id_number_hash",
        "id_number_last4",
        "party_status",
        "work_unit",
        "skills",
        "availability",
        "status",
        "source",
        "registered_on",
        "possible_duplicate",
        "created_at",
        "updated_at",
    ]
    columns = ", ".join(ops.quote_name(meta.get_field(name).column) for name in names)
    sql = f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
    active, source = VolunteerStatus.ACTIVE.value, VolunteerSource.IMPORT.value
    saved = 0
    with connection.cursor() as cursor:
        for chunk in chunks:
            if not chunk:
                continue
            params = [
                (
                    community_id,
                    data.name,
                    data.phone,
                    sealer.seal(data.id_number)[0] if data.id_number else "",
                    id_hash,
                    data.id_number[-4:],
                    str(data.party_status),
                    data.work_unit,
                    data.skills,
                    data.availability,
                    active,
                    source,
                    today,
                    False,
                    now,
                    now,
                )
                for _number, _values, data, id_hash in chunk
            ]
            cursor.executemany(sql, params)
            saved += len(params)
    return saved


@transaction.atomic
def import_cancel(*, user, batch) -> None:
    """Drop a previewed sheet: nothing was saved, and the file is deleted."""
    from gongjian.participation.choices import ImportStatus
    from gongjian.participation.models import ImportBatch

    _require_at(user, Perm.VOLUNTEER_MANAGE, batch.community_id, "batch")
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.PREVIEW:
        raise Conflict(_("This import has already been saved or cancelled."))
    name = batch.file.name
    batch.status = ImportStatus.CANCELLED
    batch.file = ""
    batch.save(update_fields=["status", "file", "updated_at"])
    transaction.on_commit(lambda: default_storage.delete(name))
    audit_record(
        actor=user, action="import.cancel", target=batch, from_state=ImportStatus.PREVIEW, to_state=batch.status
    )


@dataclass(frozen=True)
class PurgeResult:
    previews: int
    sheets: int


def imports_purge(*, now: datetime.datetime | None = None) -> PurgeResult:
    """Delete what imports leave behind: sheets uploaded for preview and never confirmed or
    cancelled (after IMPORT_PREVIEW_TTL_HOURS; the batch becomes cancelled) and the sheets of rows
    not imported (after IMPORT_ERRORS_TTL_DAYS). Files go once the database says so."""
    from django.conf import settings

    from gongjian.participation.choices import ImportStatus
    from gongjian.participation.models import ImportBatch

    now = now or timezone.now()
    preview_cutoff = now - datetime.timedelta(hours=settings.IMPORT_PREVIEW_TTL_HOURS)
    sheet_cutoff = now - datetime.timedelta(days=settings.IMPORT_ERRORS_TTL_DAYS)
    previews = sheets = 0
    for batch_id in ImportBatch.objects.filter(status=ImportStatus.PREVIEW, created_at__lt=preview_cutoff).values_list(
        "id", flat=True
    ):
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, status=ImportStatus.PREVIEW).first()
            if batch is None:
                continue
            name = batch.file.name
            batch.status = ImportStatus.CANCELLED
            batch.file = ""
            batch.save(update_fields=["status", "file", "updated_at"])
            if name:
                transaction.on_commit(lambda name=name: default_storage.delete(name))
            audit_record(
                actor=None,
                action="import.expire",
                target=batch,
                from_state=ImportStatus.PREVIEW,
                to_state=batch.status,
                note="preview not confirmed in time",
            )
            previews += 1
    for batch_id in (
        ImportBatch.objects.exclude(errors_file="").filter(updated_at__lt=sheet_cutoff).values_list("id", flat=True)
    ):
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
            name = batch.errors_file.name
            if not name:
                continue
            batch.errors_file = ""
            batch.save(update_fields=["errors_file"])
            transaction.on_commit(lambda name=name: default_storage.delete(name))
            audit_record(actor=None, action="import.errors_purge", target=batch, note="rows-not-imported sheet deleted")
            sheets += 1
    return PurgeResult(previews=previews, sheets=sheets)
