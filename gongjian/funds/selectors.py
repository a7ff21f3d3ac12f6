"""Reads of the fund ledger, scoped: a community its own, a street its communities, the city all;
a co-construction liaison only the entries of its own pairings."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from gongjian.accounts.access import Actor, Perm, restrict
from gongjian.accounts.choices import Role
from gongjian.funds import ledger
from gongjian.funds.models import FundEntry


def _liaison_cobuild_ids(actor: Actor) -> set[int]:
    return {g.cobuild_unit_id for g in actor.grants if g.role == Role.COBUILD_LIAISON and g.cobuild_unit_id}


def entries_visible(*, actor: Actor) -> QuerySet[FundEntry]:
    entries = FundEntry.objects.all()
    scoped = restrict(entries, actor, Perm.FUND_VIEW, unit_field="community")
    cobuild_ids = _liaison_cobuild_ids(actor)
    if cobuild_ids:
        scoped = entries.filter(
            Q(pk__in=scoped.values("pk"))
            | Q(pairing__cobuild_unit_id__in=cobuild_ids, community_id__in=actor.paired_community_ids)
        )
    return scoped.select_related("community", "pairing__cobuild_unit", "reverses", "created_by")


def entry_list(
    *, actor: Actor, community_id: int | None = None, year: int | None = None, pairing_id: int | None = None
) -> QuerySet[FundEntry]:
    entries = entries_visible(actor=actor)
    if community_id:
        entries = entries.filter(community_id=community_id)
    if year:
        entries = entries.filter(date__year=year)
    if pairing_id:
        entries = entries.filter(pairing_id=pairing_id)
    return entries.prefetch_related("receipts").order_by("date", "id")


def entry_get(*, actor: Actor, entry_id) -> FundEntry:
    try:
        return entries_visible(actor=actor).prefetch_related("receipts").get(pk=int(entry_id))
    except (FundEntry.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def lines_of(entries) -> list[ledger.Line]:
    return [ledger.Line(kind=e.kind, amount=e.amount, date=e.date, reversal=e.reverses_id is not None) for e in entries]


def community_lines(community_id: int) -> list[ledger.Line]:
    """Every entry of one community as the pure rules see them (for its statement: unscoped)."""
    return lines_of(FundEntry.objects.filter(community_id=community_id).only("kind", "amount", "date", "reverses"))


def city_year_totals(*, actor: Actor, year: int, until=None) -> ledger.YearTotals:
    """The totals of every ledger the actor sees for one year (up to ``until`` when given)."""
    entries = entries_visible(actor=actor).filter(date__year__lte=year)
    if until is not None:
        entries = entries.filter(date__lte=until)
    return ledger.totals_for(lines_of(entries.select_related(None).only("kind", "amount", "date", "reverses")), year)
