from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.accounts.models import Membership
from gongjian.organizations import selectors
from gongjian.organizations.filters import UnitFilterForm


@login_required
def unit_browse(request):
    """The tree browser: the actor's top units, or search results when a query is given."""
    actor = actor_for(request.user)
    form = UnitFilterForm(request.GET or None)
    searching = bool(request.GET) and form.is_valid() and any(form.cleaned_data.values())
    context = {"form": form}
    if request.GET and not form.is_valid():
        context["invalid"] = True
        status = 400
    else:
        status = 200
    if searching:
        results = selectors.unit_list(actor=actor, **form.cleaned_data)
        context["page"] = Paginator(results, 50).get_page(request.GET.get("page"))
    else:
        context["top_units"] = selectors.unit_top_level(actor=actor)
    template = "organizations/unit_browse.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context, status=status)


@login_required
def unit_detail(request, pk: int):
    actor = actor_for(request.user)
    unit = selectors.unit_get(actor=actor, unit_id=pk)
    members = []
    if actor.has_perm(Perm.MEMBER_VIEW):
        members = restrict(
            Membership.objects.filter(unit=unit, is_active=True), actor, Perm.MEMBER_VIEW, unit_field="unit"
        ).select_related("user")
    return render(
        request,
        "organizations/unit_detail.html",
        {
            "unit": unit,
            "breadcrumb": selectors.unit_breadcrumb(actor=actor, unit=unit),
            "children": selectors.unit_children(actor=actor, unit=unit),
            "pairings": selectors.unit_pairings(actor=actor, unit=unit),
            "members": members,
        },
    )
