"""Pages of 创建达标: the overview (the city's progress towards the year's goals, the targets in the
reader's scope), a target's page (stage timeline, checklist, review, certificate), and the forms
that move it — apply, self-assess, the city's review, the certificate, the year's goals. Every
write goes through gongjian/creation/services.py; every read through selectors.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import actor_for
from gongjian.archives.services.files import FileIn
from gongjian.core.errors import NotPermitted
from gongjian.core.storage import file_response
from gongjian.core.views import error_403
from gongjian.creation import selectors, services, workflow
from gongjian.creation.forms import COMMUNITY, ApplyForm, CertificateForm, GoalsForm, ReviewForm, SelfAssessForm
from gongjian.creation.timeline import history_rows, stage_steps
from gongjian.creation.workflow import Action, CreationKind, Stage, TransitionError


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _readable(request):
    actor = actor_for(request.user)
    if not selectors.may_read(actor):
        raise Http404
    return actor


def _add_errors(form, error: ValidationError, *, fields=None) -> None:
    """The service's errors on the form: a field's under it (``fields`` renames the service's keys),
    a refused move (``action``) and anything else at the top."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, errors in error.message_dict.items():
        field = fields.get(key, key)
        form.add_error(field if field in form.fields and key != "action" else None, errors)


@login_required
def creation_index(request):
    actor = _readable(request)
    year = _year(request.GET.get("year"))
    kind = request.GET.get("kind", "")
    kind = kind if kind in CreationKind.values else ""
    stage = request.GET.get("stage", "")
    stage = stage if stage in Stage.values else ""
    city = selectors.city_followed(actor=actor)
    if city is not None:
        progress = selectors.city_progress(actor=actor, city_id=city.pk, year=year)
    else:  # a street, a community, a liaison: how its own targets stand, without the city's goals
        visible = selectors.target_list(actor=actor, year=year).values_list("kind", "stage")
        progress = workflow.progress(list(visible), {})
    communities, cobuild_units = selectors.apply_subjects(actor=actor)
    targets = selectors.target_list(actor=actor, year=year, kind=kind, stage=stage)
    return render(
        request,
        "creation/index.html",
        {
            "year": year,
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
            "kind": kind,
            "stage": stage,
            "kinds": CreationKind.choices,
            "stages": Stage.choices,
            "city": city,
            "progress": [_progress_row(row) for row in progress],
            "targets": targets[:500],
            "can_apply": bool(communities or cobuild_units),
            "sets_goals": selectors.city_reviewed(actor=actor) is not None,
        },
    )


def _progress_row(row: workflow.Progress) -> dict:
    return {
        "kind": row.kind,
        "label": CreationKind(row.kind).label,
        "goal": row.goal,
        "applied": row.applied,
        "self_assessed": row.self_assessed,
        "awaiting": row.by_stage.get(Stage.SELF_ASSESSED, 0),
        "reviewed": row.reviewed,
        "passed": row.passed,
        "failed": row.failed,
        "remaining": row.remaining,
        "percent": round(row.share * 100) if row.share is not None else None,
    }


def _detail(request, target, *, status=200, review_form=None, certificate_form=None):
    stage = target.stage
    reviews = services.may_review(request.user, target)
    keeps = services.may_keep(request.user, target)
    allowed = workflow.actions_at(stage)
    events = selectors.target_history(target=target)
    context = {
        "target": target,
        "steps": stage_steps(target, events),
        "history": history_rows(events),
        "checklist": target.checklist,
        "answered": workflow.checklist_complete(target.checklist),
        "can_self_assess": keeps and Action.SELF_ASSESS in allowed,
        "review_form": (review_form or ReviewForm()) if reviews and Action.PASS in allowed else None,
        "certificate_form": (certificate_form or CertificateForm()) if reviews and stage == Stage.PASSED else None,
    }
    return render(request, "creation/detail.html", context, status=status)


@login_required
def target_detail(request, pk):
    target = selectors.target_get(actor=actor_for(request.user), target_id=pk)
    return _detail(request, target)


@login_required
def target_apply(request):
    actor = _readable(request)
    communities, cobuild_units = selectors.apply_subjects(actor=actor)
    if not communities and not cobuild_units:
        return error_403(request)
    form = ApplyForm(
        request.POST or None,
        communities=communities,
        cobuild_units=cobuild_units,
        initial={"year": timezone.localdate().year},
    )
    if request.method == "POST" and form.is_valid():
        which, pk = form.cleaned_data["subject"]
        subject = {"community": None, "cobuild_unit": None}
        if which == COMMUNITY:
            subject["community"] = next((u for u in communities if u.pk == pk), None)
        else:
            subject["cobuild_unit"] = next((u for u in cobuild_units if u.pk == pk), None)
        if not any(subject.values()):
            form.add_error("subject", _("Choose a unit from the list."))
        else:
            try:
                target = services.target_apply(
                    user=request.user, kind=form.cleaned_data["kind"], year=form.cleaned_data["year"], **subject
                )
            except ValidationError as error:
                _add_errors(form, error, fields={"community": "subject", "cobuild_unit": "subject"})
            except NotPermitted as refused:
                form.add_error(None, str(refused.message))
            else:
                messages.success(request, _("The application is filed; answer the self-assessment checklist next."))
                return redirect("creation:detail", target.pk)
    return render(request, "creation/apply.html", {"form": form}, status=400 if request.method == "POST" else 200)


@login_required
def target_self_assess(request, pk):
    target = selectors.target_get(actor=actor_for(request.user), target_id=pk)
    if not services.may_keep(request.user, target):
        return error_403(request)
    if Action.SELF_ASSESS not in workflow.actions_at(target.stage):
        messages.error(request, _refusal(target.stage, Action.SELF_ASSESS))
        return redirect("creation:detail", target.pk)
    form = SelfAssessForm(request.POST or None, checklist=target.checklist, initial={"text": target.self_assessment})
    if request.method == "POST" and form.is_valid():
        try:
            services.target_self_assess(
                user=request.user,
                target=target,
                answers=form.answers(),
                notes=form.notes(),
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except NotPermitted:
            return error_403(request)
        else:
            messages.success(request, _("The self-assessment is submitted for the city's review."))
            return redirect("creation:detail", target.pk)
    return render(
        request,
        "creation/self_assess.html",
        {"target": target, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _refusal(stage: str, action: str) -> str:
    try:
        workflow.next_stage(stage, action, checklist_complete=True, has_certificate=True)
    except TransitionError as error:
        return str(error.message)
    return ""


@login_required
@require_POST
def target_review(request, pk):
    target = selectors.target_get(actor=actor_for(request.user), target_id=pk)
    if not services.may_review(request.user, target):
        return error_403(request)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            target = services.target_review(
                user=request.user,
                target=target,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                result_on=form.cleaned_data["result_on"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except NotPermitted:
            return error_403(request)
        else:
            messages.success(request, _("The review is recorded: %(stage)s.") % {"stage": target.get_stage_display()})
            return redirect("creation:detail", target.pk)
    target.refresh_from_db()
    if Action.PASS not in workflow.actions_at(target.stage):  # the move was refused: say why on the page
        messages.error(request, "；".join(str(e) for e in form.non_field_errors()) or _refusal(target.stage, "pass"))
        return redirect("creation:detail", target.pk)
    return _detail(request, target, status=400, review_form=form)


@login_required
@require_POST
def target_certificate(request, pk):
    target = selectors.target_get(actor=actor_for(request.user), target_id=pk)
    if not services.may_review(request.user, target):
        return error_403(request)
    form = CertificateForm(request.POST, request.FILES)
    upload = request.FILES.get("file")
    if upload and upload.size > settings.ARCHIVE_FILE_MAX_BYTES:
        limit = settings.ARCHIVE_FILE_MAX_BYTES // (1024 * 1024)
        form.add_error("file", _("The file is larger than %(limit)s MB.") % {"limit": limit})
    elif form.is_valid():
        try:
            services.target_certify(user=request.user, target=target, file=FileIn(name=upload.name, data=upload.read()))
        except ValidationError as error:
            _add_errors(form, error, fields={"certificate": "file"})
        except NotPermitted:
            return error_403(request)
        else:
            messages.success(request, _("The certificate is attached."))
            return redirect("creation:detail", target.pk)
    if target.stage != Stage.PASSED:
        messages.error(request, "；".join(str(e) for e in form.non_field_errors()) or _refusal(target.stage, "certify"))
        return redirect("creation:detail", target.pk)
    return _detail(request, target, status=400, certificate_form=form)


@login_required
def certificate_file(request, pk):
    """The certificate, streamed after the scope check (inline to look at; ?download=1 to save it)."""
    target = selectors.target_get(actor=actor_for(request.user), target_id=pk)
    if not target.certificate:
        raise Http404
    return file_response(
        target.certificate,
        content_type=target.certificate_type or "application/octet-stream",
        filename=target.certificate_name if request.GET.get("download") else None,
        cache_control="private, no-store",
    )


@login_required
def goals(request):
    actor = _readable(request)
    city = selectors.city_reviewed(actor=actor)
    if city is None:
        return error_403(request)
    year = _year(request.POST.get("year") or request.GET.get("year"))
    current = selectors.goals_of(city_id=city.pk, year=year)
    form = GoalsForm(request.POST or None, goals=current, initial={"year": year})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        current = selectors.goals_of(city_id=city.pk, year=year)
        try:
            with transaction.atomic():  # all the year's numbers or none
                for kind, count in form.counts().items():
                    if count != current.get(kind, 0):
                        services.goal_set(user=request.user, city=city, year=year, kind=kind, count=count)
        except ValidationError as error:
            _add_errors(form, error)
        except NotPermitted:
            return error_403(request)
        else:
            messages.success(request, _("The year's creation goals are saved."))
            return redirect(f"{reverse('creation:index')}?year={year}")
    return render(
        request,
        "creation/goals.html",
        {"form": form, "city": city, "year": year},
        status=400 if request.method == "POST" else 200,
    )
