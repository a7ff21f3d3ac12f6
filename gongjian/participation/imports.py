"""Import services for the pages: an uploaded sheet is kept (sealed) after a check of its header
only, and its rows are checked by a background job (``tasks.import_preview``) whose result is the
preview. ``services.import_upload`` (which checks every row at once) stays for commands and tests.

A file refused as a whole at the door (type, emptiness, merged cells, headers) keeps nothing; one
refused while its rows are checked (too many rows, damaged further on) is dropped by
``import_refuse``: the batch is cancelled and its file deleted, nothing imported."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm
from gongjian.core.audit import audit_record
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.participation import privacy
from gongjian.participation.choices import ImportKind, ImportStatus
from gongjian.participation.importers import check_header
from gongjian.participation.models import ImportBatch


@transaction.atomic
def import_receive(*, user, community: Unit, filename: str, content: bytes, kind: str = "volunteers"):
    """Keep an uploaded sheet for preview and queue the check of its rows; nothing is imported.
    Returns the batch and the preview job. Raises ``ImportRefused`` (nothing kept) when the file's
    type or header row is wrong, ``ValidationError`` for a wrong kind or community."""
    from gongjian.participation.services import _require_at
    from gongjian.participation.tasks import import_preview_request

    _require_at(user, Perm.VOLUNTEER_MANAGE, community.pk, "community")
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Unknown kind of import.")})
    if community.level != UnitLevel.COMMUNITY:
        raise ValidationError({"community": _("Rosters are imported into a community.")})
    check_header(kind=kind, filename=filename, content=content)
    batch = ImportBatch(kind=kind, community=community, filename=filename[:200], created_by=user)
    suffix = ".xlsx" if content[:2] == b"PK" else ".csv"
    batch.file.save(f"{kind}{suffix}.sealed", ContentFile(privacy.seal_bytes(content)), save=False)
    try:
        batch.save()
        audit_record(actor=user, action="import.upload", target=batch, to_state=batch.status, note=batch.filename)
        job = import_preview_request(user=user, batch=batch, language=translation.get_language())
        # Leftovers of earlier imports are cleared in the background (also `manage.py purge_imports`).
        from gongjian.participation.tasks import imports_purge_task

        transaction.on_commit(imports_purge_task.enqueue)
    except BaseException:
        default_storage.delete(batch.file.name)
        raise
    return batch, job


@transaction.atomic
def import_refuse(*, user, batch_id: int, reason: str) -> bool:
    """Drop a sheet refused as a whole while its rows were checked: the batch is cancelled and its
    file deleted (nothing was imported). False when it was saved or cancelled meanwhile."""
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, status=ImportStatus.PREVIEW).first()
    if batch is None:
        return False
    name = batch.file.name
    batch.status = ImportStatus.CANCELLED
    batch.file = ""
    batch.save(update_fields=["status", "file", "updated_at"])
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
    audit_record(
        actor=user,
        action="import.refuse",
        target=batch,
        from_state=ImportStatus.PREVIEW,
        to_state=batch.status,
        note=reason[:500],
    )
    return True


def import_previews_forget() -> int:
    """Forget the previews of sheets no longer waiting for confirmation (saved, cancelled, refused or
    expired): the preview job's result (the first rows with errors) and its sheet of rejected rows
    are deleted, as the import's own leftovers are (``services.imports_purge``). Returns how many."""
    from django.db.models import Q

    from gongjian.core.jobs.models import FINISHED, Job
    from gongjian.participation.tasks import PREVIEW

    waiting = set(ImportBatch.objects.filter(status=ImportStatus.PREVIEW).values_list("id", flat=True))
    forgotten = 0
    jobs = Job.objects.filter(kind=PREVIEW, status__in=FINISHED).filter(~Q(file="") | ~Q(result={}))
    for job in jobs.only("id", "params", "file", "kind", "title"):
        if job.params.get("batch") in waiting:
            continue
        with transaction.atomic():
            name = job.file.name
            Job.objects.filter(pk=job.pk).update(result={}, file="", filename="", size=0, sha256="")
            if name:
                transaction.on_commit(lambda name=name: default_storage.delete(name))
            audit_record(actor=None, action="job.forget", target=job, note="import preview")
        forgotten += 1
    return forgotten
