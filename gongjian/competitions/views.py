"""Pages of the environment competition: the list (with the create form for the city office), the
ranking (filters by street and kind, compute, publish, Excel), one unit's sheet (with its history
and adjustments) and the inspectors' entry form, phone first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.archives.services.files import FileIn
from gongjian.competitions import selectors, services
from gongjian.competitions.exporters import CompetitionRankingExport
from gongjian.competitions.forms import AdjustmentForm, CompetitionForm, EntryForm, RankingFilterForm
from gongjian.competitions.models import CompetitionItem
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.exporters import download_response
from gongjian.core.inputs import read_upload
from gongjian.core.storage import file_response
from gongjian.core.views import error_403
from gongjian.organizations.choices import CobuildKind, UnitLevel
from gongjian.organizations.models import CobuildUnit, Unit
from gongjian.organizations.tree import subtree_ids_sql


def _office_city(actor) -> Unit | None:
    """The city whose office the actor runs (competitions are created there), else None."""
    return (
        restrict(Unit.objects.filter(level=UnitLevel.CITY), actor, Perm.ASSESSMENT_MANAGE, unit_field="id")
        .order_by("id")
        .first()
    )


def _form(city: Unit, data=None, *, competition=None, initial=None) -> CompetitionForm:
    """The units to choose from: those placed in the city, and (editing) those already taking part,
    so that one placed elsewhere since is shown and refused by name rather than dropped unseen."""
    inside = subtree_ids_sql([city.pk])
    condition = Q(located_in_id__in=inside) | Q(pairings__community_id__in=inside)
    if competition is not None:
        condition |= Q(competition_entries__competition=competition)
    units = CobuildUnit.objects.filter(condition).distinct()
    return CompetitionForm(data, initial=initial, cobuild_units=units.order_by("name"))


def _list(request, form, status=200):
    actor = actor_for(request.user)
    competitions = selectors.competitions_visible(actor=actor).order_by("-starts_on", "-id")
    return render(
        request, "competitions/competition_list.html", {"competitions": competitions, "form": form}, status=status
    )


@login_required
def competition_index(request):
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.ASSESSMENT_VIEW):
        raise Http404
    city = _office_city(actor)
    return _list(request, _form(city) if city else None)


@login_required
@require_POST
def competition_create(request):
    actor = actor_for(request.user)
    city = _office_city(actor)
    if city is None:
        return error_403(request, _("Only the city office runs the environment competition."))
    form = _form(city, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            competition = services.competition_create(user=request.user, city=city, **_definition_sent(data))
        except ValidationError as error:
            _add_errors(form, error)
        except NotPermitted as refused:
            return error_403(request, refused.message)
        else:
            messages.success(request, _("The competition is created."))
            return redirect("competitions:detail", competition.pk)
    return _list(request, form, status=400)


def _definition_sent(data: dict) -> dict:
    """The form's cleaned values as the services take a definition (create and edit alike)."""
    return {
        "name": data["name"],
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "items_text": data["items"],
        "cobuild_units": list(data["cobuild_units"]),
    }


def _definition(competition) -> dict:
    """The competition's definition as the form's initial values: the items as the lines
    ``rules.parse_items`` reads, the units taking part selected."""
    return {
        "name": competition.name,
        "starts_on": competition.starts_on,
        "ends_on": competition.ends_on,
        "items": "\n".join(item.as_line() for item in competition.items.all()),
        "cobuild_units": list(competition.participants.values_list("cobuild_unit_id", flat=True)),
    }


def _edit_page(request, competition, form, status=200, refusal=""):
    return render(
        request,
        "competitions/competition_edit.html",
        {"competition": competition, "form": None if refusal else form, "refusal": refusal},
        status=status,
    )


