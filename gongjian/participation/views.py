"""Pages of participation. Thin: forms in, services and selectors called, pages out."""

from __future__ import annotations

import datetime
import mimetypes
import posixpath
from decimal import Decimal
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.accounts.throttles import sign_up_allowed
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.exporters import ExportResult, describe_filters, download_response, private_image_response
from gongjian.core.filtering import apply_filter
from gongjian.core.inputs import check_date, cleaned_post, read_upload
from gongjian.core.jobs.exports import INVALID_QUERY, export_response
from gongjian.core.jobs.runner import JobRefused
from gongjian.core.privacy import no_store
from gongjian.core.storage import file_response
from gongjian.organizations.models import Unit
from gongjian.participation import selectors, services
from gongjian.participation.choices import ImportStatus, VolunteerStatus
from gongjian.participation.exporters import ActivityExporter, VolunteerExporter, volunteer_template
from gongjian.participation.filters import ActivityFilterForm, MonthForm, QuarterForm, VolunteerFilterForm
from gongjian.participation.forms import (
    ActivityForm,
    ImportForm,
    PublicSignUpForm,
    ReviewForm,
    SanctionForm,
    VolunteerForm,
)
from gongjian.participation.importers import ImportRefused
from gongjian.participation.models import Volunteer


def _require(actor, perm: Perm) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- volunteers ---------------------------------------------------------------------------------


def _volunteers_filtered(request):
    actor = actor_for(request.user)
    _require(actor, Perm.VOLUNTEER_VIEW)
    return apply_filter(request, VolunteerFilterForm, partial(selectors.volunteer_list, actor=actor))


@login_required
@no_store
def volunteer_list(request):
    actor = actor_for(request.user)
    form, volunteers = _volunteers_filtered(request)
    if volunteers is None:
        return render(request, "participation/volunteer_list.html", {"form": form, "invalid": True}, status=400)
    page = Paginator(volunteers, 30).get_page(request.GET.get("page"))
    rows = selectors.present_volunteers(page)
    services.personal_data_view_record(
        user=request.user, volunteer_ids=[r.id for r in rows if r.revealed], where="volunteer_list"
    )
    return render(
        request,
        "participation/volunteer_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": _query(request),
            "can_manage": actor.has_perm(Perm.VOLUNTEER_MANAGE),
            "pending": selectors.pending_sign_ups(actor=actor)[:50] if actor.has_perm(Perm.VOLUNTEER_MANAGE) else [],
        },
    )


@login_required
@no_store
def volunteer_export(request, fmt: str):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    form, volunteers = _volunteers_filtered(request)
    if volunteers is None:
        return render(request, "participation/volunteer_list.html", {"form": form, "invalid": True}, status=400)
    volunteers, filters = _exported_volunteers(form, volunteers)
    return export_response(
        request,
        builder="gongjian.participation.views.volunteer_export_build",
        rows=volunteers.count(),
        render_now=lambda: _volunteer_export(request, fmt=fmt, volunteers=volunteers, filters=filters),
        title=_("Volunteers") + f".{fmt}",
        args={"fmt": fmt},
    )


def _exported_volunteers(form, volunteers):
    """What the volunteer export holds, and its filters as the title row states them."""
    filters = describe_filters(form)
    if not (form.is_bound and form.cleaned_data.get("status")):
        # Unreviewed public sign-ups (and rejected ones) are not volunteers yet: the default export
        # holds the registered ones; a status filter asks for the others explicitly.
        volunteers = volunteers.filter(status=VolunteerStatus.ACTIVE)
        filters.append((str(form.fields["status"].label), str(VolunteerStatus.ACTIVE.label)))
    return volunteers, filters


def volunteer_export_build(request, *, fmt: str):
    """The volunteer export as a background job makes it (gongjian.core.jobs.exports)."""
    form, volunteers = _volunteers_filtered(request)
    if volunteers is None:
        raise JobRefused(INVALID_QUERY)
    volunteers, filters = _exported_volunteers(form, volunteers)
    return _volunteer_export(request, fmt=fmt, volunteers=volunteers, filters=filters)


