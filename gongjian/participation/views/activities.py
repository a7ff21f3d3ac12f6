"""Activity pages: the list and its export, recording, an activity, its photos, the calendar and
the diversity table (holding, cancelling and archiving: ``lifecycle``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjian.accounts.access import Perm, actor_for
from gongjian.core.errors import NotPermitted, errors_onto_form
from gongjian.core.exporters import download_response, private_image_response
from gongjian.core.listing import FilteredList
from gongjian.participation import lifecycle, selectors, services
from gongjian.participation.choices import VolunteerStatus
from gongjian.participation.exporters import ActivityExporter
from gongjian.participation.filters import ActivityFilterForm, QuarterForm
from gongjian.participation.forms import (
    ActivityForm,
)
from gongjian.participation.views._common import _perms, _require

# --- activities ---------------------------------------------------------------------------------


ACTIVITIES = FilteredList(
    form_class=ActivityFilterForm,
    perm=Perm.PARTICIPATION_VIEW,
    select=selectors.activity_list,
    template="participation/activity_list.html",
    exporter=lambda request, activities, filters: ActivityExporter(activities, filters=filters).render(),
    builder="gongjian.participation.views.activity_export_build",
    export_name=gettext_lazy("Activities"),
)


@login_required
def activity_list(request):
    actor = actor_for(request.user)
    return ACTIVITIES.list_response(
        request,
        lambda page: {"types": selectors.activity_types(), "can_record": actor.has_perm(Perm.ACTIVITY_MANAGE)},
    )


@login_required
def activity_export(request):
    return ACTIVITIES.export(request)


def activity_export_build(request):
    """The activity export as a background job makes it (gongjian.core.jobs.exports)."""
    return ACTIVITIES.build(request)


@login_required
def activity_create(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ACTIVITY_MANAGE)
    communities = list(selectors.communities_for(actor=actor, perm=Perm.ACTIVITY_MANAGE))
    types = list(selectors.activity_types())
    community_ids = [c.pk for c in communities]
    units = list(
        selectors.cobuild_units_visible(actor=actor).filter(pairings__community_id__in=community_ids).distinct()
    )
    volunteers = list(
        selectors.volunteers_visible(actor=actor)
        .filter(status=VolunteerStatus.ACTIVE, community_id__in=community_ids)
        .select_related("community")
        .order_by("community__code", "name")[:2000]
    )
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        communities=communities,
        types=types,
        units=units,
        volunteers=volunteers,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at = data["starts_at"]
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        photos = [f.read() for f in data["photos"]]
        captions = form.caption_list()
        if len(captions) < len(photos):
            form.add_error("captions", _("Write one caption line for each photo."))
        else:
            community = next(c for c in communities if str(c.pk) == data["community"])
            from gongjian.organizations.tree import ancestor_ids_sql
            from gongjian.participation.models import MonthlyTheme

            local = timezone.localtime(starts_at).date()
            theme = (
                MonthlyTheme.objects.filter(unit_id__in=ancestor_ids_sql([community.pk]), month=local.replace(day=1))
                .order_by("-unit__level")
                .first()
            )
            try:
                activity = services.activity_record(
                    user=request.user,
                    community=community,
                    type=next(t for t in types if t.code == data["type"]),
                    title=data["title"],
                    organiser=data["organiser"],
                    status=data["status"],
                    starts_at=starts_at,
                    place=data["place"],
                    summary=data["summary"],
                    theme=theme,
                    units=[
                        services.UnitAttendance(cobuild_unit=u, head_attended=str(u.pk) in data["head_units"])
                        for u in units
                        if str(u.pk) in data["units"]
                    ],
                    volunteers=[
                        services.VolunteerHours(volunteer=v, hours=data["hours"] or Decimal("2"))
                        for v in volunteers
                        if str(v.pk) in data["volunteers"]
                    ],
                    photos=list(zip(photos, captions[: len(photos)], strict=True)),
                )
            except ValidationError as error:
                errors_onto_form(form, error)
            except NotPermitted as refusal:
                raise PermissionDenied(str(refusal.message))
            else:
                messages.success(request, _("Activity recorded."))
                return redirect("participation:activity", pk=activity.pk)
    return render(request, "participation/activity_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def activity_detail(request, pk: int):
    actor = actor_for(request.user)
    activity = selectors.activity_get(actor=actor, activity_id=pk)
    service = list(activity.volunteer_hours.select_related("volunteer").order_by("volunteer__name"))
    can_manage = Perm.ACTIVITY_MANAGE in _perms(actor, activity.community_id)
    return render(
        request,
        "participation/activity_detail.html",
        {
            "activity": activity,
            "actions": [str(a) for a in lifecycle.actions_from(activity.status)] if can_manage else [],
            "overdue": lifecycle.is_overdue(
                activity.status, timezone.localtime(activity.starts_at).date(), timezone.localdate()
            ),
            "units": activity.units.select_related("cobuild_unit").order_by("cobuild_unit__name"),
            "service": service,
            "hour_total": sum((s.hours for s in service), Decimal("0")),
            "photos": activity.photos.all(),
        },
    )


@login_required
def activity_photo(request, pk: int, kind: str):
    if kind not in ("full", "thumb"):
        raise Http404
    return private_image_response(selectors.activity_photo_get(actor=actor_for(request.user), photo_id=pk), kind)


@login_required
def activity_calendar(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PARTICIPATION_VIEW)
    form = ActivityFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "participation/calendar.html", {"form": form, "invalid": True}, status=400)
    data = form.cleaned_data if request.GET else {}
    month = data.get("month") or timezone.localdate().replace(day=1)
    activities = selectors.activity_list(actor=actor, community=data.get("community"), type=data.get("type") or "")
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    community = (
        selectors.communities_for(actor=actor, perm=Perm.PARTICIPATION_VIEW).filter(pk=data.get("community")).first()
    )
    return render(
        request,
        "participation/calendar.html",
        {
            "form": form,
            "month": month,
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}",
            "weeks": selectors.activity_calendar(activities=activities, month=month),
            "community": community,
            "communities": selectors.communities_for(actor=actor, perm=Perm.PARTICIPATION_VIEW),
        },
    )


@login_required
def diversity(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PARTICIPATION_VIEW)
    form = QuarterForm(request.GET)
    if not form.is_valid():
        return render(request, "participation/diversity.html", {"form": form, "invalid": True}, status=400)
    data = form.cleaned_data
    rows = selectors.diversity_table(actor=actor, year=data["year"], quarter=data["quarter"], unit=data.get("unit"))
    if request.GET.get("export") == "xlsx":
        from gongjian.participation.exporters import diversity_export

        return download_response(diversity_export(rows, data["year"], data["quarter"]))
    return render(
        request,
        "participation/diversity.html",
        {
            "form": form,
            "rows": rows,
            "year": data["year"],
            "quarter": data["quarter"],
            "flagged": sum(r.result.single_kind for r in rows),
        },
    )
