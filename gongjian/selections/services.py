"""Writes of 评选, audited: the city office creates a selection, approves nominees, decides on
bursts and makes the results final (winners filed in the archive); a community nominates its own
people; anyone votes during the voting period, once a day per device (keyed hashes only)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.inspections.photos import PhotoRejected, process_photo
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestry
from gongjian.residents.privacy import keyed_hash, mask_address
from gongjian.selections import bursts
from gongjian.selections.choices import AnomalyStatus, NomineeStatus
from gongjian.selections.models import Nominee, NomineePhoto, Selection, SelectionCategory, Vote, VoteAnomaly

MAX_PHOTOS = 6


def _require(user, perm: Perm, unit: Unit) -> None:
    if perm not in perms_at_unit(actor_for(user), unit.pk):
        raise NotPermitted(_("You are not allowed to do this for %(unit)s.") % {"unit": unit})


def burst_rules() -> dict:
    return {
        "window": datetime.timedelta(minutes=settings.SELECTION_BURST_MINUTES),
        "per_address": settings.SELECTION_BURST_PER_ADDRESS,
        "per_network": settings.SELECTION_BURST_PER_NETWORK,
    }


@transaction.atomic
def selection_create(
    *,
    user,
    city: Unit,
    title: str,
    kinds: list[str],
    nomination_from: datetime.date,
    nomination_until: datetime.date,
    voting_from: datetime.date,
    voting_until: datetime.date,
    winners_per_category: int = 3,
) -> Selection:
    _require(user, Perm.SELECTION_MANAGE, city)
    errors = {}
    if nomination_until < nomination_from:
        errors["nomination_until"] = _("Nominations must end on or after the day they start.")
    if voting_from < nomination_from:
        errors["voting_from"] = _("Voting cannot start before nominations do.")
    if voting_until < voting_from:
        errors["voting_until"] = _("Voting must end on or after the day it starts.")
    if not kinds:
        errors["kinds"] = _("Choose at least one award.")
    if errors:
        raise ValidationError(errors)
    selection = Selection.objects.create(
        city=city,
        title=title,
        nomination_from=nomination_from,
        nomination_until=nomination_until,
        voting_from=voting_from,
        voting_until=voting_until,
        winners_per_category=winners_per_category,
        created_by=user,
    )
    SelectionCategory.objects.bulk_create(SelectionCategory(selection=selection, kind=k) for k in sorted(set(kinds)))
    audit_record(actor=user, action="selection.create", target=selection, changes={"kinds": sorted(set(kinds))})
    return selection


@transaction.atomic
def nominee_submit(
    *,
    user,
    category: SelectionCategory,
    community: Unit,
    name: str,
    story: str,
    photos: list[bytes],
    today: datetime.date | None = None,
) -> Nominee:
    """A community nominates one of its own (story and photos, re-encoded without EXIF)."""
    _require(user, Perm.SELECTION_NOMINATE, community)
    selection = category.selection
    if community.level != "community" or ancestry(community.pk).get("city") != selection.city_id:
        raise NotPermitted(_("You are not allowed to do this for %(unit)s.") % {"unit": community})
    today = today or timezone.localdate()
    if not (selection.nomination_from <= today <= selection.nomination_until):
        raise Conflict(_("Nominations are not open."))
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)s photos.") % {"n": MAX_PHOTOS}})
    try:
        processed = [process_photo(data) for data in photos]
    except PhotoRejected as refused:
        raise ValidationError({"photos": str(refused)})
    nominee = Nominee.objects.create(category=category, community=community, name=name, story=story, nominated_by=user)
    for photo in processed:
        record = NomineePhoto(nominee=nominee, sha256=photo.sha256, width=photo.width, height=photo.height)
        record.file.save("photo.jpg", ContentFile(photo.content), save=False)
        record.thumbnail.save("thumb.jpg", ContentFile(photo.thumbnail), save=False)
        record.save()
    audit_record(actor=user, action="nominee.submit", target=nominee, to_state=nominee.status)
    return nominee


@transaction.atomic
def nominee_decide(*, user, nominee: Nominee, approve: bool) -> Nominee:
    _require(user, Perm.SELECTION_MANAGE, nominee.category.selection.city)
    before = nominee.status
    nominee.status = NomineeStatus.APPROVED if approve else NomineeStatus.REJECTED
    nominee.save(update_fields=["status", "updated_at"])
    audit_record(actor=user, action="nominee.decide", target=nominee, from_state=before, to_state=nominee.status)
    return nominee


@transaction.atomic
def vote_cast(*, category: SelectionCategory, nominee: Nominee, device_id: str, address: str, now=None) -> Vote:
    """One vote of a device for a category, once a day (a database constraint)."""
    now = now or timezone.now()
    selection = category.selection
    today = timezone.localtime(now).date()
    if selection.finalised_at or not (selection.voting_from <= today <= selection.voting_until):
        raise Conflict(_("Voting is not open."))
    if nominee.category_id != category.pk or nominee.status != NomineeStatus.APPROVED:
        raise ValidationError({"nominee": _("Choose one of the nominees.")})
    network = bursts.network_of(address)
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                category=category,
                nominee=nominee,
                day=today,
                at=now,
                voter_hash=keyed_hash("device", device_id),
                address_hash=keyed_hash("address", address),
                network_hash=keyed_hash("network", network),
                address_label=mask_address(address),
                network_label=network if "/" in network else "?",
            )
    except IntegrityError:
        raise Conflict(_("You have already voted in this category today. Come back tomorrow."))
    audit_record(actor=None, action="selection.vote", target=vote, changes={"nominee": nominee.pk})
    return vote


@transaction.atomic
def anomalies_scan(*, selection: Selection) -> list[VoteAnomaly]:
    """Find bursts among the selection's votes and record each once (its votes linked)."""
    votes = Vote.objects.filter(category__selection=selection)
    seen = [
        bursts.VoteSeen(v["id"], v["at"], v["address_hash"], v["network_hash"])
        for v in votes.values("id", "at", "address_hash", "network_hash")
    ]
    labels = {v["id"]: v for v in votes.values("id", "address_label", "network_label")}
    found = []
    for burst in bursts.find_bursts(seen, **burst_rules()):
        first = labels[burst.vote_ids[0]]
        anomaly, created = VoteAnomaly.objects.get_or_create(
            selection=selection,
            kind=burst.kind,
            source_hash=burst.source,
            starts_at=burst.starts_at,
            defaults={
                "ends_at": burst.ends_at,
                "vote_count": len(burst.vote_ids),
                "source_label": first["address_label"] if burst.kind == "address" else first["network_label"],
            },
        )
        if not created and anomaly.vote_count != len(burst.vote_ids):
            anomaly.ends_at, anomaly.vote_count = burst.ends_at, len(burst.vote_ids)
            anomaly.save(update_fields=["ends_at", "vote_count"])
        anomaly.votes.add(*burst.vote_ids)
        if created:
            audit_record(actor=None, action="selection.burst", target=anomaly, changes={"votes": len(burst.vote_ids)})
        found.append(anomaly)
    return found