def _volunteer_export(request, *, fmt: str, volunteers, filters):
    rows = selectors.present_volunteers(volunteers.iterator(chunk_size=2000))
    services.personal_data_view_record(
        user=request.user, volunteer_ids=[r.id for r in rows if r.revealed], where=f"volunteer_export_{fmt}"
    )
    return VolunteerExporter(rows, fmt=fmt, filters=filters).render()


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
            _apply_errors(form, error)
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
                _apply_errors(form, error)
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
            "sanction_form": SanctionForm(initial={"date": timezone.localdate()}),
        },
    )


def _perms(actor, unit_id):
    from gongjian.accounts.access import perms_at_unit

    return perms_at_unit(actor, unit_id)


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
    volunteer = Volunteer.objects.filter(user=request.user).select_related("community").first()
    context = {"volunteer": volunteer}
    if volunteer is not None:
        context["row"] = selectors.present_volunteer(volunteer)
        context["lines"], context["total"] = selectors.volunteer_service(volunteer=volunteer)
        context["sanctions"] = volunteer.sanctions.all()
    return render(request, "participation/my_service.html", context)


# --- import -------------------------------------------------------------------------------------


@login_required
@no_store
def volunteer_import(request):
    actor = actor_for(request.user)
    _require(actor, Perm.VOLUNTEER_MANAGE)
    communities = list(selectors.communities_for(actor=actor, perm=Perm.VOLUNTEER_MANAGE))
    form = ImportForm(
        request.POST or None, request.FILES or None, communities=communities, initial={"kind": request.GET.get("kind")}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch, _report = services.import_upload(
                user=request.user,
                community=next(c for c in communities if str(c.pk) == form.cleaned_data["community"]),
                filename=upload.name,
                content=upload.read(),
                kind=form.cleaned_data["kind"] or "volunteers",
            )
        except ImportRefused as refused:
            form.add_error("file", refused.message)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("participation:import-preview", pk=batch.pk)
    return render(request, "participation/import.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def import_template(request):
    _require(actor_for(request.user), Perm.VOLUNTEER_MANAGE)
    return download_response(volunteer_template(request.GET.get("kind", "volunteers")))


@login_required
@no_store
def import_preview(request, pk: int):
    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    from gongjian.core.jobs.views import job_state
    from gongjian.participation.tasks import import_save_job

    saving = import_save_job(batch) if batch.status == ImportStatus.PREVIEW else None
    report = services.import_preview(batch=batch) if batch.status == ImportStatus.PREVIEW and not saving else None
    return render(
        request,
        "participation/import_preview.html",
        {"batch": batch, "report": report, "saving": saving, "state": job_state(saving) if saving else None},
    )


@login_required
@no_store
def import_errors(request, pk: int):
    """The rows not imported, with the reason in the last column (before or after saving)."""
    from gongjian.core.exporters import XLSX
    from gongjian.participation.exporters import ErrorSheet

    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    filename = _("rows-not-imported") + ".xlsx"
    if batch.status == ImportStatus.SAVED and batch.errors_file:
        return file_response(batch.errors_file, content_type=XLSX, filename=filename, cache_control="private, no-store")
    if batch.status == ImportStatus.PREVIEW:
        sheet = ErrorSheet()
        report = services.import_preview(batch=batch, on_error=sheet.add)
        sheet.headers = report.headers
        content = sheet.render()
    else:
        raise Http404
    return download_response(ExportResult(filename=filename, content_type=XLSX, content=content))


@login_required
@require_POST
def import_confirm(request, pk: int):
    """Save the sheet in the background (participation.tasks); the preview page follows the job."""
    from gongjian.participation import tasks

    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    if batch.status != ImportStatus.PREVIEW:
        messages.error(request, _("This import has already been saved or cancelled."))
    else:
        if Perm.VOLUNTEER_MANAGE not in perms_at_unit(actor_for(request.user), batch.community_id):
            raise NotPermitted(_("You cannot do this for this community."))
        tasks.import_save_request(user=request.user, batch=batch)
    return redirect("participation:import-preview", pk=pk)


@login_required
@require_POST
def import_cancel(request, pk: int):
    batch = selectors.import_batch_get(actor=actor_for(request.user), batch_id=pk)
    try:
        services.import_cancel(user=request.user, batch=batch)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.info(request, _("Import cancelled; nothing was saved."))
    return redirect("participation:import")


# --- activities ---------------------------------------------------------------------------------


def _activities_filtered(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PARTICIPATION_VIEW)
    return apply_filter(request, ActivityFilterForm, partial(selectors.activity_list, actor=actor))


@login_required
def activity_list(request):
    actor = actor_for(request.user)
    form, activities = _activities_filtered(request)
    if activities is None:
        return render(request, "participation/activity_list.html", {"form": form, "invalid": True}, status=400)
    return render(
        request,
        "participation/activity_list.html",
        {
            "form": form,
            "page": Paginator(activities, 30).get_page(request.GET.get("page")),
            "query": _query(request),
            "types": selectors.activity_types(),
            "can_record": actor.has_perm(Perm.ACTIVITY_MANAGE),
        },
    )


@login_required
def activity_export(request):
    form, activities = _activities_filtered(request)
    if activities is None:
        return render(request, "participation/activity_list.html", {"form": form, "invalid": True}, status=400)
    filters = describe_filters(form)
    return export_response(
        request,
        builder="gongjian.participation.views.activity_export_build",
        rows=activities.count(),
        render_now=lambda: ActivityExporter(activities, filters=filters).render(),
        title=_("Activities") + ".xlsx",
    )


def activity_export_build(request):
    """The activity export as a background job makes it (gongjian.core.jobs.exports)."""
    form, activities = _activities_filtered(request)
    if activities is None:
        raise JobRefused(INVALID_QUERY)
    return ActivityExporter(activities, filters=describe_filters(form)).render()


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
                _apply_errors(form, error)
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
    return render(
        request,
        "participation/activity_detail.html",
        {
            "activity": activity,
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


# --- pairings -----------------------------------------------------------------------------------


@login_required
def pairing_list(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PARTICIPATION_VIEW)
    form = MonthForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "participation/pairing_list.html", {"form": form, "invalid": True}, status=400)
    month = form.month_or_current()
    if request.GET.get("export") == "xlsx":
        from gongjian.participation.exporters import ranking_export

        return download_response(ranking_export(selectors.participation_ranking(actor=actor, month=month), month))
    return render(
        request,
        "participation/pairing_list.html",
        {
            "form": form,
            "month": month,
            "ranking": selectors.participation_ranking(actor=actor, month=month),
            "pairings": selectors.pairings_visible(actor=actor).order_by("community__code", "cobuild_unit__name"),
        },
    )


@login_required
def pairing_detail(request, pk: int):
    actor = actor_for(request.user)
    pairing = selectors.pairing_get(actor=actor, pairing_id=pk)
    year = timezone.localdate().year
    if request.GET.get("year", "").isdigit() and 2000 <= int(request.GET["year"]) <= year:
        year = int(request.GET["year"])
    perms = _perms(actor, pairing.community_id)
    if request.method == "POST":
        return _pairing_change(request, pairing, perms)
    return render(
        request,
        "participation/pairing_detail.html",
        {
            "pairing": pairing,
            "year": year,
            "record": selectors.pairing_record(actor=actor, pairing=pairing, year=year),
            "letter": getattr(pairing, "letter", None),
            "can_manage": Perm.PAIRING_MANAGE in perms,
            "can_record": Perm.ACTIVITY_MANAGE in perms,
            "today": timezone.localdate(),
        },
    )


def _pairing_change(request, pairing, perms):
    """The small forms on the pairing page: new leader, obligation, record, letter."""
    from gongjian.participation.models import Obligation

    action = request.POST.get("action", "")
    post = cleaned_post(request.POST)  # no form here: the text is cleaned as a form field's would be
    try:
        day = datetime.date.fromisoformat(post.get("date", "")) if post.get("date") else timezone.localdate()
        check_date(day)
        if action == "leader":
            services.leader_change(
                user=request.user,
                pairing=pairing,
                name=post.get("name", ""),
                position=post.get("position", ""),
                started_on=day,
            )
        elif action == "obligation":
            services.obligation_add(
                user=request.user,
                pairing=pairing,
                text=post.get("text", ""),
                yearly_target=int(post.get("yearly_target") or 0),
                counts_joint_activities=post.get("counts_joint_activities") == "on",
            )
        elif action == "record":
            obligation = Obligation.objects.filter(pairing=pairing, pk=post.get("obligation") or 0).first()
            if obligation is None:
                raise ValidationError({"obligation": _("Choose an obligation of this pairing.")})
            services.obligation_record_add(
                user=request.user,
                obligation=obligation,
                date=day,
                note=post.get("note", ""),
                is_resource_opening=post.get("is_resource_opening") == "on",
            )
        elif action == "letter":
            upload = request.FILES.get("file")
            services.pairing_letter_set(
                user=request.user,
                pairing=pairing,
                signed_on=day,
                head_name=post.get("head_name", ""),
                file=(upload.name, read_upload(upload)) if upload else None,
            )
        else:
            raise ValidationError(_("Unknown action."))
    except (ValueError, TypeError):
        messages.error(request, _("Check the date and numbers."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message))
    else:
        messages.success(request, _("Saved."))
    return redirect("participation:pairing", pk=pairing.pk)


@login_required
def pairing_letter_file(request, pk: int):
    pairing = selectors.pairing_get(actor=actor_for(request.user), pairing_id=pk)
    letter = getattr(pairing, "letter", None)
    if letter is None or not letter.file:
        raise Http404
    return file_response(letter.file, content_type=_content_type(letter.file.name), filename=_basename(letter.file))


# --- teams, stairwell heads, frontage duties -------------------------------------------------------


@login_required
def team_communities(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PARTICIPATION_VIEW)
    communities = selectors.communities_for(actor=actor, perm=Perm.PARTICIPATION_VIEW).select_related("parent")
    return render(
        request,
        "participation/team_communities.html",
        {"page": Paginator(communities, 50).get_page(request.GET.get("page"))},
    )


@login_required
@no_store
def community_roster(request, pk: int):
    """The four teams, stairwell heads and the 门前三包 register of one community, with the forms
    to keep them for those who manage volunteers there."""
    actor = actor_for(request.user)
    _require(actor, Perm.PARTICIPATION_VIEW)
    community = selectors.communities_for(actor=actor, perm=Perm.PARTICIPATION_VIEW).filter(pk=pk).first()
    if community is None:
        raise Http404
    perms = _perms(actor, community.pk)
    if request.method == "POST":
        if Perm.VOLUNTEER_MANAGE not in perms:
            raise PermissionDenied
        _roster_change(request, community)
        return redirect("participation:roster", pk=pk)
    roster = selectors.community_roster(actor=actor, community=community)
    export = request.GET.get("export") == "xlsx"
    if roster.revealed:
        services.personal_data_view_record(
            user=request.user,
            volunteer_ids=[m.volunteer_id for _t, members in roster.teams for m, _p, _h in members],
            where="community_roster_export" if export else "community_roster",
            others={
                "stairwell_heads": [h.pk for h, _p in roster.stairwell_heads],
                "frontage_duties": [d.pk for d, _p in roster.frontage],
            },
        )
    if export:
        from gongjian.participation.exporters import roster_export

        return download_response(roster_export(roster))
    from gongjian.participation.choices import TeamKind

    return render(
        request,
        "participation/roster.html",
        {
            "community": community,
            "roster": roster,
            "can_manage": Perm.VOLUNTEER_MANAGE in perms,
            "team_kinds": TeamKind.choices,
            "volunteers": Volunteer.objects.filter(community=community, status=VolunteerStatus.ACTIVE).order_by("name")
            if Perm.VOLUNTEER_MANAGE in perms
            else [],
            "compounds": community.children.order_by("code"),
            "today": timezone.localdate(),
        },
    )


def _roster_change(request, community):
    from gongjian.participation.models import TeamMember

    post, action = cleaned_post(request.POST), request.POST.get("action", "")
    try:
        if action == "member":
            volunteer = Volunteer.objects.filter(community=community, pk=post.get("volunteer") or 0).first()
            if volunteer is None:
                raise ValidationError({"volunteer": _("Choose a registered volunteer of this community.")})
            services.team_member_add(
                user=request.user,
                community=community,
                kind=post.get("kind", ""),
                volunteer=volunteer,
                area=post.get("area", ""),
                schedule=post.get("schedule", ""),
            )
        elif action == "shift":
            member = TeamMember.objects.filter(team__community=community, pk=post.get("member") or 0).first()
            if member is None:
                raise ValidationError({"member": _("Choose a team member.")})
            services.duty_shift_record(
                user=request.user,
                member=member,
                date=datetime.date.fromisoformat(post.get("date", "")),
                hours=Decimal(post.get("hours") or "0"),
                note=post.get("note", ""),
            )
        elif action == "stairwell":
            compound = community.children.filter(pk=post.get("compound") or 0).first()
            if compound is None:
                raise ValidationError({"compound": _("Choose a compound of this community.")})
            services.stairwell_head_set(
                user=request.user,
                compound=compound,
                building=post.get("building", ""),
                entrance=post.get("entrance", ""),
                name=post.get("name", ""),
                phone=post.get("phone", ""),
            )
        elif action == "frontage":
            upload = request.FILES.get("pledge")
            services.frontage_duty_add(
                user=request.user,
                community=community,
                holder=post.get("holder", ""),
                address=post.get("address", ""),
                frontage=post.get("frontage", ""),
                responsible=post.get("responsible", ""),
                phone=post.get("phone", ""),
                cleanliness="cleanliness" in post,
                order="order" in post,
                greenery="greenery" in post,
                pledge=(upload.name, read_upload(upload)) if upload else None,
            )
        else:
            raise ValidationError(_("Unknown action."))
    except (ValueError, ArithmeticError):
        messages.error(request, _("Check the date and numbers."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))


@login_required
@no_store
def frontage_duty(request, pk: int):
    """One 门前三包 entry and the problems that point at it; inspectors and the community link a
    problem of category L0103 by its case number."""
    from gongjian.inspections.selectors import problems_visible

    actor = actor_for(request.user)
    duty = selectors.frontage_duty_get(actor=actor, duty_id=pk)
    if request.method == "POST":
        number = request.POST.get("number", "").strip()
        problem = problems_visible(actor=actor).select_related("category", "unit").filter(number=number).first()
        try:
            if problem is None:
                raise ValidationError(_("No problem with this case number."))
            services.frontage_problem_link(user=request.user, problem=problem, duty=duty)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message))
        else:
            messages.success(request, _("Saved."))
        return redirect("participation:frontage", pk=pk)
    reveal = duty.community_id in selectors.revealed_communities(actor=actor, community_ids=[duty.community_id])
    from gongjian.participation import privacy

    if reveal:
        services.personal_data_view_record(
            user=request.user, where="frontage_duty", others={"frontage_duties": [duty.pk]}
        )

    perms = _perms(actor, duty.community_id)
    return render(
        request,
        "participation/frontage_detail.html",
        {
            "duty": duty,
            "phone": duty.phone if reveal else privacy.mask_phone(duty.phone),
            "problems": selectors.frontage_duty_problems(actor=actor, duty=duty),
            "can_link": Perm.PROBLEM_REPORT in perms or Perm.PROBLEM_RECTIFY in perms,
        },
    )


@login_required
@no_store
def frontage_pledge(request, pk: int):
    duty = selectors.frontage_duty_get(actor=actor_for(request.user), duty_id=pk)
    if not duty.pledge:
        raise Http404
    # The signed pledge names the holder and their contact: a full view of personal data.
    services.personal_data_view_record(
        user=request.user, where="frontage_pledge", others={"frontage_duties": [duty.pk]}
    )
    return file_response(duty.pledge, content_type=_content_type(duty.pledge.name), filename=_basename(duty.pledge))


def _basename(field) -> str:
    return posixpath.basename(field.name)


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
