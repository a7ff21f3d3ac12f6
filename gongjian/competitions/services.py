"""Writes of competitions, each audited (who, when, from, to): creating one (the city office),
recording a unit's result for an item (inspectors), computing totals and ranks, publishing
(final: refused while a result changed after the last computation) and adjustments after it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, can_on_unit
from gongjian.archives.services.files import FileIn
from gongjian.archives.uploads import FileRejected, accept_file
from gongjian.competitions import rules, selectors
from gongjian.competitions.choices import CompetitionStatus
from gongjian.competitions.models import Adjustment, Competition, CompetitionItem, Entry, Participant
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.inputs import check_date, clean_text
from gongjian.core.models import AuditEvent
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import CobuildUnit, Unit
from gongjian.organizations.tree import ancestry

MAX_PARTICIPANTS = 2000


def _require_manage(user, city_id: int) -> None:
    if not can_on_unit(actor_for(user), Perm.ASSESSMENT_MANAGE, city_id):
        raise NotPermitted(_("Only the city office runs the environment competition."))


def _lock(competition: Competition) -> Competition:
    return Competition.objects.select_for_update().get(pk=competition.pk)


def place_of(cobuild_unit: CobuildUnit) -> int | None:
    """Where a co-construction unit sits in the tree: where it is located, else the community of
    its first pairing."""
    if cobuild_unit.located_in_id:
        return cobuild_unit.located_in_id
    pairing = cobuild_unit.pairings.order_by("started_on", "id").first()
    return pairing.community_id if pairing else None


@dataclass(frozen=True)
class Definition:
    """A competition's definition as checked: its name, dates, items and units placed in the city."""

    name: str
    starts_on: datetime.date
    ends_on: datetime.date
    items: list[rules.ItemSpec]
    placed: list[tuple[CobuildUnit, int, int | None]]  # (unit, place, street)


def _check_definition(
    *,
    city: Unit,
    name: str,
    starts_on,
    ends_on,
    items_text: str,
    cobuild_units: list[CobuildUnit],
    competition: Competition | None = None,
) -> Definition:
    """What creating and editing both check, every problem at its field: the name (unique in the
    city, ``competition`` itself excepted), the dates, the items (``rules.parse_items``) and the
    units (each placed in the city). Raises ValidationError listing them all."""
    errors: dict[str, list[str]] = {}
    name = clean_text(name or "").strip()
    same_name = Competition.objects.filter(city=city, name=name)
    if competition is not None:
        same_name = same_name.exclude(pk=competition.pk)
    if not name or len(name) > 120:
        errors["name"] = [_("Give the competition's name (up to 120 characters).")]
    elif same_name.exists():
        errors["name"] = [_("The city already has a competition of this name.")]
    for field_name, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not isinstance(value, datetime.date):
            errors[field_name] = [_("Give a date.")]
            continue
        try:
            check_date(value)
        except ValidationError as error:
            errors[field_name] = error.messages
    if "starts_on" not in errors and "ends_on" not in errors and ends_on < starts_on:
        errors["ends_on"] = [_("The competition cannot end before it starts.")]
    try:
        items = rules.parse_items(items_text)
    except rules.RulesError as error:
        errors["items"] = error.messages
        items = []
    units = list(dict.fromkeys(cobuild_units))
    placed: list[tuple[CobuildUnit, int, int | None]] = []
    if not units:
        errors["cobuild_units"] = [_("Choose the co-construction units taking part.")]
    elif len(units) > MAX_PARTICIPANTS:
        errors["cobuild_units"] = [_("At most %(n)s units.") % {"n": MAX_PARTICIPANTS}]
    else:
        outside = []
        for unit in units:
            place = place_of(unit)
            chain = ancestry(place) if place else {}
            if chain.get(UnitLevel.CITY) != city.pk:
                outside.append(unit.name)
            else:
                placed.append((unit, place, chain.get(UnitLevel.STREET)))
        if outside:
            errors["cobuild_units"] = [
                _("Not placed in this city (no location or pairing here): %(names)s") % {"names": "、".join(outside)}
            ]
    if errors:
        raise ValidationError(errors)
    return Definition(name=name, starts_on=starts_on, ends_on=ends_on, items=items, placed=placed)