@login_required
def competition_edit(request, pk):
    """Correct the competition's name, dates, items and units until scoring starts (the city office):
    the creation form pre-filled; once a result is recorded or it is computed, the refusal (409)."""
    actor = actor_for(request.user)
    competition = selectors.competition_get(actor=actor, competition_id=pk)
    if not selectors.can_manage(actor, competition):
        return error_403(request, _("Only the city office runs the environment competition."))
    refusal = selectors.edit_refusal(competition)
    if refusal:
        return _edit_page(request, competition, None, status=409, refusal=refusal)
    if request.method != "POST":
        return _edit_page(
            request, competition, _form(competition.city, competition=competition, initial=_definition(competition))
        )
    form = _form(competition.city, request.POST, competition=competition)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.competition_edit(user=request.user, competition=competition, **_definition_sent(data))
        except ValidationError as error:
            _add_errors(form, error)
        except NotPermitted as refused:
            return error_403(request, refused.message)
        except Conflict as refused:  # a first result came in meanwhile
            return _edit_page(request, competition, None, status=409, refusal=refused.message)
        else:
            messages.success(request, _("The competition's definition is saved."))
            return redirect("competitions:detail", competition.pk)
    return _edit_page(request, competition, form, status=400)


def _add_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def _ranking_context(request, competition):
    actor = actor_for(request.user)
    everyone = selectors.ranking(actor=actor, competition=competition)
    filters = RankingFilterForm(request.GET or None, streets=selectors.streets_of(competition, everyone))
    street, kind = None, ""
    if filters.is_bound and filters.is_valid():
        street, kind = filters.cleaned_data["street"], filters.cleaned_data["kind"]
    rows = (
        everyone
        if not (street or kind)
        else selectors.ranking(actor=actor, competition=competition, street_id=street, kind=kind)
    )
    described = []
    if street:
        described.append((_("Street"), dict(filters.fields["street"].choices)[street]))
    if kind:
        described.append((_("Kind"), str(CobuildKind(kind).label)))
    return actor, rows, filters, described


@login_required
def competition_detail(request, pk):
    actor = actor_for(request.user)
    competition = selectors.competition_get(actor=actor, competition_id=pk)
    actor, rows, filters, described = _ranking_context(request, competition)
    manager = selectors.can_manage(actor, competition)
    return render(
        request,
        "competitions/competition_detail.html",
        {
            "competition": competition,
            "rows": rows,
            "filters": filters,
            "query": request.GET.urlencode(),
            "manager": manager,
            "can_edit": manager and not selectors.edit_refusal(competition),
            "can_score": selectors.participants_to_score(actor=actor, competition=competition).exists(),
            "stale": selectors.changes_since_computed(competition),
            "items": list(competition.items.all()),
        },
    )


@login_required
def competition_export(request, pk):
    actor = actor_for(request.user)
    competition = selectors.competition_get(actor=actor, competition_id=pk)
    actor, rows, _filters, described = _ranking_context(request, competition)
    return download_response(CompetitionRankingExport(competition, rows, filters=described).render())


def _act(request, pk, service, done: str):
    actor = actor_for(request.user)
    competition = selectors.competition_get(actor=actor, competition_id=pk)
    try:
        service(user=request.user, competition=competition)
    except NotPermitted as refused:
        return error_403(request, refused.message)
    except Conflict as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect("competitions:detail", competition.pk)


@login_required
@require_POST
def competition_compute(request, pk):
    return _act(request, pk, services.competition_compute, _("Totals and ranks are computed."))


@login_required
@require_POST
def competition_publish(request, pk):
    return _act(request, pk, services.competition_publish, _("The competition is published; its results are final."))


@login_required
def participant_sheet(request, pk, participant_id):
    actor = actor_for(request.user)
    competition = selectors.competition_get(actor=actor, competition_id=pk)
    participant = selectors.participant_get(actor=actor, competition=competition, participant_id=participant_id)
    manager = selectors.can_manage(actor, competition)
    return _sheet(request, competition, participant, manager, AdjustmentForm() if manager else None)


def _sheet(request, competition, participant, manager, adjustment_form, status=200):
    adjustments = list(selectors.adjustments(participant))
    adjusted = None
    if participant.score is not None:
        adjusted = participant.score + sum((a.points for a in adjustments), 0)
    return render(
        request,
        "competitions/participant_sheet.html",
        {
            "competition": competition,
            "participant": participant,
            "lines": selectors.sheet_lines(participant),
            "adjustments": adjustments,
            "adjusted": adjusted,
            "history": selectors.entry_history(participant)[:50],
            "manager": manager,
            "adjustment_form": adjustment_form if competition.is_published else None,
            "can_score": not competition.is_published and selectors.can_score(actor_for(request.user), participant),
        },
        status=status,
    )


