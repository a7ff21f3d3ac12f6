"""Material receipts and propaganda position updates file themselves in the unit's archive as
evidence, like notice receipts (gongjian/notices/evidence.py): a receipt as a document record with
the received file, an update as a photo record."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.archives.choices import EvidenceKind, EvidenceSource
from gongjian.archives.services.collection import _collect, _in_site_language
from gongjian.archives.services.files import StoredFile
from gongjian.materials.models import MaterialReceipt, PositionUpdate


@_in_site_language
def collect_from_material_receipt(receipt: MaterialReceipt, *, actor=None, cache: dict | None = None):
    version = receipt.version
    material = version.material
    when = timezone.localtime(receipt.confirmed_at)
    text = "\n".join(
        [
            _("Distributed by: %(unit)s") % {"unit": material.owner_unit.name},
            _("Version %(number)s, uploaded %(when)s")
            % {"number": version.number, "when": f"{timezone.localtime(version.uploaded_at):%Y-%m-%d}"},
            _("Receipt confirmed: %(when)s") % {"when": f"{when:%Y-%m-%d %H:%M}"},
        ]
    )
    kind = version.kind if version.kind in ("image", "pdf", "docx", "xlsx") else ""
    files = (
        [
            StoredFile(
                file_name=version.file.name,
                thumbnail_name="",
                name=version.name,
                caption=version.name,
                taken_at=None,
                width=None,
                height=None,
                kind=kind,
                content_type=version.content_type,
            )
        ]
        if kind
        else []
    )
    return _collect(
        source=EvidenceSource.MATERIAL,
        source_id=receipt.pk,
        unit=receipt.unit,
        kind=EvidenceKind.DOCUMENT,
        title=_("Material received: %(title)s (version %(number)s)")
        % {"title": material.title, "number": version.number},
        date=when.date(),
        text=text,
        files=files,
        actor=actor,
        cache=cache,
    )


@_in_site_language
def collect_from_position_update(update: PositionUpdate, *, actor=None, cache: dict | None = None):
    position = update.position
    files = [
        StoredFile(
            file_name=update.photo.name,
            thumbnail_name=update.thumbnail.name or "",
            name=f"{position.name}-{update.updated_on:%Y%m%d}.jpg",
            caption=update.theme,
            taken_at=None,
            width=update.width,
            height=update.height,
            kind="image",
            content_type="image/jpeg",
        )
    ]
    return _collect(
        source=EvidenceSource.POSITION,
        source_id=update.pk,
        unit=position.unit,
        kind=EvidenceKind.PHOTO_SET,
        title=_("%(position)s updated: %(theme)s") % {"position": position.name, "theme": update.theme},
        date=update.updated_on,
        text=f"{position.get_kind_display()} · {position.name}\n{update.theme}",
        files=files,
        actor=actor,
        cache=cache,
    )
