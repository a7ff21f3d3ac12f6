"""Reads of 评选, scoped through the access module: the office's selections (SELECTION_MANAGE at
the city), the communities an actor nominates for (SELECTION_NOMINATE), the public view."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql
from gongjian.selections.choices import NomineeStatus
from gongjian.selections.models import Nominee, NomineePhoto, Selection, SelectionCategory


def managed(*, actor: Actor) -> QuerySet[Selection]:
    return restrict(Selection.objects.all(), actor, Perm.SELECTION_MANAGE, unit_field="city")


def managed_get(*, actor: Actor, pk) -> Selection:
    return get_scoped_or_404(Selection.objects.all(), actor, Perm.SELECTION_MANAGE, unit_field="city", pk=pk)


def nominating_communities(*, actor: Actor, selection: Selection) -> list[Unit]:
    """The communities of the selection's city the actor may nominate for (none: 404 for the page)."""
    units = Unit.objects.filter(level="community", id__in=subtree_ids_sql([selection.city_id]))
    return list(restrict(units, actor, Perm.SELECTION_NOMINATE, unit_field="id").order_by("code"))


def nominations_of(*, communities: list[Unit], selection: Selection) -> QuerySet[Nominee]:
    return Nominee.objects.filter(category__selection=selection, community__in=communities).select_related(
        "category", "community"
    )


def office_nominees(selection: Selection) -> QuerySet[Nominee]:
    return (
        Nominee.objects.filter(category__selection=selection)
        .select_related("category", "community")
        .prefetch_related("photos")
        .annotate(live=Count("votes", filter=Q(votes__excluded=False)), all_votes=Count("votes"))
        .order_by("category__kind", "-live", "id")
    )


def public_categories(selection: Selection) -> list[SelectionCategory]:
    approved = Nominee.objects.filter(status=NomineeStatus.APPROVED).select_related("community")
    approved = approved.prefetch_related("photos").order_by("-votes_counted", "id")
    return list(selection.categories.prefetch_related(Prefetch("nominees", queryset=approved, to_attr="approved")))


def public_photo(*, actor: Actor, photo_id: int) -> NomineePhoto:
    """An approved nominee's photo for everyone; a pending one for the office and its community."""
    photo = NomineePhoto.objects.select_related("nominee__category__selection", "nominee__community").filter(
        pk=photo_id
    )
    photo = photo.first()
    if photo is None:
        raise Http404
    nominee = photo.nominee
    if nominee.status == NomineeStatus.APPROVED:
        return photo
    city_id = nominee.category.selection.city_id
    if restrict(Unit.objects.filter(id=city_id), actor, Perm.SELECTION_MANAGE, unit_field="id").exists():
        return photo
    if restrict(Unit.objects.filter(id=nominee.community_id), actor, Perm.SELECTION_NOMINATE, unit_field="id").exists():
        return photo
    raise Http404


def latest_winners(city: Unit) -> dict | None:
    """The latest final selection of the city and its winners, as plain values (for the board)."""
    selection = Selection.objects.filter(city=city, finalised_at__isnull=False).order_by("-finalised_at").first()
    if selection is None:
        return None
    winners = (
        Nominee.objects.filter(category__selection=selection, is_winner=True)
        .select_related("category", "community")
        .order_by("category__kind", "-votes_counted", "id")
    )
    return {
        "title": selection.title,
        "pk": selection.pk,
        "winners": [
            {"kind": w.category.kind, "name": w.name, "community": w.community.name, "votes": w.votes_counted}
            for w in winners
        ],
    }