def _item_row(competition: Competition, item: rules.ItemSpec, position: int) -> CompetitionItem:
    return CompetitionItem(
        competition=competition,
        code=item.code,
        name=item.name,
        points=item.points,
        method=item.method,
        per_occurrence=item.per_occurrence,
        grades=[str(g) for g in item.grades],
        position=position,
    )


def _participant_row(competition: Competition, unit: CobuildUnit, place: int, street: int | None) -> Participant:
    return Participant(competition=competition, cobuild_unit=unit, place_id=place, street_id=street, kind=unit.kind)


@transaction.atomic
def competition_create(
    *,
    user,
    city: Unit,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    items_text: str,
    cobuild_units: list[CobuildUnit],
) -> Competition:
    """Declare a competition with its rule items (``rules.parse_items``) and its units."""
    _require_manage(user, city.pk)
    checked = _check_definition(
        city=city, name=name, starts_on=starts_on, ends_on=ends_on, items_text=items_text, cobuild_units=cobuild_units
    )
    competition = Competition.objects.create(
        city=city, name=checked.name, starts_on=starts_on, ends_on=ends_on, created_by=user
    )
    CompetitionItem.objects.bulk_create(_item_row(competition, item, n) for n, item in enumerate(checked.items))
    Participant.objects.bulk_create(
        _participant_row(competition, unit, place, street) for unit, place, street in checked.placed
    )
    audit_record(
        actor=user,
        action="competition.create",
        target=competition,
        to_state=CompetitionStatus.DRAFT,
        changes={
            "items": [item.as_line() for item in checked.items],
            "units": [unit.pk for unit, _place, _street in checked.placed],
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return competition


@transaction.atomic
def competition_edit(
    *,
    user,
    competition: Competition,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    items_text: str,
    cobuild_units: list[CobuildUnit],
) -> Competition:
    """Correct a competition's definition (name, dates, items, units) until scoring starts: the
    same permission and checks as creating it; refused (Conflict) once it is computed or any result
    or adjustment exists — checked under the competition's lock, which ``entry_set`` takes too, so
    an edit and a first result cannot both win. Items are matched by code (kept, changed, removed,
    added), units by co-construction unit (kept as they are, removed, added). Nothing differs:
    nothing written, no audit event."""
    _require_manage(user, competition.city_id)
    given, competition = competition, _lock(competition)
    refusal = selectors.edit_refusal(competition)
    if refusal:
        raise Conflict(refusal)
    checked = _check_definition(
        city=competition.city,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        items_text=items_text,
        cobuild_units=cobuild_units,
        competition=competition,
    )
    changes: dict[str, object] = {}
    for field_name in ("name", "starts_on", "ends_on"):
        before, after = getattr(competition, field_name), getattr(checked, field_name)
        if before != after:
            changes[field_name] = {"from": str(before), "to": str(after)}
            setattr(competition, field_name, after)

    old_items = list(competition.items.all())
    if [item.spec for item in old_items] != checked.items:
        changes["items"] = {
            "from": [item.spec.as_line() for item in old_items],
            "to": [item.as_line() for item in checked.items],
        }
        by_code = {item.code: item for item in old_items}
        wanted = {item.code for item in checked.items}
        CompetitionItem.objects.filter(pk__in=[i.pk for i in old_items if i.code not in wanted]).delete()
        kept, added = [], []
        for position, spec in enumerate(checked.items):
            row = _item_row(competition, spec, position)
            if spec.code in by_code:
                row.pk = by_code[spec.code].pk
                kept.append(row)
            else:
                added.append(row)
        CompetitionItem.objects.bulk_update(kept, ["name", "points", "method", "per_occurrence", "grades", "position"])
        CompetitionItem.objects.bulk_create(added)

    current = {p.cobuild_unit_id: p for p in competition.participants.select_related("cobuild_unit")}
    wanted_units = {unit.pk for unit, _place, _street in checked.placed}
    removed = [p for unit_id, p in current.items() if unit_id not in wanted_units]
    added_units = [(unit, place, street) for unit, place, street in checked.placed if unit.pk not in current]
    if removed or added_units:
        changes["units"] = {
            "added": [{"id": unit.pk, "name": unit.name} for unit, _place, _street in added_units],
            "removed": [{"id": p.cobuild_unit_id, "name": p.cobuild_unit.name} for p in removed],
        }
        Participant.objects.filter(pk__in=[p.pk for p in removed]).delete()
        Participant.objects.bulk_create(
            _participant_row(competition, unit, place, street) for unit, place, street in added_units
        )

    if not changes:
        return given
    competition.save(update_fields=["name", "starts_on", "ends_on", "updated_at"])
    for field_name in ("name", "starts_on", "ends_on"):
        setattr(given, field_name, getattr(competition, field_name))
    audit_record(actor=user, action="competition.edit", target=competition, changes=changes)
    return competition


def _value_text(entry: Entry | None) -> str:
    return "" if entry is None else f"{entry.value.normalize():f}"


def entry_set(
    *,
    user,
    participant: Participant,
    item: CompetitionItem,
    value,
    reason: str = "",
    photo: FileIn | None = None,
) -> Entry:
    """Record (or change) an inspector's result for one unit and item: occurrences for a deduct
    item, the grade (0 = best) for a grade item, points lost for a points item. A result that loses
    points needs its reason. Refused once the competition is published (record an adjustment)."""
    competition = participant.competition
    if not selectors.can_score(actor_for(user), participant):
        raise NotPermitted(_("You do not record results for this unit."))
    if item.competition_id != competition.pk:
        raise ValidationError({"item": [_("This item is not part of the competition.")]})
    try:
        checked = rules.check_value(item.spec, value)
    except ValueError as error:
        raise ValidationError({"value": [str(error)]}) from None
    reason = clean_text(reason or "").strip()
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("The reason is too long (at most 2000 characters).")]})
    lost = rules.item_lost(item.spec, checked)
    if lost > 0 and not reason:
        raise ValidationError({"reason": [_("Give the reason for the points lost.")]})
    accepted = None
    if photo is not None:
        try:
            accepted = accept_file(photo.data, photo.name, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES)
        except FileRejected as error:
            raise ValidationError({"photo": [f"{photo.name}: {error.message}"]}) from None
        if accepted.kind != "image":
            raise ValidationError({"photo": [_("%(name)s: only a photo is accepted here.") % {"name": photo.name}]})
    with transaction.atomic():
        competition = _lock(competition)
        if competition.is_published:
            raise Conflict(
                _("The competition is published: its results are final. Record a correction as an adjustment.")
            )
        # An edit of the definition (competition_edit, under the same lock) may have just removed or
        # changed the item or the unit the caller loaded before: refuse rather than score against it.
        current = CompetitionItem.objects.filter(pk=item.pk, competition=competition).first()
        if (
            current is None
            or current.spec != item.spec
            or not Participant.objects.filter(pk=participant.pk, competition=competition).exists()
        ):
            raise Conflict(_("The competition's items or units changed meanwhile: reload the page and try again."))
        entry = Entry.objects.select_for_update().filter(participant=participant, item=item).first()
        before, before_reason = _value_text(entry), entry.reason if entry else ""
        if entry is not None and entry.value == checked and entry.reason == reason and accepted is None:
            return entry  # nothing changed: nothing written, nothing to recompute
        if entry is None:
            entry = Entry(participant=participant, item=item)
        entry.value = checked
        entry.reason = reason
        entry.recorded_by = user
        entry.recorded_at = timezone.now()
        if accepted is not None:
            entry.photo.save(accepted.name, ContentFile(accepted.content), save=False)
        entry.save()
        audit_record(
            actor=user,
            action=selectors.ENTRY_ACTION,
            target=competition,
            from_state=before[:40],
            to_state=_value_text(entry)[:40],
            note=reason,
            changes={
                "participant": participant.pk,
                "unit": participant.cobuild_unit.name,
                "item": item.code,
                "from": {"value": before, "reason": before_reason},
                "to": {"value": _value_text(entry), "reason": reason, "lost": str(lost)},
                **({"photo": entry.photo.name} if accepted is not None else {}),
            },
        )
    return entry


