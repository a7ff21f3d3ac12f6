"""Evidence records: a record's page, captions written in place, withdrawal, a new record and
its stored files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404, restrict
from gongjian.archives import periods, services
from gongjian.archives.forms import (
    CaptionForm,
    EvidenceForm,
    WithdrawForm,
)
from gongjian.archives.models import (
    Evidence,
    EvidenceFile,
    Mechanism,
)
from gongjian.archives.views.common import (
    _can,
    _error_text,
    _files_in,
    _id_param,
    _sections_for,
    _unit,
)
from gongjian.core.errors import Conflict, NotPermitted, errors_onto_form
from gongjian.core.exporters import private_image_response
from gongjian.core.storage import file_response


def _evidence_versions(request, key, perm: Perm = Perm.ARCHIVE_VIEW):
    actor = actor_for(request.user)
    qs = restrict(Evidence.objects.all(), actor, perm, unit_field="unit").filter(record_key=key)
    versions = list(qs.select_related("unit", "created_by", "mechanism").order_by("-version"))
    if not versions:
        raise Http404
    return versions


def _record_page(request, key, *, status=200, caption_error=None, withdraw_form=None, conflict=None):
    versions = _evidence_versions(request, key)
    current = next((v for v in versions if v.is_current), versions[0])
    shown = current
    wanted = _id_param(request.GET.get("version"))
    if wanted is not None:
        shown = next((v for v in versions if v.version == wanted), current)
    files = list(shown.files.order_by("position", "id"))
    can_manage = _can(request, Perm.ARCHIVE_MANAGE, current.unit_id) and not current.withdrawn
    editable = can_manage and shown.pk == current.pk
    for f in files:
        f.caption_form = (
            CaptionForm(
                initial={"file_id": f.pk, "version": current.version, "caption": f.caption}, auto_id=f"id_f{f.pk}_%s"
            )
            if editable and f.is_image
            else None
        )
    return render(
        request,
        "archives/record.html",
        {
            "record": shown,
            "current": current,
            "versions": versions,
            "files": files,
            "rule_items": shown.rule_items.order_by("position", "code"),
            "can_manage": can_manage,
            "editable": editable,
            "caption_error": caption_error,
            "conflict": conflict,
            "withdraw_form": withdraw_form or WithdrawForm(initial={"version": current.version}),
            "period": periods.from_fields(shown.period_kind, shown.period_start),
            "archive_period": periods.of(periods.YEAR, shown.period_start).code,
        },
        status=status,
    )


@login_required
def record_detail(request, key):
    return _record_page(request, key)


@login_required
@require_POST
def caption(request, key):
    """Give one photo its caption: a new version of the record, the old one kept."""
    versions = _evidence_versions(request, key)
    current = next((v for v in versions if v.is_current), versions[0])
    form = CaptionForm(request.POST)
    if not form.is_valid():
        return _record_page(request, key, status=400, caption_error=_("The caption could not be read; try again."))
    data = form.cleaned_data
    try:
        revised = services.caption_set(
            user=request.user,
            evidence=current,
            expected_version=data["version"],
            file_id=data["file_id"],
            caption=data["caption"],
        )
    except Conflict as conflict:
        return _record_page(request, key, status=409, conflict=conflict.message)
    except ValidationError as error:
        return _record_page(request, key, status=400, caption_error=_error_text(error))
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message)) from None
    messages.success(request, _("Caption saved; the record is now version %(version)s.") % {"version": revised.version})
    return redirect(f"{reverse('archives:record', args=[key])}#files")


@login_required
@require_POST
def withdraw(request, key):
    versions = _evidence_versions(request, key)
    current = next((v for v in versions if v.is_current), versions[0])
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _record_page(request, key, status=400, withdraw_form=form)
    try:
        services.evidence_withdraw(
            user=request.user,
            evidence=current,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except Conflict as conflict:
        return _record_page(request, key, status=409, conflict=conflict.message)
    except ValidationError as error:
        errors_onto_form(form, error)
        return _record_page(request, key, status=400, withdraw_form=form)
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message)) from None
    messages.success(request, _("The record has been withdrawn; its versions are kept."))
    return redirect(
        f"{reverse('archives:unit', args=[current.unit_id])}?period={periods.of(periods.YEAR, current.date).code}"
    )


@login_required
def record_create(request, unit_id: int):
    unit = _unit(request, unit_id, Perm.ARCHIVE_MANAGE)
    sections = _sections_for(unit)
    mechanisms = list(Mechanism.objects.filter(unit=unit).order_by("kind"))
    initial = {}
    item = _id_param(request.GET.get("item"))
    if item is not None:
        initial["rule_items"] = [str(item)]
    form = EvidenceForm(
        request.POST or None, request.FILES or None, sections=sections, mechanisms=mechanisms, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items = {str(s.rule_item_id): s.rule_item for s in sections}
        mechanism = next((m for m in mechanisms if str(m.pk) == data["mechanism"]), None)
        try:
            evidence = services.evidence_create(
                user=request.user,
                unit=unit,
                period=form.period(),
                kind=data["kind"],
                title=data["title"],
                date=data["date"],
                rule_items=[items[i] for i in data["rule_items"]],
                text=data["text"],
                author=data["author"],
                files=_files_in(data["files"], data["captions"], field="files"),
                mechanism=mechanism,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message)) from None
        else:
            messages.success(request, _("Record “%(title)s” archived.") % {"title": evidence.title})
            return redirect("archives:record", key=evidence.record_key)
    return render(
        request,
        "archives/record_form.html",
        {"form": form, "unit": unit, "has_template": bool(sections)},
        status=400 if form.errors else 200,
    )


@login_required
def evidence_file(request, pk: int, kind: str):
    """A file of a record, through the viewer's scope: a photo (``full``/``thumb``) or a download."""
    if kind not in ("full", "thumb", "download"):
        raise Http404
    row = get_scoped_or_404(
        EvidenceFile.objects.select_related("evidence"),
        actor_for(request.user),
        Perm.ARCHIVE_VIEW,
        unit_field="evidence__unit",
        pk=pk,
    )
    if row.is_image and kind in ("full", "thumb"):
        if kind == "thumb" and not row.thumbnail:
            kind = "full"
        return private_image_response(row, kind)
    return file_response(row.file, content_type=row.content_type or "application/octet-stream", filename=row.name)
