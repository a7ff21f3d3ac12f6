"""Volunteer pages: the list and its export, registration, the public sign-up, a volunteer's
record, review, rewards and penalties, and a volunteer's own page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for
from gongjian.accounts.throttles import client_ip, sign_up_allowed
from gongjian.core.errors import Conflict, NotPermitted, errors_onto_form
from gongjian.core.exporters import describe_filters
from gongjian.core.listing import FilteredList
from gongjian.core.privacy import no_store
from gongjian.organizations.models import Unit
from gongjian.participation import selectors, services
from gongjian.participation.choices import VolunteerStatus
from gongjian.participation.exporters import VolunteerExporter
from gongjian.participation.filters import VolunteerFilterForm
from gongjian.participation.forms import (
    PublicSignUpForm,
    RevealForm,
    ReviewForm,
    SanctionForm,
    VolunteerForm,
)
from gongjian.participation.models import Volunteer
from gongjian.participation.views._common import _perms, _require

# --- volunteers ---------------------------------------------------------------------------------


def _exported_volunteers(form, volunteers):
    """What the volunteer export holds, and its filters as the title row states them."""
    filters = describe_filters(form)
    if not (form.is_bound and form.cleaned_data.get("status")):
        # Unreviewed public sign-ups (and rejected ones) are not volunteers yet: the default export
        # holds the registered ones; a status filter asks for the others explicitly.
        volunteers = volunteers.filter(status=VolunteerStatus.ACTIVE)
        filters.append((str(form.fields["status"].label), str(VolunteerStatus.ACTIVE.label)))
    return volunteers, filters


def _volunteer_export(request, volunteers, filters, *, fmt: str):
    rows = selectors.present_volunteers(volunteers.iterator(chunk_size=2000))
    services.personal_data_view_record(
        user=request.user, volunteer_ids=[r.id for r in rows if r.revealed], where=f"volunteer_export_{fmt}"
    )
    return VolunteerExporter(rows, fmt=fmt, filters=filters).render()


VOLUNTEERS = FilteredList(
    form_class=VolunteerFilterForm,
    perm=Perm.VOLUNTEER_VIEW,
    select=selectors.volunteer_list,
    template="participation/volunteer_list.html",
    exporter=_volunteer_export,
    builder="gongjian.participation.views.volunteer_export_build",
    export_name=gettext_lazy("Volunteers"),
    narrow=_exported_volunteers,
)


@login_required
@no_store
def volunteer_list(request):
    actor = actor_for(request.user)

    def context(page):
        rows = selectors.present_volunteers(page)
        services.personal_data_view_record(
            user=request.user, volunteer_ids=[r.id for r in rows if r.revealed], where="volunteer_list"
        )
        return {
            "rows": rows,
            "can_manage": actor.has_perm(Perm.VOLUNTEER_MANAGE),
            "pending": selectors.pending_sign_ups(actor=actor)[:50] if actor.has_perm(Perm.VOLUNTEER_MANAGE) else [],
        }

    return VOLUNTEERS.list_response(request, context)


@login_required
@no_store
def volunteer_export(request, fmt: str):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    return VOLUNTEERS.export(request, extension=fmt, args={"fmt": fmt})


def volunteer_export_build(request, *, fmt: str):
    """The volunteer export as a background job makes it (gongjian.core.jobs.exports)."""
    return VOLUNTEERS.build(request, fmt=fmt)


@login_required
@no_store
def volunteer_create(request):
    actor = actor_for(request.user)
    _require(actor, Perm.VOLUNTEER_MANAGE)
    communities = list(selectors.communities_for(actor=actor, perm=Perm.VOLUNTEER_MANAGE))
    form = VolunteerForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            volunteer = services.volunteer_register(
                user=request.user,
                community=next(c for c in communities if str(c.pk) == data["community"]),
                **{k: v for k, v in data.items() if k != "community"},
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        else:
            messages.success(request, _("Volunteer %(name)s registered.") % {"name": volunteer.name})
            return redirect("participation:volunteer", pk=volunteer.pk)
    return render(
        request,
        "participation/volunteer_form.html",
        {"form": form, "title": _("Register a volunteer")},
        status=400 if form.errors else 200,
    )


def volunteer_sign_up(request):
    """The public sign-up page: anyone may register; the community reviews it. Limited per address
    (SIGN_UP_RATE) with a captcha for visitors; the answer is the same whether or not the person is
    already registered (a duplicate is flagged for the reviewer, never told to the visitor)."""
    communities = list(Unit.objects.filter(level="community").select_related("parent").order_by("code"))
    form = PublicSignUpForm(
        request.POST or None, communities=communities, ask_captcha=not request.user.is_authenticated
    )
    if request.method == "POST":
        if not sign_up_allowed(request):
            return render(request, "participation/sign_up_throttled.html", status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.volunteer_sign_up(
                    user=request.user,
                    community=next(c for c in communities if str(c.pk) == data["community"]),
                    **{k: v for k, v in data.items() if k not in ("community", "captcha")},
                )
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("Thank you. Your community will review your registration."))
                return redirect("participation:sign-up")
    return render(
        request,
        "participation/volunteer_form.html",
        {"form": form, "title": _("Sign up as a volunteer"), "public": True},
        status=400 if form.errors else 200,
    )


@login_required
@no_store
def volunteer_detail(request, pk: int):
    actor = actor_for(request.user)
    volunteer = selectors.volunteer_get(actor=actor, volunteer_id=pk)
    row = selectors.present_volunteer(volunteer)
    if row.revealed:
        services.personal_data_view_record(user=request.user, volunteer_ids=[row.id], where="volunteer_detail")
    lines, total = selectors.volunteer_service(volunteer=volunteer)
    can_manage = Perm.VOLUNTEER_MANAGE in _perms(actor, volunteer.community_id)
    return render(
        request,
        "participation/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "row": row,
            "lines": lines,
            "total": total,
            "sanctions": volunteer.sanctions.all(),
            "can_manage": can_manage,
            "can_review": can_manage and volunteer.status == VolunteerStatus.PENDING,
            "can_reveal": not row.revealed and Perm.PERSONAL_DATA_VIEW in _perms(actor, volunteer.community_id),
            "reveal_form": RevealForm(),
            "sanction_form": SanctionForm(initial={"date": timezone.localdate()}),
        },
    )


@login_required
@require_POST
def volunteer_review(request, pk: int):
    volunteer = selectors.volunteer_manageable(actor=actor_for(request.user), volunteer_id=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.volunteer_review(user=request.user, volunteer=volunteer, approve=form.cleaned_data["approve"])
        except Conflict as conflict:
            messages.error(request, conflict.message)
        else:
            messages.success(request, _("Saved."))
    return redirect("participation:volunteer", pk=pk)


@login_required
@require_POST
def volunteer_sanction(request, pk: int):
    volunteer = selectors.volunteer_manageable(actor=actor_for(request.user), volunteer_id=pk)
    form = SanctionForm(request.POST)
    if form.is_valid():
        try:
            services.volunteer_sanction_add(user=request.user, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("participation:volunteer", pk=pk)


@login_required
@no_store
def my_service(request):
    """A volunteer's own record and hours."""
    # Their own numbers in full (``with_reveal``): nobody else's record is reachable here.
    own = Volunteer.objects.filter(user=request.user).select_related("community__parent")
    volunteer = selectors.with_reveal(own, actor_for(request.user)).first()
    context = {"volunteer": volunteer}
    if volunteer is not None:
        context["row"] = selectors.present_volunteer(volunteer)
        context["lines"], context["total"] = selectors.volunteer_service(volunteer=volunteer)
        context["sanctions"] = volunteer.sanctions.all()
    return render(request, "participation/my_service.html", context)


@login_required
@require_POST
@no_store
def volunteer_reveal(request, pk: int):
    """One volunteer's full phone and ID number, on purpose: a POST with a reason by a person who
    may see personal data at the volunteer's community (outside the actor's places: 404), audited
    with the address and browser; the answer is never cached."""
    actor = actor_for(request.user)
    volunteer = selectors.volunteer_get(actor=actor, volunteer_id=pk)
    if Perm.PERSONAL_DATA_VIEW not in _perms(actor, volunteer.community_id):
        raise PermissionDenied
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = services.volunteer_reveal(
                user=request.user,
                volunteer=volunteer,
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ValidationError as error:
            errors_onto_form(form, error)
    return render(
        request,
        "participation/volunteer_reveal.html",
        {"volunteer": volunteer, "form": form, "revealed": revealed},
        status=200 if revealed else 400,
    )
