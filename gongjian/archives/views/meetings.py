"""Meetings: the list, a new meeting, its page, photos and the follow-up of its decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404, restrict
from gongjian.archives import services
from gongjian.archives.forms import (
    AttendeeFormSet,
    DecisionFormSet,
    FollowUpForm,
    MeetingForm,
    MeetingPhotosForm,
)
from gongjian.archives.models import (
    Evidence,
    Meeting,
    MeetingDecision,
    MeetingPhoto,
)
from gongjian.archives.services import AttendeeIn, DecisionIn
from gongjian.archives.views.common import (
    _can,
    _communities,
    _files_in,
    _id_param,
    _require,
)
from gongjian.core.errors import Conflict, NotPermitted, errors_onto_form
from gongjian.core.exporters import private_image_response
from gongjian.organizations.models import CobuildUnit, Pairing


def _meetings_in_scope(request, perm: Perm = Perm.ARCHIVE_VIEW):
    return restrict(Meeting.objects.all(), actor_for(request.user), perm, unit_field="unit")


@login_required
def meeting_list(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ARCHIVE_VIEW)
    meetings = (
        _meetings_in_scope(request)
        .select_related("unit")
        .annotate(
            open_decisions=Count("decisions", filter=Q(decisions__status="open"), distinct=True),
            photo_count=Count("photos", distinct=True),
        )
    )
    unit_id = _id_param(request.GET.get("unit"))
    if unit_id is not None:
        meetings = meetings.filter(unit_id=unit_id)
    page = Paginator(meetings.order_by("-held_on", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "archives/meeting_list.html",
        {
            "page": page,
            "can_create": actor.has_perm(Perm.ARCHIVE_MANAGE) and _communities(actor, Perm.ARCHIVE_MANAGE).exists(),
        },
    )


def _cobuild_units_for(communities) -> list[CobuildUnit]:
    ids = Pairing.objects.filter(community__in=communities).values_list("cobuild_unit_id", flat=True)
    return list(CobuildUnit.objects.filter(pk__in=ids).order_by("name"))


@login_required
def meeting_create(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ARCHIVE_MANAGE)
    communities = list(_communities(actor, Perm.ARCHIVE_MANAGE))
    if not communities:
        raise PermissionDenied
    cobuild_units = _cobuild_units_for(communities)
    post, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = MeetingForm(post, files, communities=communities)
    attendees = AttendeeFormSet(post, prefix="att", form_kwargs={"cobuild_units": cobuild_units})
    decisions = DecisionFormSet(post, prefix="dec")
    if request.method == "POST" and form.is_valid() and attendees.is_valid() and decisions.is_valid():
        data = form.cleaned_data
        unit = next(c for c in communities if str(c.pk) == data["unit"])
        try:
            meeting = services.meeting_create(
                user=request.user,
                unit=unit,
                kind=data["kind"],
                title=data["title"],
                held_on=data["held_on"],
                place=data["place"],
                minutes=data["minutes"],
                attendees=[
                    AttendeeIn(
                        name=a["name"],
                        organisation=a.get("organisation", ""),
                        cobuild_unit_id=int(a["cobuild_unit"]) if a.get("cobuild_unit") else None,
                        is_head=bool(a.get("is_head")),
                    )
                    for a in attendees.cleaned_data
                    if a.get("name")
                ],
                decisions=[
                    DecisionIn(text=d["text"], owner=d["owner"], due_on=d["due_on"])
                    for d in decisions.cleaned_data
                    if d.get("text")
                ],
                photos=_files_in(data["photos"], data["captions"], field="photos"),
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message)) from None
        else:
            messages.success(request, _("Meeting “%(title)s” recorded and archived.") % {"title": meeting.title})
            return redirect("archives:meeting", pk=meeting.pk)
    invalid = bool(form.errors or attendees.total_error_count() or decisions.total_error_count())
    return render(
        request,
        "archives/meeting_form.html",
        {"form": form, "attendees": attendees, "decisions": decisions},
        status=400 if request.method == "POST" and invalid else 200,
    )


def _meeting(request, pk: int) -> Meeting:
    return get_scoped_or_404(
        Meeting.objects.select_related("unit", "created_by"),
        actor_for(request.user),
        Perm.ARCHIVE_VIEW,
        unit_field="unit",
        pk=pk,
    )


def _meeting_page(request, meeting: Meeting, *, status=200, decision_errors=None, photos_form=None, conflict=None):
    can_manage = _can(request, Perm.ARCHIVE_MANAGE, meeting.unit_id)
    decisions = list(meeting.decisions.all())
    for d in decisions:
        errors = (decision_errors or {}).get(d.pk)
        d.form = errors or FollowUpForm(
            initial={"version": d.version, "status": d.status, "done_on": d.done_on, "follow_up": d.follow_up},
            prefix=f"d{d.pk}",
        )
    record = Evidence.objects.current().filter(source="meeting", source_id=meeting.pk).first()
    return render(
        request,
        "archives/meeting_detail.html",
        {
            "meeting": meeting,
            "attendees": meeting.attendees.select_related("cobuild_unit"),
            "decisions": decisions,
            "photos": meeting.photos.all(),
            "record": record,
            "can_manage": can_manage,
            "photos_form": photos_form or MeetingPhotosForm(),
            "conflict": conflict,
        },
        status=status,
    )


@login_required
def meeting_detail(request, pk: int):
    return _meeting_page(request, _meeting(request, pk))


@login_required
@require_POST
def meeting_photos(request, pk: int):
    meeting = _meeting(request, pk)
    form = MeetingPhotosForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.meeting_photo_add(
                user=request.user,
                meeting=meeting,
                photos=_files_in(form.cleaned_data["photos"], form.cleaned_data["captions"], field="photos"),
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message)) from None
        else:
            messages.success(request, _("Photos added."))
            return redirect("archives:meeting", pk=meeting.pk)
    return _meeting_page(request, meeting, status=400, photos_form=form)


@login_required
def meeting_photo(request, pk: int, kind: str):
    photo = get_scoped_or_404(
        MeetingPhoto.objects.all(), actor_for(request.user), Perm.ARCHIVE_VIEW, unit_field="meeting__unit", pk=pk
    )
    if kind == "thumb" and not photo.thumbnail:
        kind = "full"
    return private_image_response(photo, kind)


@login_required
@require_POST
def decision_follow_up(request, pk: int):
    decision = get_scoped_or_404(
        MeetingDecision.objects.select_related("meeting", "meeting__unit"),
        actor_for(request.user),
        Perm.ARCHIVE_VIEW,
        unit_field="meeting__unit",
        pk=pk,
    )
    meeting = decision.meeting
    form = FollowUpForm(request.POST, prefix=f"d{decision.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_follow_up(
                user=request.user,
                decision=decision,
                expected_version=data["version"],
                status=data["status"],
                follow_up=data["follow_up"],
                done_on=data["done_on"],
            )
        except Conflict as conflict:
            return _meeting_page(request, meeting, status=409, conflict=conflict.message)
        except ValidationError as error:
            errors_onto_form(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message)) from None
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect(f"{reverse('archives:meeting', args=[meeting.pk])}#decision-{decision.pk}")
    return _meeting_page(request, meeting, status=400, decision_errors={decision.pk: form})
