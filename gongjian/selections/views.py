"""评选 pages: the city office's (create, approve, bursts, final results), the community's
nomination page, and the public page (nominees, a vote per category with a captcha, the results)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongjian.accounts.access import Perm, actor_for
from gongjian.accounts.throttles import client_ip
from gongjian.assessments.selectors import city_of
from gongjian.core.errors import Conflict
from gongjian.core.exporters import private_image_response
from gongjian.core.inputs import read_upload
from gongjian.residents import limits
from gongjian.residents.limits import device_id, with_device
from gongjian.selections import selectors, services
from gongjian.selections.choices import NomineeStatus
from gongjian.selections.forms import NominationForm, SelectionForm, VoteForm
from gongjian.selections.models import Nominee, Selection, VoteAnomaly


class VoteThrottle(limits.KeyedThrottle):
    scope = "selection_vote"


def _errors_into(form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


def index(request):
    """Every selection (public pages), with the nomination page for those who nominate."""
    actor = actor_for(request.user)
    return render(
        request,
        "selections/index.html",
        {
            "selections": Selection.objects.order_by("-voting_from", "-id"),
            "nominates": actor.has_perm(Perm.SELECTION_NOMINATE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def office_list(request):
    actor = actor_for(request.user)
    city = city_of(actor)
    if city is None or not actor.has_perm(Perm.SELECTION_MANAGE):
        raise Http404
    form = SelectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            selection = services.selection_create(user=request.user, city=city, **form.cleaned_data)
        except ValidationError as error:
            _errors_into(form, error)
        else:
            return redirect("selections:office-detail", selection.pk)
    return render(
        request,
        "selections/office_list.html",
        {"form": form, "selections": selectors.managed(actor=actor)},
        status=400 if form.errors else 200,
    )


@login_required
def office_detail(request, pk: int):
    selection = selectors.managed_get(actor=actor_for(request.user), pk=pk)
    return render(
        request,
        "selections/office_detail.html",
        {
            "selection": selection,
            "nominees": selectors.office_nominees(selection),
            "anomalies": selection.anomalies.order_by("status", "-vote_count"),
        },
    )


def _done(request, selection_pk, call):
    try:
        call()
    except (Conflict, ValidationError) as refused:
        messages.error(request, refused.messages[0] if isinstance(refused, ValidationError) else str(refused))
    else:
        messages.success(request, _("Done."))
    return redirect("selections:office-detail", selection_pk)


@login_required
@require_POST
def nominee_decide(request, pk: int):
    nominee = get_object_or_404(Nominee.objects.select_related("category__selection"), pk=pk)
    selection = selectors.managed_get(actor=actor_for(request.user), pk=nominee.category.selection_id)
    approve = request.POST.get("approve") == "1"
    return _done(
        request, selection.pk, lambda: services.nominee_decide(user=request.user, nominee=nominee, approve=approve)
    )


@login_required
@require_POST
def anomaly_decide(request, pk: int):
    anomaly = get_object_or_404(VoteAnomaly, pk=pk)
    selection = selectors.managed_get(actor=actor_for(request.user), pk=anomaly.selection_id)
    exclude = request.POST.get("exclude") == "1"
    return _done(
        request, selection.pk, lambda: services.anomaly_decide(user=request.user, anomaly=anomaly, exclude=exclude)
    )


@login_required
@require_POST
def scan(request, pk: int):
    selection = selectors.managed_get(actor=actor_for(request.user), pk=pk)
    return _done(request, selection.pk, lambda: services.anomalies_scan(selection=selection))


@login_required
@require_POST
def finalise(request, pk: int):
    selection = selectors.managed_get(actor=actor_for(request.user), pk=pk)
    return _done(request, selection.pk, lambda: services.selection_finalise(user=request.user, selection=selection))


@login_required
@require_http_methods(["GET", "POST"])
def nominate(request, pk: int):
    selection = get_object_or_404(Selection, pk=pk)
    communities = selectors.nominating_communities(actor=actor_for(request.user), selection=selection)
    if not communities:
        raise Http404
    categories = list(selection.categories.all())
    form = NominationForm(request.POST or None, categories=categories, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            photos = [read_upload(f) for f in request.FILES.getlist("photos")]
            services.nominee_submit(
                user=request.user,
                category=next(c for c in categories if str(c.pk) == data["category"]),
                community=next(u for u in communities if str(u.pk) == data["community"]),
                name=data["name"],
                story=data["story"],
                photos=photos,
            )
        except ValidationError as error:
            _errors_into(form, error)
        except Conflict as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The nomination is sent; the city office approves it."))
            return redirect("selections:nominate", selection.pk)
    return render(
        request,
        "selections/nominate.html",
        {
            "selection": selection,
            "form": form,
            "mine": selectors.nominations_of(communities=communities, selection=selection),
        },
        status=400 if form.errors else 200,
    )


def _public(request, selection, forms_by_category=None, status=200):
    categories = selectors.public_categories(selection)
    forms_by_category = forms_by_category or {}
    for category in categories:
        category.form = forms_by_category.get(category.pk) or VoteForm(
            nominees=category.approved, prefix=f"c{category.pk}"
        )
    return with_device(
        request,
        render(request, "selections/public.html", {"selection": selection, "categories": categories}, status=status),
    )


def public(request, pk: int):
    return _public(request, get_object_or_404(Selection, pk=pk))


@require_POST
def vote(request, pk: int, category_pk: int):
    selection = get_object_or_404(Selection, pk=pk)
    category = get_object_or_404(selection.categories, pk=category_pk)
    nominees = list(category.nominees.filter(status=NomineeStatus.APPROVED))
    if not limits.allowed(VoteThrottle, request, limits.address_hash(request)):
        return render(request, "residents/throttled.html", {"what": _("votes")}, status=429)
    form = VoteForm(request.POST, nominees=nominees, prefix=f"c{category.pk}")
    if not form.is_valid():
        return _public(request, selection, {category.pk: form}, status=400)
    nominee = next(n for n in nominees if str(n.pk) == form.cleaned_data["nominee"])
    try:
        services.vote_cast(category=category, nominee=nominee, device_id=device_id(request), address=client_ip(request))
    except (Conflict, ValidationError) as refused:
        form.add_error(None, refused.messages[0] if isinstance(refused, ValidationError) else str(refused))
        return _public(request, selection, {category.pk: form}, status=409)
    messages.success(request, _("Thank you: your vote is counted."))
    return with_device(request, redirect("selections:public", selection.pk))


def photo(request, photo_id: int, kind: str):
    return private_image_response(selectors.public_photo(actor=actor_for(request.user), photo_id=photo_id), kind)
