"""Writes to the materials library, each audited: distribute a material with its first version,
add a version (the newest is the latest), and a recipient unit's confirmation of receipt (签收).

Distributing uses the notice permissions: whoever may send notices from a unit (``NOTICE_SEND``)
may distribute materials from it; whoever may acknowledge notices for a unit (``NOTICE_REPLY``)
confirms receipt of materials for it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from gongjian.accounts.access import ROLE_PERMS, Perm, actor_for, perms_at_unit
from gongjian.archives.services.files import FileIn
from gongjian.archives.uploads import FileRejected, accept_file
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.materials.audio import accept_audio
from gongjian.materials.choices import MaterialKind
from gongjian.materials.models import Material, MaterialReceipt, MaterialVersion
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql

AUDIO_MAX_BYTES_DEFAULT = 30 * 1024 * 1024


def audio_max_bytes() -> int:
    return getattr(settings, "MATERIAL_AUDIO_MAX_BYTES", AUDIO_MAX_BYTES_DEFAULT)


def accept_material_file(kind: str, upload: FileIn):
    """The checked file, or ValidationError naming the file: audio for the loudspeaker material,
    the archive's kinds (photos, PDF, .docx, .xlsx) for templates."""
    if upload is None:
        raise ValidationError({"file": _("Choose the file.")})
    try:
        if kind == MaterialKind.AUDIO:
            return accept_audio(upload.data, upload.name, max_bytes=audio_max_bytes())
        return accept_file(upload.data, upload.name, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES)
    except FileRejected as error:
        raise ValidationError({"file": f"{upload.name}: {error.message}"}) from None


def _store_version(*, material: Material, accepted, note: str, actor) -> MaterialVersion:
    number = (material.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = MaterialVersion(
        material=material,
        number=number,
        name=accepted.name,
        kind=accepted.kind,
        content_type=accepted.content_type,
        size=len(accepted.content),
        sha256=accepted.sha256,
        note=(note or "").strip()[:300],
        uploaded_by=actor,
    )
    version.file.save(accepted.name, ContentFile(accepted.content), save=False)
    version.save()
    return version


def material_create(
    *,
    actor,
    owner_unit: Unit,
    kind: str,
    title: str,
    file: FileIn | None,
    description: str = "",
    recipient_level: str = UnitLevel.COMMUNITY,
    note: str = "",
) -> Material:
    if Perm.NOTICE_SEND not in perms_at_unit(actor_for(actor), owner_unit.id):
        raise NotPermitted(_("You cannot distribute materials for this unit."))
    errors = {}
    if kind not in MaterialKind.values:
        errors["kind"] = _("Choose the kind of material.")
    if not (title or "").strip():
        errors["title"] = _("Give the material a title.")
    if recipient_level not in (UnitLevel.STREET, UnitLevel.COMMUNITY):
        errors["recipient_level"] = _("Materials go to streets or to communities.")
    if errors:
        raise ValidationError(errors)
    accepted = accept_material_file(kind, file)
    with transaction.atomic():
        material = Material.objects.create(
            owner_unit=owner_unit,
            kind=kind,
            title=title.strip()[:200],
            description=description or "",
            recipient_level=recipient_level,
            created_by=actor,
        )
        version = _store_version(material=material, accepted=accepted, note=note, actor=actor)
        audit_record(actor=actor, action="material.create", target=material, to_state=f"v{version.number}", note=kind)
    return material


def material_add_version(*, actor, material: Material, file: FileIn | None, note: str = "") -> MaterialVersion:
    """A new version becomes the latest; units confirm it afresh."""
    if Perm.NOTICE_SEND not in perms_at_unit(actor_for(actor), material.owner_unit_id):
        raise NotPermitted(_("You cannot distribute materials for this unit."))
    accepted = accept_material_file(material.kind, file)
    with transaction.atomic():
        Material.objects.select_for_update().filter(pk=material.pk).first()
        version = _store_version(material=material, accepted=accepted, note=note, actor=actor)
        audit_record(actor=actor, action="material.version", target=version, to_state=f"v{version.number}")
    return version


def recipient_units(material: Material):
    return Unit.objects.filter(id__in=subtree_ids_sql([material.owner_unit_id]), level=material.recipient_level)


def confirming_units(actor, material: Material) -> list[Unit]:
    """The recipient units the user answers for: units where they hold a role that acknowledges."""
    own = [g.unit_id for g in actor_for(actor).grants if g.unit_id and Perm.NOTICE_REPLY in ROLE_PERMS.get(g.role, ())]
    if not own:
        return []
    return list(recipient_units(material).filter(id__in=own).order_by("code", "id"))


def receipt_confirm(*, actor, version: MaterialVersion, unit: Unit | None = None) -> MaterialReceipt:
    """Confirm receipt (签收) of one version for the user's unit; confirming twice changes nothing."""
    units = confirming_units(actor, version.material)
    if unit is not None:
        units = [u for u in units if u.pk == unit.pk]
    if not units:
        raise NotPermitted(_("Only a recipient unit can confirm receipt of this material."))
    unit = units[0]
    existing = MaterialReceipt.objects.filter(version=version, unit=unit).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            receipt = MaterialReceipt.objects.create(version=version, unit=unit, confirmed_by=actor)
            audit_record(actor=actor, action="material.confirm", target=receipt, to_state=f"v{version.number}")
    except IntegrityError:  # confirmed at the same moment by a colleague
        return MaterialReceipt.objects.get(version=version, unit=unit)
    return receipt