@transaction.atomic
def competition_compute(*, user, competition: Competition) -> Competition:
    """Totals, rates and ranks (city, street, kind of unit; ties share a rank) from the results on
    file. May be repeated until publication."""
    _require_manage(user, competition.city_id)
    given, competition = competition, _lock(competition)
    if competition.is_published:
        raise Conflict(_("The competition is published: its results are final."))
    watermark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    items = [item.spec for item in competition.items.all()]
    codes = {item.pk: item.code for item in competition.items.all()}
    values: dict[int, dict[str, Decimal]] = {}
    for participant_id, item_id, value in Entry.objects.filter(participant__competition=competition).values_list(
        "participant_id", "item_id", "value"
    ):
        values.setdefault(participant_id, {})[codes[item_id]] = value
    participants = list(competition.participants.all())
    totals = {p.pk: rules.unit_total(items, values.get(p.pk, {})) for p in participants}
    ranks = rules.rank_all((p.pk, totals[p.pk].rate, p.street_id, p.kind) for p in participants)
    for p in participants:
        total, rank = totals[p.pk], ranks[p.pk]
        p.score, p.max_score, p.rate, p.missing = total.score, total.max_score, total.rate, total.missing
        p.rank_city, p.rank_street, p.rank_kind = rank.city, rank.street, rank.kind
    Participant.objects.bulk_update(
        participants, ["score", "max_score", "rate", "missing", "rank_city", "rank_street", "rank_kind"]
    )
    before = competition.status
    competition.status = CompetitionStatus.COMPUTED
    competition.computed_at = timezone.now()
    competition.audit_watermark = watermark
    competition.save(update_fields=["status", "computed_at", "audit_watermark", "updated_at"])
    for attr in ("status", "computed_at", "audit_watermark"):
        setattr(given, attr, getattr(competition, attr))
    audit_record(
        actor=user,
        action="competition.compute",
        target=competition,
        from_state=before,
        to_state=competition.status,
        changes={"units": len(participants), "missing": sum(t.missing for t in totals.values())},
    )
    return competition


