"""Reads of competitions, scoped through the access module:

- the city's people (the city office, leaders, inspectors at the city) see every unit of it;
- a street (officer, inspector) and a community see the units placed in their subtree;
- a co-construction unit's own user (liaison) sees only its own unit — not the other units that
  happen to sit in the communities it is paired with;
- anyone else (another city's or street's user, the outsider) sees nothing: 404.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404

from gongjian.accounts.access import Actor, Perm, can_on_unit, restrict
from gongjian.accounts.choices import Role
from gongjian.competitions import rules
from gongjian.competitions.choices import CompetitionStatus
from gongjian.competitions.models import Adjustment, Competition, Entry, Participant
from gongjian.core.models import AuditEvent

ENTRY_ACTION = "competition.entry"


def liaison_cobuild_ids(actor: Actor) -> set[int]:
    return {g.cobuild_unit_id for g in actor.grants if g.role == Role.COBUILD_LIAISON and g.cobuild_unit_id}


def _by_place(actor: Actor) -> Actor:
    """The actor without its co-construction grants: a liaison's pairings let it see communities,
    not the other units of the competition placed there (those it sees by its own unit only)."""
    return dataclasses.replace(
        actor,
        grants=tuple(g for g in actor.grants if g.role != Role.COBUILD_LIAISON),
        paired_community_ids=frozenset(),
    )


def participants_visible(*, actor: Actor, perm: Perm = Perm.ASSESSMENT_VIEW) -> QuerySet[Participant]:
    participants = Participant.objects.all()
    condition = Q(pk__in=restrict(participants, _by_place(actor), perm, unit_field="place").values("pk"))
    own = liaison_cobuild_ids(actor)
    if own and perm == Perm.ASSESSMENT_VIEW:
        condition |= Q(cobuild_unit_id__in=own)
    return participants.filter(condition)


def competitions_visible(*, actor: Actor) -> QuerySet[Competition]:
    competitions = Competition.objects.all()
    by_city = restrict(competitions, _by_place(actor), Perm.ASSESSMENT_VIEW, unit_field="city").values("pk")
    by_unit = participants_visible(actor=actor).values("competition_id")
    return competitions.filter(Q(pk__in=by_city) | Q(pk__in=by_unit)).select_related("city")


def competition_get(*, actor: Actor, competition_id) -> Competition:
    try:
        return competitions_visible(actor=actor).get(pk=int(competition_id))
    except (Competition.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def can_manage(actor: Actor, competition: Competition) -> bool:
    """Create, compute, publish and adjust: the city office (ASSESSMENT_MANAGE at the city)."""
    return can_on_unit(actor, Perm.ASSESSMENT_MANAGE, competition.city_id)


def scoring_started(competition: Competition) -> bool:
    """Any result or adjustment on file: from then on the definition (items, units) is fixed."""
    return (
        Entry.objects.filter(participant__competition=competition).exists()
        or Adjustment.objects.filter(participant__competition=competition).exists()
    )


def edit_refusal(competition: Competition) -> str:
    """Why the competition's definition (name, dates, items, units) can no longer be corrected, or
    "" while it can: a draft without any result or adjustment."""
    from django.utils.translation import gettext as _

    if competition.status == CompetitionStatus.COMPUTED:
        return _("The competition has been computed: its definition can no longer be changed.")
    if competition.status == CompetitionStatus.PUBLISHED:
        return _("The competition is published: its definition can no longer be changed.")
    if scoring_started(competition):
        return _("Results have been recorded: the competition's definition can no longer be changed.")
    return ""


def can_edit(actor: Actor, competition: Competition) -> bool:
    """Correct the definition: the city office, while ``edit_refusal`` has nothing to say
    (``services.competition_edit`` asks again under the competition's lock)."""
    return can_manage(actor, competition) and not edit_refusal(competition)


def participants_to_score(*, actor: Actor, competition: Competition) -> QuerySet[Participant]:
    """The units whose results the actor may record: an inspector's (or the city office's) area."""
    if can_manage(actor, competition):
        rows = Participant.objects.filter(competition=competition)
    else:
        rows = participants_visible(actor=actor, perm=Perm.COMPETITION_SCORE).filter(competition=competition)
    return rows.select_related("cobuild_unit").order_by("cobuild_unit__name", "id")


def can_score(actor: Actor, participant: Participant) -> bool:
    return participants_to_score(actor=actor, competition=participant.competition).filter(pk=participant.pk).exists()


def ranking(
    *, actor: Actor | None, competition: Competition, street_id: int | None = None, kind: str = ""
) -> list[Participant]:
    """The visible units of the competition, best first, with their adjustments' total
    (``adjusted``: the final score after corrections). ``actor=None`` only for the operator's
    command (every unit)."""
    visible = participants_visible(actor=actor) if actor is not None else Participant.objects.all()
    rows = (
        visible.filter(competition=competition)
        .select_related("cobuild_unit", "street", "place")
        .annotate(adjustments_total=Sum("adjustments__points"))
        .order_by(F("rank_city").asc(nulls_last=True), "cobuild_unit__name", "id")
    )
    if street_id:
        rows = rows.filter(street_id=street_id)
    if kind:
        rows = rows.filter(kind=kind)
    out = list(rows)
    for row in out:
        row.adjusted = (row.score + (row.adjustments_total or Decimal("0"))) if row.score is not None else None
    return out


def participant_get(*, actor: Actor, competition: Competition, participant_id) -> Participant:
    try:
        return (
            participants_visible(actor=actor)
            .select_related("cobuild_unit", "street", "place", "competition", "competition__city")
            .get(competition=competition, pk=int(participant_id))
        )
    except (Participant.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


@dataclasses.dataclass
class SheetLine:
    item: object
    entry: Entry | None
    lost: Decimal
    result_label: str


def sheet_lines(participant: Participant) -> list[SheetLine]:
    """Each item of the competition with the unit's result and the points it loses (as the
    entries stand now; after publication they no longer change)."""
    entries = {e.item_id: e for e in participant.entries.select_related("recorded_by")}
    lines = []
    for item in participant.competition.items.all():
        entry = entries.get(item.pk)
        spec = item.spec
        lost = rules.item_lost(spec, entry.value if entry else None)
        lines.append(SheetLine(item=item, entry=entry, lost=lost, result_label=result_label(spec, entry)))
    return lines


def result_label(spec: rules.ItemSpec, entry: Entry | None) -> str:
    from django.utils.translation import gettext as _

    if entry is None:
        return _("No result entered")
    if spec.method == "deduct":
        return _("%(n)s occurrence(s)") % {"n": int(entry.value)}
    if spec.method == "grade":
        return rules.grade_label(int(entry.value))
    return _("%(points)s points lost") % {"points": entry.value}


def adjustments(participant: Participant) -> QuerySet[Adjustment]:
    return participant.adjustments.select_related("author")


def entry_history(participant: Participant) -> QuerySet[AuditEvent]:
    """Who changed which result, when, from what to what."""
    return (
        AuditEvent.objects.filter(
            target_type="competitions.competition",
            target_id=str(participant.competition_id),
            action=ENTRY_ACTION,
            changes__participant=participant.pk,
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )


def changes_since_computed(competition: Competition) -> int:
    """Results recorded or changed after the last computation (the audit trail's watermark):
    publishing waits until the competition is computed again. Before any computation: 0."""
    if competition.computed_at is None:
        return 0
    return AuditEvent.objects.filter(
        pk__gt=competition.audit_watermark,
        target_type="competitions.competition",
        target_id=str(competition.pk),
        action=ENTRY_ACTION,
    ).count()


def streets_of(competition: Competition, participants: list[Participant]) -> list:
    seen = {}
    for p in participants:
        if p.street_id and p.street_id not in seen:
            seen[p.street_id] = p.street
    return sorted(seen.values(), key=lambda u: (u.code, u.pk))
