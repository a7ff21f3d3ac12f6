"""Reads of the fund ledger, scoped: a community its own, a street its communities, the city all;
a co-construction liaison only the entries of its own pairings."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from gongjian.accounts.access import Actor, Perm, get_scoped_or_404, restrict
from gongjian.accounts.choices import Role
from gongjian.funds import ledger
from gongjian.funds.models import FundEntry, FundReceipt
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Pairing, Unit


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


# --- the ledger pages ---------------------------------------------------------------------------------------------


def communities_visible(*, actor: Actor) -> QuerySet[Unit]:
    """The communities whose whole ledger the actor may read (a community its own, a street its
    communities, the city all); a liaison reads its pairings' ledgers instead (pairings_visible)."""
    return restrict(Unit.objects.filter(level=UnitLevel.COMMUNITY), actor, Perm.FUND_VIEW, unit_field="id").order_by(
        "code", "id"
    )


def pairings_visible(*, actor: Actor) -> QuerySet[Pairing]:
    """The pairings whose ledger the actor may read: those of the communities in its scope and, for
    a co-construction liaison, its own unit's pairings with the communities it is paired with."""
    pairings = Pairing.objects.filter(community__in=communities_visible(actor=actor))
    cobuild_ids = _liaison_cobuild_ids(actor)
    if cobuild_ids:
        pairings = Pairing.objects.filter(
            Q(pk__in=pairings.values("pk"))
            | Q(cobuild_unit_id__in=cobuild_ids, community_id__in=actor.paired_community_ids)
        )
    return pairings.select_related("cobuild_unit", "community").order_by("community__code", "cobuild_unit__name", "id")


def community_get(*, actor: Actor, community_id) -> Unit:
    try:
        return get_scoped_or_404(
            Unit.objects.filter(level=UnitLevel.COMMUNITY), actor, Perm.FUND_VIEW, unit_field="id", pk=community_id
        )
    except OverflowError:
        raise Http404 from None


def pairing_get(*, actor: Actor, pairing_id) -> Pairing:
    try:
        return pairings_visible(actor=actor).get(pk=int(pairing_id))
    except (Pairing.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def ledger_entries(*, actor: Actor, community_id: int, pairing_id: int | None = None) -> QuerySet[FundEntry]:
    """Every entry of one ledger the actor sees, in the ledger's order: a community's, or one of
    its pairings' (only the entries naming that pairing)."""
    entries = entries_visible(actor=actor).filter(community_id=community_id)
    if pairing_id:
        entries = entries.filter(pairing_id=pairing_id)
    return entries.order_by("date", "id")


def ledger_lines(entries: QuerySet[FundEntry]) -> tuple[list[int], list[ledger.Line]]:
    """The ids and lines of a ledger's entries (one light query), for its running balance."""
    rows = list(entries.select_related(None).values_list("id", "kind", "amount", "date", "reverses_id"))
    return (
        [row[0] for row in rows],
        [ledger.Line(kind=k, amount=a, date=d, reversal=r is not None) for _id, k, a, d, r in rows],
    )


def community_pairings(*, community_id: int) -> QuerySet[Pairing]:
    """The pairings of a community, for choosing the co-construction unit of an entry."""
    return (
        Pairing.objects.filter(community_id=community_id)
        .select_related("cobuild_unit")
        .order_by("cobuild_unit__name", "-started_on", "id")
    )


def receipt_get(*, actor: Actor, receipt_id) -> FundReceipt:
    """One receipt, only when its entry is in the actor's scope (404 otherwise, whether it exists or not)."""
    try:
        return FundReceipt.objects.select_related("entry").get(
            pk=int(receipt_id), entry__in=entries_visible(actor=actor).values("pk")
        )
    except (FundReceipt.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


@dataclass(frozen=True)
class OverviewRow:
    """One line of the funds overview: a community's ledger, or (for a liaison) one pairing's."""

    name: str
    totals: ledger.YearTotals
    community_id: int | None = None
    pairing_id: int | None = None


def overview_rows(*, actor: Actor, year: int) -> tuple[list[OverviewRow], ledger.YearTotals]:
    """The year's totals of every ledger the actor reads — each community in its scope (with or
    without entries yet), and for a liaison each of its pairings — and of all of them together."""
    communities = list(communities_visible(actor=actor).only("id", "name", "code"))
    lines: dict[int, list[ledger.Line]] = {c.pk: [] for c in communities}
    by_pairing: dict[int, list[ledger.Line]] = {}
    every: list[ledger.Line] = []
    entries = entries_visible(actor=actor).filter(date__year__lte=year).select_related(None)
    for community_id, pairing_id, kind, amount, date, reverses_id in entries.values_list(
        "community_id", "pairing_id", "kind", "amount", "date", "reverses_id"
    ):
        line = ledger.Line(kind=kind, amount=amount, date=date, reversal=reverses_id is not None)
        every.append(line)
        if community_id in lines:
            lines[community_id].append(line)
        elif pairing_id:
            by_pairing.setdefault(pairing_id, []).append(line)
    rows = [OverviewRow(c.name, ledger.totals_for(lines[c.pk], year), community_id=c.pk) for c in communities]
    if _liaison_cobuild_ids(actor):
        for pairing in pairings_visible(actor=actor).exclude(community_id__in=lines):
            rows.append(
                OverviewRow(
                    f"{pairing.community.name} · {pairing.cobuild_unit.name}",
                    ledger.totals_for(by_pairing.get(pairing.pk, []), year),
                    pairing_id=pairing.pk,
                )
            )
    return rows, ledger.totals_for(every, year)
