"""The life of an activity on a phone: record it as held (day, attendance, volunteers' hours,
photos with captions), cancel it with a reason, archive it. Every page sends the version it
showed; a stale one is refused with a message and nothing changes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for
from gongjian.core.errors import Conflict, NotPermitted, errors_onto_form
from gongjian.core.inputs import read_upload
from gongjian.inspections import fieldwork
from gongjian.inspections.models import PhotoUpload
from gongjian.participation import lifecycle, selectors, services
from gongjian.participation.choices import VolunteerStatus
from gongjian.participation.forms import ActivityArchiveForm, ActivityCancelForm, ActivityHoldForm
from gongjian.participation.views._common import _perms


def _managed(request, pk: int):
    """The activity (404 outside the actor's places) and a 403 for those who only read it."""
    actor = actor_for(request.user)
    activity = selectors.activity_get(actor=actor, activity_id=pk)
    if Perm.ACTIVITY_MANAGE not in _perms(actor, activity.community_id):
        raise PermissionDenied
    return actor, activity


@login_required
def activity_hold(request, pk: int):
    actor, activity = _managed(request, pk)
    if lifecycle.Action.HOLD not in lifecycle.actions_from(activity.status):
        messages.error(request, _("Only a planned activity can be recorded as held."))
        return redirect("participation:activity", pk=pk)
    from gongjian.participation.activity_plans import hold_refusal

    refusal = hold_refusal(activity)
    if refusal:
        messages.error(request, refusal)
        return redirect("participation:activity-plan", pk=pk)
    volunteers = (
        selectors.volunteers_visible(actor=actor)
        .filter(status=VolunteerStatus.ACTIVE, community_id=activity.community_id)
        .order_by("name")[:300]
    )
    form = ActivityHoldForm(
        request.POST or None,
        request.FILES or None,
        volunteers=volunteers,
        initial={"version": activity.version, "held_on": timezone.localtime(activity.starts_at).date()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            kept = form.kept_tokens()
            taken = fieldwork.photo_uploads_take(user=request.user, tokens=list(kept.values()))
            contents = dict(zip(kept, taken.contents, strict=True))
            contents.update({k: read_upload(upload) for k, upload, _caption in form.photos()})
            captions = {k: data[f"caption_{k}"].strip() for k in contents}
            services.activity_hold(
                user=request.user,
                activity=activity,
                held_on=data["held_on"],
                attendance=data["attendance"],
                summary=data["summary"],
                volunteers=[services.VolunteerHours(v, hours) for v, hours in form.hours()],
                photos=[(contents[k], captions[k]) for k in sorted(contents)],
                version=data["version"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        except Conflict as conflict:
            form.add_error(None, conflict.message)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        else:
            taken.discard()
            messages.success(request, _("Recorded as held."))
            return redirect("participation:activity", pk=pk)
    return render(
        request,
        "participation/activity_hold.html",
        {"activity": activity, "form": form, "slots": _photo_slots(request, form)},
        status=400 if form.errors else 200,
    )


def _photo_slots(request, form) -> list[tuple[object, object, PhotoUpload | None]]:
    """Each photo slot with the photo kept for it: after a refused submit, a photo chosen in it is
    kept on the server (a ``PhotoUpload``, as the field app's photos sent ahead) and shown, so it
    need not be chosen again; the form sends its token back."""
    slots = []
    for k, (photo, caption) in enumerate(form.photo_slots(), start=1):
        upload = None
        if request.method == "POST":
            chosen = request.FILES.get(f"photo_{k}")
            if chosen is not None and f"photo_{k}" not in form.errors:
                try:
                    chosen.seek(0)
                    upload = fieldwork.photo_upload_create(user=request.user, data=chosen.read())
                except ValidationError as error:
                    form.add_error(f"photo_{k}", error.message_dict.get("photo", error.messages))
            elif token := request.POST.get(f"photo_token_{k}", "").strip():
                try:
                    upload = fieldwork.photo_upload_get(user=request.user, token=token)
                except (PhotoUpload.DoesNotExist, ValidationError):
                    upload = None
        slots.append((photo, caption, upload))
    return slots


@login_required
def activity_cancel(request, pk: int):
    _actor, activity = _managed(request, pk)
    if lifecycle.Action.CANCEL not in lifecycle.actions_from(activity.status):
        messages.error(request, _("Only a planned activity can be cancelled."))
        return redirect("participation:activity", pk=pk)
    form = ActivityCancelForm(request.POST or None, initial={"version": activity.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_cancel(
                user=request.user,
                activity=activity,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        except Conflict as conflict:
            form.add_error(None, conflict.message)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        else:
            messages.success(request, _("Activity cancelled."))
            return redirect("participation:activity", pk=pk)
    return render(
        request,
        "participation/activity_cancel.html",
        {"activity": activity, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def activity_archive(request, pk: int):
    _actor, activity = _managed(request, pk)
    form = ActivityArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("participation:activity", pk=pk)
    try:
        services.activity_archive(user=request.user, activity=activity, version=form.cleaned_data["version"])
    except Conflict as conflict:
        messages.error(request, conflict.message)
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message))
    else:
        messages.success(request, _("Activity archived."))
    return redirect("participation:activity", pk=pk)