@transaction.atomic
def anomaly_decide(*, user, anomaly: VoteAnomaly, exclude: bool) -> VoteAnomaly:
    """The office excludes a burst's votes from the results, or keeps them."""
    _require(user, Perm.SELECTION_MANAGE, anomaly.selection.city)
    if anomaly.selection.finalised_at:
        raise Conflict(_("The results are final."))
    before = anomaly.status
    anomaly.status = AnomalyStatus.EXCLUDED if exclude else AnomalyStatus.KEPT
    anomaly.decided_by = user
    anomaly.save(update_fields=["status", "decided_by"])
    excluded_elsewhere = Q(anomalies__status=AnomalyStatus.EXCLUDED)
    anomaly.votes.update(excluded=False)
    Vote.objects.filter(excluded_elsewhere, category__selection=anomaly.selection).update(excluded=True)
    audit_record(
        actor=user, action="selection.burst_decide", target=anomaly, from_state=before, to_state=anomaly.status
    )
    return anomaly


def counts(selection: Selection) -> dict[int, int]:
    """Votes per approved nominee, without the votes the office excluded."""
    rows = Nominee.objects.filter(category__selection=selection, status=NomineeStatus.APPROVED).annotate(
        n=Count("votes", filter=Q(votes__excluded=False))
    )
    return {row.pk: row.n for row in rows}


@transaction.atomic
def selection_finalise(
    *, user, selection: Selection, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> Selection:
    """After the voting period and once every burst is decided: the counts, the winners (rank within
    ``winners_per_category``, at least one vote), each winner filed in the archive. ``now`` is when
    the results become final (default: now; the demo finalises last year's selection in the past)."""
    from gongjian.selections.evidence import collect_from_winner

    _require(user, Perm.SELECTION_MANAGE, selection.city)
    now = now or timezone.now()
    selection = Selection.objects.select_for_update().get(pk=selection.pk)
    if selection.finalised_at:
        raise Conflict(_("The results are final."))
    if (today or timezone.localdate(now)) <= selection.voting_until:
        raise Conflict(_("Voting has not ended yet."))
    anomalies_scan(selection=selection)
    if selection.anomalies.filter(status=AnomalyStatus.OPEN).exists():
        raise Conflict(_("Decide on every burst of votes before making the results final."))
    totals = counts(selection)
    winners = []
    for category in selection.categories.all():
        mine = {pk: n for pk, n in totals.items() if pk in set(category.nominees.values_list("pk", flat=True))}
        for nominee_id, n, rank in bursts.results(mine, winners=selection.winners_per_category):
            won = n > 0 and rank <= selection.winners_per_category
            Nominee.objects.filter(pk=nominee_id).update(votes_counted=n, is_winner=won)
            if won:
                winners.append(nominee_id)
    selection.finalised_at = now
    selection.save(update_fields=["finalised_at", "updated_at"])
    audit_record(actor=user, action="selection.finalise", target=selection, changes={"winners": winners})
    for nominee in Nominee.objects.filter(pk__in=winners).select_related("category__selection", "community"):
        collect_from_winner(nominee, actor=user)
    return selection
