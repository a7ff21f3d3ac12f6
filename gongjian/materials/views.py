"""Pages of the materials library: the list, distributing a material, a material with its versions
(the latest marked, audio played in the page), a recipient's confirmation of receipt (签收), the
distributor's view of who has not confirmed, and the files (audio with Range, for seeking)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.archives.services.files import FileIn
from gongjian.core.errors import NotPermitted
from gongjian.core.storage import file_response
from gongjian.core.views import error_403
from gongjian.materials import selectors, services
from gongjian.materials.choices import MaterialKind
from gongjian.materials.forms import MaterialForm, VersionForm
from gongjian.materials.ranges import ranged_file_response
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit


def _owners(actor):
    return list(
        restrict(
            Unit.objects.filter(level__in=[UnitLevel.CITY, UnitLevel.DISTRICT, UnitLevel.STREET]),
            actor,
            Perm.NOTICE_SEND,
            unit_field="id",
        ).order_by("level", "code", "id")[:50]
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _upload(request) -> FileIn | None:
    f = request.FILES.get("file")
    return FileIn(name=f.name, data=f.read()) if f else None


def _too_large(form, request) -> bool:
    f = request.FILES.get("file")
    limit = max(services.audio_max_bytes(), settings.ARCHIVE_FILE_MAX_BYTES)
    if f and f.size > limit:
        form.add_error("file", _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)})
        return True
    return False


def _material_form(*args, owners):
    form = MaterialForm(*args, owners=owners)
    # Not the problem's "Description" (问题描述): a material's description is a note about it.
    form.fields["description"].label = pgettext("material", "Description")
    return form


@login_required
def material_index(request):
    actor = actor_for(request.user)
    owners = _owners(actor)
    if not actor.has_perm(Perm.NOTICE_VIEW) and not owners:
        raise Http404
    form = _material_form(owners=owners) if owners else None
    if request.method == "POST":
        if not owners:
            return error_403(request)
        form = _material_form(request.POST, request.FILES, owners=owners)
        if form.is_valid() and not _too_large(form, request):
            data = form.cleaned_data
            owner = next(u for u in owners if u.pk == data["owner_unit"])
            try:
                material = services.material_create(
                    actor=request.user,
                    owner_unit=owner,
                    kind=data["kind"],
                    title=data["title"],
                    description=data["description"],
                    recipient_level=data["recipient_level"],
                    file=_upload(request),
                )
            except ValidationError as error:
                _add_errors(form, error)
            except NotPermitted as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("The material is distributed."))
                return redirect("materials:detail", material.pk)
    materials = selectors.material_list(actor=actor)[:200]
    return render(
        request,
        "materials/material_list.html",
        {"materials": materials, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


def _detail_context(request, material, **extra):
    actor = actor_for(request.user)
    versions = list(material.versions.all())
    latest = versions[0] if versions else None
    own_units = services.confirming_units(request.user, material)
    own_receipts = {}
    if latest and own_units:
        own_receipts = {r.unit_id: r for r in latest.receipts.filter(unit__in=own_units)}
    rows = selectors.version_receipts(actor=actor, version=latest) if latest else []
    sender_side = selectors.is_sender_side(actor=actor, material=material)
    context = {
        "material": material,
        "versions": versions,
        "latest": latest,
        "is_audio": material.kind == MaterialKind.AUDIO,
        "own": [{"unit": u, "receipt": own_receipts.get(u.pk)} for u in own_units],
        "rows": rows,
        "missing": [r for r in rows if r["receipt"] is None],
        "sender_side": sender_side,
        "version_form": VersionForm() if sender_side else None,
    }
    context.update(extra)
    return context


@login_required
def material_detail(request, pk):
    material = selectors.material_get(actor=actor_for(request.user), material_id=pk)
    return render(request, "materials/material_detail.html", _detail_context(request, material))


@login_required
@require_POST
def material_add_version(request, pk):
    material = selectors.material_get(actor=actor_for(request.user), material_id=pk)
    form = VersionForm(request.POST, request.FILES)
    if form.is_valid() and not _too_large(form, request):
        try:
            version = services.material_add_version(
                actor=request.user, material=material, file=_upload(request), note=form.cleaned_data["note"]
            )
        except NotPermitted:
            return error_403(request)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Version %(number)s is now the latest.") % {"number": version.number})
            return redirect("materials:detail", material.pk)
    return render(
        request, "materials/material_detail.html", _detail_context(request, material, version_form=form), status=400
    )


@login_required
@require_POST
def material_confirm(request, pk, version_id):
    material = selectors.material_get(actor=actor_for(request.user), material_id=pk)
    version = selectors.version_get(material=material, version_id=version_id)
    try:
        services.receipt_confirm(actor=request.user, version=version)
    except NotPermitted:
        return error_403(request)
    messages.success(request, _("Receipt confirmed."))
    return redirect("materials:detail", material.pk)


@login_required
def version_file(request, pk, version_id):
    material = selectors.material_get(actor=actor_for(request.user), material_id=pk)
    version = selectors.version_get(material=material, version_id=version_id)
    if version.kind == "audio" and "download" not in request.GET:
        return ranged_file_response(request, version.file, content_type=version.content_type)
    return file_response(version.file, filename=version.name, content_type=version.content_type)