@login_required
@require_POST
def participant_adjust(request, pk, participant_id):
    actor = actor_for(request.user)
    competition = selectors.competition_get(actor=actor, competition_id=pk)
    participant = selectors.participant_get(actor=actor, competition=competition, participant_id=participant_id)
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        try:
            services.adjustment_add(user=request.user, participant=participant, **form.cleaned_data)
        except NotPermitted as refused:
            return error_403(request, refused.message)
        except Conflict as refused:
            form.add_error(None, refused.message)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The adjustment is recorded."))
            return redirect("competitions:sheet", competition.pk, participant.pk)
    return _sheet(request, competition, participant, True, form, status=400)


def _entry_forms(participant, data=None, files=None, only=None):
    entries = {e.item_id: e for e in participant.entries.all()}
    rows = []
    for item in participant.competition.items.all():
        entry = entries.get(item.pk)
        initial = {"value": int(entry.value) if entry and item.method != "points" else (entry.value if entry else None)}
        if entry:
            initial["reason"] = entry.reason
        bound = only is not None and item.pk == only
        form = EntryForm(data if bound else None, files if bound else None, item=item, initial=initial)
        rows.append({"item": item, "entry": entry, "form": form})
    return rows


@login_required
def participant_entry(request, pk, participant_id):
    """The inspector's page for one unit: every item with its result, one form per item (so a
    phone sends one result at a time)."""
    actor = actor_for(request.user)
    competition = selectors.competition_get(actor=actor, competition_id=pk)
    participant = selectors.participant_get(actor=actor, competition=competition, participant_id=participant_id)
    if not selectors.can_score(actor, participant):
        return error_403(request, _("You do not record results for this unit."))
    status, only = 200, None
    if request.method == "POST":
        item = CompetitionItem.objects.filter(competition=competition, pk=_int(request.POST.get("item"))).first()
        if item is None:
            raise Http404
        only = item.pk
        form = EntryForm(request.POST, request.FILES, item=item)
        if form.is_valid():
            upload = form.cleaned_data.get("photo")
            try:
                services.entry_set(
                    user=request.user,
                    participant=participant,
                    item=item,
                    value=form.cleaned_data["value"],
                    reason=form.cleaned_data["reason"],
                    photo=FileIn(name=upload.name, data=read_upload(upload)) if upload else None,
                )
            except NotPermitted as refused:
                return error_403(request, refused.message)
            except Conflict as refused:
                messages.error(request, refused.message)
                return redirect("competitions:sheet", competition.pk, participant.pk)
            except ValidationError as error:
                rows = _entry_forms(participant, request.POST, request.FILES, only)
                _add_errors(next(r["form"] for r in rows if r["item"].pk == only), error)
                return _entry_page(request, competition, participant, rows, 400)
            messages.success(request, _("%(item)s: the result is recorded.") % {"item": item.code})
            return redirect(f"{request.path}#item-{item.pk}")
        status = 400
    rows = _entry_forms(participant, request.POST or None, request.FILES or None, only)
    return _entry_page(request, competition, participant, rows, status)


def _entry_page(request, competition, participant, rows, status):
    if competition.is_published:
        messages.info(request, _("The competition is published: its results are final."))
        return redirect("competitions:sheet", competition.pk, participant.pk)
    return render(
        request,
        "competitions/participant_entry.html",
        {"competition": competition, "participant": participant, "rows": rows},
        status=status,
    )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def entry_photo(request, pk, participant_id, entry_id):
    actor = actor_for(request.user)
    competition = selectors.competition_get(actor=actor, competition_id=pk)
    participant = selectors.participant_get(actor=actor, competition=competition, participant_id=participant_id)
    entry = participant.entries.filter(pk=_int(entry_id)).exclude(photo="").first()
    if entry is None:
        raise Http404
    return file_response(entry.photo, content_type="image/jpeg")
