"""The office's side: the city office designs, publishes and versions questionnaires; the city, the
streets and the communities read results for the communities in their scope (elsewhere 404), and
export them to Excel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongjian.accounts.access import Perm, actor_for
from gongjian.core.errors import Conflict
from gongjian.core.exporters import download_response
from gongjian.core.privacy import no_store
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql
from gongjian.surveys import design, exports, selectors, services
from gongjian.surveys.forms import PublishForm, SurveyForm


def _apply(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _city(actor) -> Unit:
    roots = actor.root_unit_ids(Perm.SURVEY_MANAGE)
    city = Unit.objects.filter(pk__in=roots, level="city").first() if roots else None
    return city or Unit.objects.filter(level="city").order_by("pk").first()


@login_required
def survey_list(request):
    actor = actor_for(request.user)
    surveys = selectors.survey_list(actor).select_related("city")
    return render(request, "surveys/list.html", {"surveys": surveys, "may_manage": selectors.may_manage(actor)})


def _save(request, survey=None):
    actor = actor_for(request.user)
    if not selectors.may_manage(actor):
        from django.http import Http404

        raise Http404
    initial = {}
    if survey is not None:
        initial = {
            "title": survey.title,
            "intro": survey.intro,
            "start_date": survey.start_date,
            "end_date": survey.end_date,
            "questions": design.as_text(survey.questions.all()),
        }
    form = SurveyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "intro": data["intro"],
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "questions_text": data["questions"],
        }
        try:
            if survey is None:
                survey = services.survey_create(user=request.user, city=_city(actor), **fields)
            else:
                survey = services.survey_update(user=request.user, survey=survey, **fields)
        except ValidationError as error:
            _apply(form, error)
        except Conflict as conflict:
            form.add_error(None, conflict.message)
        else:
            messages.success(request, _("The questionnaire is saved."))
            return redirect("surveys:detail", pk=survey.pk)
    return render(request, "surveys/form.html", {"form": form, "survey": survey}, status=400 if form.errors else 200)


@login_required
@no_store
@require_http_methods(["GET", "POST"])
def survey_new(request):
    return _save(request)


@login_required
@no_store
@require_http_methods(["GET", "POST"])
def survey_edit(request, pk: int):
    actor = actor_for(request.user)
    survey = selectors.survey_to_manage(actor, pk)
    if survey.is_frozen:
        messages.error(request, _("A published survey's questions are frozen: make a new version to change them."))
        return redirect("surveys:detail", pk=survey.pk)
    return _save(request, survey)


def _publish_form(survey, data=None):
    city_units = Unit.objects.filter(id__in=subtree_ids_sql([survey.city_id]))
    return PublishForm(
        data,
        communities=city_units.filter(level="community").order_by("code"),
        streets=city_units.filter(level="street").order_by("code"),
    )


@login_required
def survey_detail(request, pk: int):
    actor = actor_for(request.user)
    survey = selectors.survey_get(actor, pk)
    manage = selectors.may_manage(actor)
    links = selectors.visible_links(actor, survey).order_by("community__code")
    return render(
        request,
        "surveys/detail.html",
        {
            "survey": survey,
            "questions": survey.questions.all(),
            "links": links,
            "may_manage": manage,
            "publish_form": _publish_form(survey) if manage and not survey.is_frozen else None,
        },
    )


@login_required
@require_POST
def survey_publish(request, pk: int):
    actor = actor_for(request.user)
    survey = selectors.survey_to_manage(actor, pk)
    form = _publish_form(survey, request.POST)
    if form.is_valid():
        ids = {int(pk) for pk in form.cleaned_data["communities"]}
        if form.cleaned_data["street"]:
            ids |= set(
                Unit.objects.filter(
                    id__in=subtree_ids_sql([int(form.cleaned_data["street"])]), level="community"
                ).values_list("id", flat=True)
            )
        try:
            services.survey_publish(user=request.user, survey=survey, communities=Unit.objects.filter(id__in=ids))
        except (ValidationError, Conflict) as error:
            messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
        else:
            messages.success(request, _("The survey is published; each community has its link and QR code."))
    else:
        messages.error(request, _("Choose communities that belong to the city."))
    return redirect("surveys:detail", pk=survey.pk)


@login_required
@require_POST
def survey_new_version(request, pk: int):
    actor = actor_for(request.user)
    survey = selectors.survey_to_manage(actor, pk)
    copy = services.survey_new_version(user=request.user, survey=survey)
    messages.success(request, _("A new draft version: change it and publish it."))
    return redirect("surveys:edit", pk=copy.pk)


def _scope(request, pk: int):
    actor = actor_for(request.user)
    survey = selectors.survey_get(actor, pk)
    ids = list(selectors.visible_links(actor, survey).values_list("community_id", flat=True))
    return survey, ids


@login_required
def survey_results(request, pk: int):
    survey, ids = _scope(request, pk)
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "communities": selectors.community_results(survey, ids),
            "questions": selectors.question_results(survey, ids),
        },
    )


@login_required
def survey_export(request, pk: int):
    survey, ids = _scope(request, pk)
    return download_response(exports.ResultsExport(survey, ids).render())
