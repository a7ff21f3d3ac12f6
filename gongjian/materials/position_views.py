"""Pages of propaganda positions: the register (stale ones flagged), registering a position, a
position with its updates, recording an update with a photo, removing one recorded by mistake,
and the photos."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, can_on_unit, restrict
from gongjian.core.errors import NotPermitted
from gongjian.core.storage import file_response
from gongjian.core.views import error_403
from gongjian.materials import positions
from gongjian.materials.forms import PositionForm, PositionUpdateForm
from gongjian.materials.models import PositionUpdate
from gongjian.materials.views import _add_errors
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit


def _keeper_units(actor):
    return list(
        restrict(
            Unit.objects.filter(level__in=[UnitLevel.STREET, UnitLevel.COMMUNITY]),
            actor,
            Perm.ARCHIVE_MANAGE,
            unit_field="id",
        ).order_by("level", "code", "id")[:300]
    )


def _read(request, field: str) -> bytes | None:
    f = request.FILES.get(field)
    return f.read() if f else None


@login_required
def position_index(request):
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.ARCHIVE_VIEW):
        raise Http404
    units = _keeper_units(actor)
    form = PositionForm(units=units) if units else None
    if request.method == "POST":
        if not units:
            return error_403(request)
        form = PositionForm(request.POST, request.FILES, units=units)
        if form.is_valid():
            data = form.cleaned_data
            unit = next(u for u in units if u.pk == data["unit"])
            try:
                position = positions.position_register(
                    actor=request.user,
                    unit=unit,
                    kind=data["kind"],
                    name=data["name"],
                    address=data["address"],
                    lat=data["lat"],
                    lng=data["lng"],
                    photo=_read(request, "photo"),
                )
            except ValidationError as error:
                _add_errors(form, error)
            except NotPermitted as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("The position is registered."))
                return redirect("materials:position", position.pk)
    rows = positions.with_status(positions.position_list(actor=actor)[:500])
    show = request.GET.get("show", "")
    if show == "stale":
        rows = [p for p in rows if p.is_stale]
    return render(
        request,
        "materials/position_list.html",
        {"rows": rows, "form": form, "show": show, "stale_count": sum(1 for p in rows if p.is_stale)},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def position_detail(request, pk):
    actor = actor_for(request.user)
    position = positions.position_get(actor=actor, position_id=pk)
    can_update = can_on_unit(actor, Perm.ARCHIVE_MANAGE, position.unit_id)
    form = PositionUpdateForm() if can_update else None
    status = 200
    if request.method == "POST":
        if not can_update:
            return error_403(request)
        form = PositionUpdateForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                positions.position_record_update(
                    actor=request.user,
                    position=position,
                    updated_on=form.cleaned_data["updated_on"],
                    theme=form.cleaned_data["theme"],
                    photo=_read(request, "photo"),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The update is recorded."))
                return redirect("materials:position", position.pk)
        status = 400
    [position] = positions.with_status([position])
    return render(
        request,
        "materials/position_detail.html",
        {"position": position, "updates": position.updates.all()[:100], "form": form, "can_update": can_update},
        status=status,
    )


@login_required
@require_POST
def update_remove(request, update_id):
    """Remove an update recorded by mistake, with the reason (audited; a month it counted for
    becomes stale). Outside the scope 404, a reader 403, no reason: the page says so, nothing changes."""
    actor = actor_for(request.user)
    update = _update_get(actor, update_id)
    if not can_on_unit(actor, Perm.ARCHIVE_MANAGE, update.position.unit_id):
        return error_403(request)
    try:
        positions.position_update_remove(actor=request.user, update=update, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The update of %(day)s is removed.") % {"day": f"{update.updated_on:%Y-%m-%d}"})
    return redirect("materials:position", update.position_id)


def _update_get(actor, update_id) -> PositionUpdate:
    """An update of a position the actor may see, else 404 (whether it exists or not)."""
    try:
        update = PositionUpdate.objects.select_related("position").get(pk=int(update_id))
    except (PositionUpdate.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None
    positions.position_get(actor=actor, position_id=update.position_id)
    return update


@login_required
def position_photo(request, pk):
    position = positions.position_get(actor=actor_for(request.user), position_id=pk)
    if not position.photo:
        raise Http404
    return file_response(position.photo, content_type="image/jpeg")


@login_required
def update_photo(request, update_id):
    update = _update_get(actor_for(request.user), update_id)
    field = update.thumbnail if request.GET.get("thumb") and update.thumbnail else update.photo
    return file_response(field, content_type="image/jpeg")