@transaction.atomic
def competition_publish(*, user, competition: Competition) -> Competition:
    """Make the results final and file the ranking in the city's archive. Refused before a
    computation and while any result changed after the last one."""
    _require_manage(user, competition.city_id)
    given, competition = competition, _lock(competition)
    if competition.is_published:
        raise Conflict(_("The competition is already published."))
    if competition.status != CompetitionStatus.COMPUTED:
        raise Conflict(_("Compute the competition before publishing it."))
    changed = selectors.changes_since_computed(competition)
    if changed:
        raise Conflict(
            _("%(n)s result(s) changed since the competition was computed. Compute it again before publishing.")
            % {"n": changed}
        )
    competition.status = CompetitionStatus.PUBLISHED
    competition.published_at = timezone.now()
    competition.published_by = user
    competition.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    for attr in ("status", "published_at", "published_by"):
        setattr(given, attr, getattr(competition, attr))
    audit_record(
        actor=user,
        action="competition.publish",
        target=competition,
        from_state=CompetitionStatus.COMPUTED,
        to_state=CompetitionStatus.PUBLISHED,
    )
    transaction.on_commit(lambda: ranking_file(competition=competition, user=user))
    return competition


def ranking_file(*, competition: Competition, user=None):
    """File (or bring up to date) the published ranking in the city's archive. Called after the
    publication's commit: its own transaction, which the archive's hash chain needs."""
    from gongjian.competitions.evidence import collect_from_competition

    with transaction.atomic():
        return collect_from_competition(Competition.objects.get(pk=competition.pk), actor=user)


@transaction.atomic
def adjustment_add(*, user, participant: Participant, points, reason: str) -> Adjustment:
    """A correction to a published result, with its reason, author and time; the published score
    and ranks themselves do not change."""
    _require_manage(user, participant.competition.city_id)
    competition = _lock(participant.competition)
    if not competition.is_published:
        raise Conflict(_("Only a published competition takes adjustments; record the result and compute again."))
    try:
        points = Decimal(str(points)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"points": [_("Give a number.")]}) from None
    if not points.is_finite() or points == 0 or abs(points) > Decimal("1000"):
        raise ValidationError({"points": [_("An adjustment must change the score (between -1000 and 1000).")]})
    reason = clean_text(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the correction.")]})
    adjustment = Adjustment.objects.create(participant=participant, points=points, reason=reason, author=user)
    audit_record(
        actor=user,
        action="competition.adjust",
        target=competition,
        note=reason,
        changes={"participant": participant.pk, "unit": participant.cobuild_unit.name, "points": str(points)},
    )
    return adjustment
