"""Writes to the archive. Every function checks the actor's permission at the unit, runs in one
transaction and leaves a trace: evidence versions in the hash-chained archive log
(``integrity.append``), everything else in the audit trail.

Archived records are never updated in place: ``evidence_revise`` writes the next version and
keeps the old one; it takes the version the user was looking at, so two people editing the same
record cannot overwrite each other (the second gets a Conflict and reloads)."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.archives import integrity
from gongjian.archives.choices import (
    DecisionStatus,
    EvidenceKind,
    FileKind,
    Interval,
    LogAction,
    MechanismKind,
    MeetingKind,
    TemplateStatus,
)
from gongjian.archives.models import (
    ArchiveTemplate,
    Evidence,
    EvidenceFile,
    EvidenceRequirement,
    Mechanism,
    Meeting,
    MeetingAttendee,
    MeetingDecision,
    MeetingPhoto,
    TemplateSection,
)
from gongjian.archives.periods import Period
from gongjian.archives.uploads import AcceptedFile, FileRejected, accept_file
from gongjian.assessments.models import RuleItem
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.inspections.photos import camera_time
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestry

# Which mechanism a collected record shows running.
MEETING_MECHANISM = {
    MeetingKind.REGULAR: MechanismKind.MEETING,
    MeetingKind.PROGRESS: MechanismKind.MEETING,
    MeetingKind.JOINT: MechanismKind.LIAISON,
}


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _plain(value) -> str:
    """Text as people typed it, without the control characters that no document format accepts
    (a stray \\x0b pasted from Word would break the Word skeleton and the Excel index)."""
    return _CONTROL.sub("", str(value or "")).strip()


def _require_at(user, perm: Perm, unit_id: int) -> None:
    if perm not in perms_at_unit(actor_for(user), unit_id):
        raise NotPermitted(_("You cannot change the archive of this unit."))


def _city_of(unit_id: int) -> int | None:
    return ancestry(unit_id).get(UnitLevel.CITY)


# --- files ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileIn:
    """An upload as the adapters hand it over: the original name, the bytes, a caption."""

    name: str
    data: bytes
    caption: str = ""


def accept_uploads(files: Sequence[FileIn]) -> list[tuple[AcceptedFile, str]]:
    """Check every upload before anything is stored; the first bad one stops the whole request
    with a message naming the file."""
    accepted = []
    for upload in files:
        try:
            accepted.append(
                (accept_file(upload.data, upload.name, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES), upload.caption)
            )
        except FileRejected as error:
            raise ValidationError({"files": f"{upload.name}: {error.message}"}) from None
    return accepted


def _store(evidence: Evidence, position: int, accepted: AcceptedFile, caption: str) -> EvidenceFile:
    row = EvidenceFile(
        evidence=evidence,
        position=position,
        name=accepted.name,
        kind=accepted.kind,
        content_type=accepted.content_type,
        size=len(accepted.content),
        sha256=accepted.sha256,
        caption=_plain(caption)[:200],
        taken_at=camera_time(accepted.taken_at),
        width=accepted.width,
        height=accepted.height,
    )
    row.file.save(accepted.name, ContentFile(accepted.content), save=False)
    if accepted.thumbnail:
        row.phash = integrity.dhash(accepted.thumbnail)
        row.thumbnail.save(f"thumb-{accepted.name}", ContentFile(accepted.thumbnail), save=False)
    row.save()
    return row


@dataclass(frozen=True)
class StoredFile:
    """A file already in storage (a problem's or an activity's photo), referenced, not copied."""

    file_name: str
    thumbnail_name: str
    name: str
    caption: str
    taken_at: datetime.datetime | None
    width: int | None
    height: int | None


def _reference(evidence: Evidence, position: int, stored: StoredFile) -> EvidenceFile:
    row = EvidenceFile(
        evidence=evidence,
        position=position,
        name=stored.name,
        kind=FileKind.IMAGE,
        content_type="image/jpeg",
        caption=stored.caption[:200],
        taken_at=stored.taken_at,
        width=stored.width,
        height=stored.height,
    )
    row.file.name = stored.file_name
    row.thumbnail.name = stored.thumbnail_name
    with row.file.open("rb") as handle:
        data = handle.read()
    row.size = len(data)
    row.sha256 = integrity.sha256_of(data)
    if stored.thumbnail_name:
        with row.thumbnail.open("rb") as handle:
            row.phash = integrity.dhash(handle.read())
    else:
        row.phash = integrity.dhash(data)
    row.save()
    return row


def _copy_file(f: EvidenceFile, target: Evidence, position: int, caption: str) -> EvidenceFile:
    """One file row carried into the next version (the stored bytes are shared, not copied)."""
    return EvidenceFile.objects.create(
        evidence=target,
        position=position,
        file=f.file.name,
        thumbnail=f.thumbnail.name,
        name=f.name,
        kind=f.kind,
        content_type=f.content_type,
        size=f.size,
        sha256=f.sha256,
        caption=_plain(caption)[:200],
        phash=f.phash,
        taken_at=f.taken_at,
        width=f.width,
        height=f.height,
    )


def _copy_files(source: Evidence, target: Evidence, *, captions: dict[int, str], remove: set[int]) -> int:
    """Carry the files of one version into the next."""
    position = 0
    for f in source.files.all():
        if f.pk in remove:
            continue
        _copy_file(f, target, position, captions.get(f.pk, f.caption))
        position += 1
    return position


# --- evidence -------------------------------------------------------------------------------------


def _clean_record(*, unit: Unit, period: Period, title: str, date, started_on, rule_items) -> list[RuleItem]:
    errors = {}
    if not str(title or "").strip():
        errors["title"] = _("A record needs a title.")
    today = timezone.localdate()
    if not isinstance(date, datetime.date):
        errors["date"] = _("Enter a valid date.")
    elif date > today:
        errors["date"] = _("A record cannot be dated in the future.")
    elif date.year < 2000:
        errors["date"] = _("Enter a valid date.")
    if started_on and isinstance(date, datetime.date) and started_on > date:
        errors["started_on"] = _("The start date must not be after the record's date.")
    items = list(rule_items or [])
    if not items:
        errors["rule_items"] = _("Choose at least one assessment item the record counts for.")
    else:
        city_id = _city_of(unit.id)
        if any(item.ruleset.city_id != city_id for item in items):
            errors["rule_items"] = _("An item does not belong to this city's rule sets.")
    if period.start.year < 2000:
        errors["period"] = _("Enter a valid period.")
    if errors:
        raise ValidationError(errors)
    return items


def _new_version(**fields) -> Evidence:
    return Evidence.objects.create(**fields)


@transaction.atomic
def evidence_create(
    *,
    user,
    unit: Unit,
    period: Period,
    kind: str,
    title: str,
    date: datetime.date,
    rule_items: Iterable[RuleItem],
    text: str = "",
    author: str = "",
    files: Sequence[FileIn] = (),
    started_on: datetime.date | None = None,
    mechanism: Mechanism | None = None,
) -> Evidence:
    """A record a community worker adds: scans, Word files, photos, a text record."""
    _require_at(user, Perm.ARCHIVE_MANAGE, unit.id)
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": _("Choose a kind of record.")})
    items = _clean_record(
        unit=unit, period=period, title=title, date=date, started_on=started_on, rule_items=rule_items
    )
    if mechanism is not None and mechanism.unit_id != unit.id:
        raise ValidationError({"mechanism": _("The mechanism belongs to another community.")})
    accepted = accept_uploads(files)
    evidence = _new_version(
        unit=unit,
        period_kind=period.kind,
        period_start=period.start,
        kind=kind,
        title=_plain(title),
        date=date,
        started_on=started_on,
        text=_plain(text),
        author=_plain(author or getattr(user, "name", "") or user.get_full_name() or user.get_username())[:60],
        mechanism=mechanism,
        created_by=user,
    )
    evidence.rule_items.set(items)
    for position, (upload, caption) in enumerate(accepted):
        _store(evidence, position, upload, caption)
    integrity.append(actor=user, action=LogAction.CREATE, evidence=evidence)
    audit_record(actor=user, action="archive.create", target=evidence, to_state="v1", note=str(period))
    return evidence


def _check_current(evidence: Evidence, expected_version: int | None) -> Evidence:
    current = Evidence.objects.select_for_update().filter(record_key=evidence.record_key, is_current=True).first()
    if current is None:
        raise Conflict(_("This record no longer exists."))
    if expected_version is not None and current.version != int(expected_version):
        raise Conflict(
            _("Someone else changed this record (now version %(version)s) since you opened it; reload and try again.")
            % {"version": current.version}
        )
    if current.withdrawn:
        raise Conflict(_("This record has been withdrawn."))
    return current


@transaction.atomic
def evidence_revise(
    *,
    user,
    evidence: Evidence,
    expected_version: int | None,
    title: str | None = None,
    text: str | None = None,
    date: datetime.date | None = None,
    started_on: datetime.date | None = None,
    author: str | None = None,
    period: Period | None = None,
    rule_items: Iterable[RuleItem] | None = None,
    captions: dict[int, str] | None = None,
    add_files: Sequence[FileIn] = (),
    remove_file_ids: Iterable[int] = (),
    mechanism: Mechanism | None | bool = False,
    note: str = "",
    action: str = LogAction.REVISE,
) -> Evidence:
    """Write the next version of a record; the version the user saw must still be current."""
    _require_at(user, Perm.ARCHIVE_MANAGE, evidence.unit_id)
    current = _check_current(evidence, expected_version)
    period = period or Period(current.period_start, current.period_kind)
    items = list(rule_items) if rule_items is not None else list(current.rule_items.all())
    fields = {
        "title": current.title if title is None else _plain(title),
        "text": current.text if text is None else _plain(text),
        "date": current.date if date is None else date,
        "started_on": current.started_on if started_on is None else started_on,
        "author": current.author if author is None else _plain(author)[:60],
    }
    items = _clean_record(
        unit=current.unit,
        period=period,
        title=fields["title"],
        date=fields["date"],
        started_on=fields["started_on"],
        rule_items=items,
    )
    own_files = {f.pk for f in current.files.all()}
    captions = {int(k): v for k, v in (captions or {}).items()}
    remove = {int(i) for i in remove_file_ids}
    if not set(captions) <= own_files or not remove <= own_files:
        raise ValidationError({"files": _("A file does not belong to this record.")})
    accepted = accept_uploads(add_files)
    Evidence.objects.filter(pk=current.pk).update(is_current=False)
    revised = _new_version(
        record_key=current.record_key,
        version=current.version + 1,
        unit=current.unit,
        period_kind=period.kind,
        period_start=period.start,
        kind=current.kind,
        mechanism=current.mechanism if mechanism is False else mechanism,
        source=current.source,
        source_id=current.source_id,
        source_snapshot=current.source_snapshot,
        created_by=user,
        **fields,
    )
    revised.rule_items.set(items)
    position = _copy_files(current, revised, captions=captions, remove=remove)
    for offset, (upload, caption) in enumerate(accepted):
        _store(revised, position + offset, upload, caption)
    integrity.append(actor=user, action=action, evidence=revised)
    audit_record(
        actor=user,
        action="archive.revise",
        target=revised,
        from_state=f"v{current.version}",
        to_state=f"v{revised.version}",
        note=note,
    )
    return revised


@transaction.atomic
def evidence_withdraw(*, user, evidence: Evidence, expected_version: int | None, reason: str) -> Evidence:
    """Withdraw a record filed by mistake: a last version marked withdrawn, with the reason kept."""
    if not str(reason or "").strip():
        raise ValidationError({"reason": _("Say why the record is withdrawn.")})
    _require_at(user, Perm.ARCHIVE_MANAGE, evidence.unit_id)
    current = _check_current(evidence, expected_version)
    Evidence.objects.filter(pk=current.pk).update(is_current=False)
    withdrawn = _new_version(
        record_key=current.record_key,
        version=current.version + 1,
        withdrawn=True,
        unit=current.unit,
        period_kind=current.period_kind,
        period_start=current.period_start,
        kind=current.kind,
        title=current.title,
        date=current.date,
        started_on=current.started_on,
        text=current.text,
        author=current.author,
        mechanism=current.mechanism,
        source=current.source,
        source_id=current.source_id,
        source_snapshot=current.source_snapshot,
        created_by=user,
    )
    withdrawn.rule_items.set(current.rule_items.all())
    _copy_files(current, withdrawn, captions={}, remove=set())
    integrity.append(actor=user, action=LogAction.WITHDRAW, evidence=withdrawn)
    audit_record(actor=user, action="archive.withdraw", target=withdrawn, note=_plain(reason))
    return withdrawn


def caption_set(*, user, evidence: Evidence, expected_version: int | None, file_id: int, caption: str) -> Evidence:
    """Give a photo its caption (the commonest fix the audit asks for)."""
    if not str(caption or "").strip():
        raise ValidationError({"caption": _("Write a caption.")})
    return evidence_revise(user=user, evidence=evidence, expected_version=expected_version, captions={file_id: caption})


# --- collection from what the system already knows ----------------------------------------------


def _published_items_for(city_id: int | None, kind: str, cache: dict | None = None) -> list[RuleItem]:
    """The rule items whose published template sections ask for records of ``kind`` (``cache``
    keeps the answer per city and kind through a batch such as ``collect_pending``)."""
    if city_id is None:
        return []
    if cache is not None:
        key = (city_id, kind)
        if key not in cache:
            cache[key] = _published_items_for(city_id, kind)
        return cache[key]
    sections = (
        TemplateSection.objects.filter(template__status=TemplateStatus.PUBLISHED, template__ruleset__city_id=city_id)
        .select_related("rule_item")
        .prefetch_related("requirements")
    )
    items = []
    for section in sections:
        if any(kind in (r.kinds or []) for r in section.requirements.all()):
            items.append(section.rule_item)
    return items


def _in_site_language(collect):
    """Collected titles and texts are written in the site's language whoever triggered them, so
    collecting again under another language does not make a new version of every record."""

    @functools.wraps(collect)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return collect(*args, **kwargs)

    return wrapper


def _collect(
    *,
    source: str,
    source_id: int,
    unit: Unit,
    kind: str,
    title: str,
    date: datetime.date,
    text: str,
    files: list[StoredFile],
    started_on: datetime.date | None = None,
    mechanism_kind: str | None = None,
    author: str = "",
    actor=None,
    cache: dict | None = None,
) -> Evidence | None:
    """File (or bring up to date) the record collected from one source object. Idempotent: when
    nothing changed, nothing is written; when something did, a new version is."""
    from gongjian.archives import periods

    if cache is None:
        city_id = _city_of(unit.id)
    else:
        if ("city", unit.id) not in cache:
            cache[("city", unit.id)] = _city_of(unit.id)
        city_id = cache[("city", unit.id)]
    items = _published_items_for(city_id, kind, cache)
    if not items:
        return None  # no published template asks for this kind yet; collected once one does
    mechanism = Mechanism.objects.filter(unit=unit, kind=mechanism_kind).first() if mechanism_kind else None
    period = periods.of(periods.MONTH, date)
    snapshot = _snapshot(title=title, text=text, date=date, started_on=started_on, files=files)
    current = Evidence.objects.filter(source=source, source_id=source_id, is_current=True).first()
    item_ids = {i.id for i in items}
    rows: list[tuple] = [("ref", f, f.caption) for f in files]
    if current is not None:
        if current.withdrawn:
            return current
        mine_files = list(current.files.all())
        mine = _snapshot(
            title=current.title,
            text=current.text,
            date=current.date,
            started_on=current.started_on,
            files=[(f.file.name, f.caption) for f in mine_files],
        )
        base = current.source_snapshot or mine
        have_items = set(current.rule_items.values_list("id", flat=True))
        if snapshot == base and have_items >= item_ids:
            return current  # the source has not changed since it was last taken in
        merged, rows = _merge(base=base, mine=mine, theirs=snapshot, mine_files=mine_files, source_files=files)
        if merged == mine and have_items >= item_ids:
            return current  # the source changed only where a person's edit wins
        title, text = merged["title"], merged["text"]
        date = datetime.date.fromisoformat(merged["date"])
        started_on = datetime.date.fromisoformat(merged["started_on"]) if merged["started_on"] else None
        period = periods.of(periods.MONTH, date) if merged["date"] != mine["date"] else current_period(current)
        Evidence.objects.filter(pk=current.pk).update(is_current=False)
    evidence = _new_version(
        record_key=current.record_key if current else uuid.uuid4(),
        version=current.version + 1 if current else 1,
        unit=unit,
        period_kind=period.kind,
        period_start=period.start,
        kind=kind,
        title=title[:200],
        date=date,
        started_on=started_on,
        text=text,
        author=(current.author if current else author)[:60],
        mechanism=mechanism,
        source=source,
        source_id=source_id,
        source_snapshot=snapshot,
        created_by=actor,
    )
    keep = set(current.rule_items.values_list("id", flat=True)) if current else set()
    evidence.rule_items.set(sorted(keep | item_ids))
    for position, row in enumerate(rows):
        if row[0] == "ref":
            _reference(evidence, position, dataclasses.replace(row[1], caption=row[2]))
        else:
            _copy_file(row[1], evidence, position, row[2])
    action = LogAction.REVISE if current else LogAction.CREATE
    integrity.append(actor=actor, action=action, evidence=evidence)
    audit_record(
        actor=actor,
        action=f"archive.collect.{action}",
        target=evidence,
        to_state=f"v{evidence.version}",
        note=f"{source} {source_id}",
    )
    return evidence


def current_period(evidence: Evidence) -> Period:
    from gongjian.archives import periods

    return periods.from_fields(evidence.period_kind, evidence.period_start)


def _snapshot(*, title, text, date, started_on, files) -> dict:
    """What a source says, as plain JSON: the fields a person may also edit on the record."""
    pairs = [(f.file_name, f.caption) if isinstance(f, StoredFile) else tuple(f) for f in files]
    return {
        "title": title,
        "text": text,
        "date": date.isoformat(),
        "started_on": started_on.isoformat() if started_on else None,
        "files": [list(p) for p in pairs],
    }


def _merge(*, base: dict, mine: dict, theirs: dict, mine_files: list[EvidenceFile], source_files: list[StoredFile]):
    """Three-way merge of a collected record: ``base`` is the source as last taken in, ``mine``
    the record as people left it, ``theirs`` the source now. A field or caption a person changed
    keeps the person's value; otherwise the source's change is taken. Files added at the source
    are added, files removed at the source are removed, files a person removed stay removed and
    files a person uploaded stay. Returns the merged snapshot and the file rows to write."""
    merged = {
        key: (theirs[key] if mine[key] == base[key] else mine[key]) for key in ("title", "text", "date", "started_on")
    }
    base_captions = dict(map(tuple, base["files"]))
    source_by_name = {f.file_name: f for f in source_files}
    rows: list[tuple] = []
    for f in mine_files:
        name = f.file.name
        if name in base_captions and name not in source_by_name:
            continue  # removed at the source
        caption = f.caption
        if name in source_by_name and name in base_captions and f.caption == base_captions[name]:
            caption = source_by_name[name].caption
        rows.append(("copy", f, caption))
    mine_names = {f.file.name for f in mine_files}
    for f in source_files:
        if f.file_name not in base_captions and f.file_name not in mine_names:
            rows.append(("ref", f, f.caption))
    merged["files"] = [[row[1].file.name if row[0] == "copy" else row[1].file_name, row[2]] for row in rows]
    return merged, rows


@_in_site_language
def collect_from_problem(problem, *, actor=None, cache: dict | None = None) -> Evidence | None:
    """A closed problem becomes a rectification record with its before and after photos."""
    from gongjian.inspections.choices import PhotoStage, ProblemStatus

    if problem.status != ProblemStatus.CLOSED or problem.closed_at is None:
        return None
    unit = Unit.objects.get(pk=problem.community_id or problem.unit_id)
    from gongjian.inspections.choices import ReviewOutcome

    before, after, rejected = _("Before"), _("After"), _("Rectification rejected at re-check")

    def caption(p) -> str:
        if p.stage == PhotoStage.BEFORE:
            return p.caption or f"{before}：{problem.address}"
        # An after photo of a rectification the re-check failed shows what was NOT accepted: it is
        # labelled so, never as "after rectification".
        if p.rectification_id and p.rectification.outcome == ReviewOutcome.FAILED:
            return f"{rejected}：{p.caption or problem.address}"
        return p.caption or f"{after}：{problem.address}"

    def order(p) -> int:
        if p.stage == PhotoStage.BEFORE:
            return 0
        return 1 if p.rectification_id and p.rectification.outcome == ReviewOutcome.FAILED else 2

    # Before photos first, then the rejected attempts, then the accepted rectification.
    photos = sorted(
        problem.photos.select_related("rectification").order_by("uploaded_at", "id"), key=lambda p: order(p)
    )
    files = [
        StoredFile(
            file_name=p.file.name,
            thumbnail_name=p.thumbnail.name,
            name=f"{problem.number}-{p.stage}-{p.pk}.jpg",
            caption=caption(p),
            taken_at=p.taken_at,
            width=p.width,
            height=p.height,
        )
        for p in photos
    ]
    closed = timezone.localtime(problem.closed_at).date()
    return _collect(
        source="problem",
        source_id=problem.pk,
        unit=unit,
        kind=EvidenceKind.RECTIFICATION,
        title=_("Rectification of %(number)s: %(category)s") % {"number": problem.number, "category": problem.category},
        date=closed,
        started_on=timezone.localtime(problem.found_at).date(),
        text=f"{problem.address}\n{problem.description}",
        files=files,
        mechanism_kind=MechanismKind.SUPERVISION,
        actor=actor,
        cache=cache,
    )


@_in_site_language
def collect_from_activity(activity, *, actor=None, cache: dict | None = None) -> Evidence | None:
    """A held activity becomes an activity record with its photos."""
    from gongjian.participation.choices import ActivityStatus

    if activity.status != ActivityStatus.HELD:
        return None
    files = [
        StoredFile(
            file_name=p.file.name,
            thumbnail_name=p.thumbnail.name,
            name=f"activity-{activity.pk}-{p.pk}.jpg",
            caption=p.caption,
            taken_at=None,
            width=p.width,
            height=p.height,
        )
        for p in activity.photos.order_by("uploaded_at", "id")
    ]
    return _collect(
        source="activity",
        source_id=activity.pk,
        unit=activity.community,
        kind=EvidenceKind.ACTIVITY,
        title=activity.title,
        date=timezone.localtime(activity.starts_at).date(),
        text=f"{activity.place}\n{activity.summary}".strip(),
        files=files,
        author=activity.organiser,
        actor=actor,
        cache=cache,
    )


def _meeting_text(meeting: Meeting) -> str:
    """The meeting as a record's text: place, attendees, minutes, decisions with owner and due date."""
    lines = [_("Place: %(place)s") % {"place": meeting.place}] if meeting.place else []
    attendees = []
    for a in meeting.attendees.all():
        if a.organisation and a.is_head:
            attendees.append(_("%(name)s (%(organisation)s, head)") % {"name": a.name, "organisation": a.organisation})
        elif a.organisation:
            attendees.append(_("%(name)s (%(organisation)s)") % {"name": a.name, "organisation": a.organisation})
        else:
            attendees.append(a.name)
    if attendees:
        lines.append(_("Attendees: %(names)s") % {"names": "、".join(attendees)})
    lines += ["", meeting.minutes]
    decisions = list(meeting.decisions.all())
    if decisions:
        lines += ["", _("Decisions:")]
        for n, d in enumerate(decisions, 1):
            lines.append(
                _("%(n)s. %(text)s (owner: %(owner)s, due %(due)s)")
                % {"n": n, "text": d.text, "owner": d.owner, "due": f"{d.due_on:%Y-%m-%d}"}
            )
    return "\n".join(lines)


@_in_site_language
def collect_from_meeting(meeting: Meeting, *, actor=None, cache: dict | None = None) -> Evidence | None:
    files = [
        StoredFile(
            file_name=p.file.name,
            thumbnail_name=p.thumbnail.name,
            name=f"meeting-{meeting.pk}-{p.pk}.jpg",
            caption=p.caption,
            taken_at=p.taken_at,
            width=p.width,
            height=p.height,
        )
        for p in meeting.photos.all()
    ]
    return _collect(
        source="meeting",
        source_id=meeting.pk,
        unit=meeting.unit,
        kind=EvidenceKind.MEETING,
        title=f"{meeting.get_kind_display()}：{meeting.title}",
        date=meeting.held_on,
        text=_meeting_text(meeting),
        files=files,
        mechanism_kind=MEETING_MECHANISM.get(meeting.kind),
        actor=actor,
        cache=cache,
    )


def collect_pending(*, unit_ids: Iterable[int] | None = None, actor=None) -> int:
    """Collect every closed problem, held activity and meeting not collected yet (or changed):
    the back-fill after a template is published, and the demo loader's last step."""
    from gongjian.inspections.choices import ProblemStatus
    from gongjian.inspections.models import Problem
    from gongjian.participation.choices import ActivityStatus
    from gongjian.participation.models import Activity

    count = 0
    cache: dict = {}
    problems = Problem.objects.filter(status=ProblemStatus.CLOSED).select_related("category")
    activities = Activity.objects.filter(status=ActivityStatus.HELD).select_related("community")
    meetings = Meeting.objects.select_related("unit")
    if unit_ids is not None:
        ids = list(unit_ids)
        problems = problems.filter(community_id__in=ids)
        activities = activities.filter(community_id__in=ids)
        meetings = meetings.filter(unit_id__in=ids)
    for problem in problems.prefetch_related("photos").iterator(chunk_size=200):
        with transaction.atomic():
            count += collect_from_problem(problem, actor=actor, cache=cache) is not None
    for activity in activities.prefetch_related("photos").iterator(chunk_size=200):
        with transaction.atomic():
            count += collect_from_activity(activity, actor=actor, cache=cache) is not None
    for meeting in meetings.iterator(chunk_size=200):
        with transaction.atomic():
            count += collect_from_meeting(meeting, actor=actor, cache=cache) is not None
    return count


# --- meetings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendeeIn:
    name: str
    organisation: str = ""
    cobuild_unit_id: int | None = None
    is_head: bool = False


@dataclass(frozen=True)
class DecisionIn:
    text: str
    owner: str
    due_on: datetime.date


@transaction.atomic
def meeting_create(
    *,
    user,
    unit: Unit,
    kind: str,
    title: str,
    held_on: datetime.date,
    minutes: str,
    place: str = "",
    attendees: Sequence[AttendeeIn] = (),
    decisions: Sequence[DecisionIn] = (),
    photos: Sequence[FileIn] = (),
) -> Meeting:
    """A meeting record (例会, 联席会, 推进会); it is archived at once as a meeting record."""
    _require_at(user, Perm.ARCHIVE_MANAGE, unit.id)
    errors = {}
    if unit.level != UnitLevel.COMMUNITY:
        errors["unit"] = _("Meetings are recorded by a community.")
    if kind not in MeetingKind.values:
        errors["kind"] = _("Choose a kind of meeting.")
    if not str(title or "").strip():
        errors["title"] = _("A meeting needs a title.")
    if not str(minutes or "").strip():
        errors["minutes"] = _("Write the minutes.")
    if not isinstance(held_on, datetime.date) or held_on > timezone.localdate() or held_on.year < 2000:
        errors["held_on"] = _("The meeting date must be a real date, not in the future.")
    if not [a for a in attendees if a.name.strip()]:
        errors["attendees"] = _("List who attended.")
    for d in decisions:
        if not d.text.strip() or not d.owner.strip() or not isinstance(d.due_on, datetime.date):
            errors["decisions"] = _("Each decision needs what, who and by when.")
        elif isinstance(held_on, datetime.date) and d.due_on < held_on:
            errors["decisions"] = _("A decision cannot be due before the meeting.")
    from gongjian.organizations.models import Pairing

    cobuild_ids = {a.cobuild_unit_id for a in attendees if a.cobuild_unit_id}
    if cobuild_ids:
        paired = set(Pairing.objects.filter(community=unit).values_list("cobuild_unit_id", flat=True))
        if not cobuild_ids <= paired:
            errors["attendees"] = _("A co-construction unit is not paired with this community.")
    if errors:
        raise ValidationError(errors)
    accepted = accept_uploads(photos)
    if any(a.kind != FileKind.IMAGE for a, _caption in accepted):
        raise ValidationError({"photos": _("Meeting photos must be photos.")})
    meeting = Meeting.objects.create(
        unit=unit,
        kind=kind,
        title=_plain(title),
        held_on=held_on,
        place=_plain(place),
        minutes=_plain(minutes),
        created_by=user,
    )
    MeetingAttendee.objects.bulk_create(
        MeetingAttendee(
            meeting=meeting,
            name=_plain(a.name)[:60],
            organisation=_plain(a.organisation)[:120],
            cobuild_unit_id=a.cobuild_unit_id,
            is_head=a.is_head,
        )
        for a in attendees
        if a.name.strip()
    )
    MeetingDecision.objects.bulk_create(
        MeetingDecision(meeting=meeting, text=_plain(d.text)[:300], owner=_plain(d.owner)[:60], due_on=d.due_on)
        for d in decisions
    )
    for upload, caption in accepted:
        _meeting_photo(meeting, upload, caption, user)
    audit_record(actor=user, action="archive.meeting.create", target=meeting, to_state=meeting.kind)
    collect_from_meeting(meeting, actor=user)
    return meeting


def _meeting_photo(meeting: Meeting, upload: AcceptedFile, caption: str, user) -> MeetingPhoto:
    photo = MeetingPhoto(
        meeting=meeting,
        sha256=upload.sha256,
        caption=_plain(caption)[:200],
        width=upload.width,
        height=upload.height,
        taken_at=camera_time(upload.taken_at),
        uploaded_by=user,
    )
    photo.file.save(upload.name, ContentFile(upload.content), save=False)
    photo.thumbnail.save(f"thumb-{upload.name}", ContentFile(upload.thumbnail or b""), save=False)
    photo.save()
    return photo


@transaction.atomic
def meeting_photo_add(*, user, meeting: Meeting, photos: Sequence[FileIn]) -> Meeting:
    _require_at(user, Perm.ARCHIVE_MANAGE, meeting.unit_id)
    accepted = accept_uploads(photos)
    if any(a.kind != FileKind.IMAGE for a, _caption in accepted):
        raise ValidationError({"photos": _("Meeting photos must be photos.")})
    for upload, caption in accepted:
        _meeting_photo(meeting, upload, caption, user)
    audit_record(actor=user, action="archive.meeting.photos", target=meeting, note=str(len(accepted)))
    collect_from_meeting(meeting, actor=user)
    return meeting


@transaction.atomic
def decision_follow_up(
    *, user, decision: MeetingDecision, expected_version: int | None, status: str, follow_up: str, done_on=None
) -> MeetingDecision:
    """Record what became of a decision; the version guards against two people updating it."""
    meeting = decision.meeting
    _require_at(user, Perm.ARCHIVE_MANAGE, meeting.unit_id)
    if status not in DecisionStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status == DecisionStatus.DONE:
        done_on = done_on or timezone.localdate()
        if done_on < meeting.held_on or done_on > timezone.localdate():
            raise ValidationError({"done_on": _("The date it was done must lie between the meeting and today.")})
    else:
        done_on = None
    before = decision.status
    updated = MeetingDecision.objects.filter(
        pk=decision.pk, **({"version": int(expected_version)} if expected_version is not None else {})
    ).update(status=status, follow_up=_plain(follow_up), done_on=done_on, version=decision.version + 1)
    if not updated:
        raise Conflict(_("Someone else updated this decision since you opened it; reload and try again."))
    decision.refresh_from_db()
    audit_record(
        actor=user, action="archive.decision", target=decision, from_state=before, to_state=status, note=follow_up
    )
    return decision


# --- mechanisms -----------------------------------------------------------------------------------


@transaction.atomic
def mechanism_create(
    *,
    user,
    unit: Unit,
    kind: str,
    title: str,
    established_on: datetime.date,
    interval: str,
    rule_items: Iterable[RuleItem],
    document: Sequence[FileIn] = (),
    text: str = "",
) -> Mechanism:
    """Set up one of the six mechanisms; its founding document is archived as a record."""
    _require_at(user, Perm.ARCHIVE_MANAGE, unit.id)
    errors = {}
    if unit.level != UnitLevel.COMMUNITY:
        errors["unit"] = _("Mechanisms belong to a community.")
    if kind not in MechanismKind.values:
        errors["kind"] = _("Choose one of the six mechanisms.")
    elif Mechanism.objects.filter(unit=unit, kind=kind).exists():
        errors["kind"] = _("This community already has this mechanism.")
    if interval not in Interval.values:
        errors["interval"] = _("Choose how often it is expected to run.")
    if not str(title or "").strip():
        errors["title"] = _("A mechanism needs a title.")
    if not isinstance(established_on, datetime.date) or established_on > timezone.localdate():
        errors["established_on"] = _("Enter the date it was set up (not in the future).")
    if not document and not str(text or "").strip():
        errors["document"] = _("Attach the document that sets it up, or write its text.")
    if errors:
        raise ValidationError(errors)
    from gongjian.archives import periods

    try:
        with transaction.atomic():
            mechanism = Mechanism.objects.create(
                unit=unit,
                kind=kind,
                title=_plain(title),
                established_on=established_on,
                interval=interval,
                created_by=user,
            )
    except IntegrityError:  # set up by someone else a moment ago
        raise ValidationError({"kind": _("This community already has this mechanism.")}) from None
    record = evidence_create(
        user=user,
        unit=unit,
        period=periods.of(periods.YEAR, established_on),
        kind=EvidenceKind.DOCUMENT,
        title=_plain(title),
        date=established_on,
        rule_items=rule_items,
        text=text,
        files=document,
    )
    Mechanism.objects.filter(pk=mechanism.pk).update(document_key=record.record_key)
    mechanism.document_key = record.record_key
    audit_record(actor=user, action="archive.mechanism.create", target=mechanism, to_state=kind)
    return mechanism


# --- the unified template -------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementIn:
    description: str
    kinds: tuple[str, ...] = ()
    interval: str = Interval.YEARLY
    min_records: int = 1
    min_photos: int = 0


@dataclass(frozen=True)
class SectionIn:
    title: str
    rule_item: RuleItem
    guidance: str = ""
    requirements: tuple[RequirementIn, ...] = ()


def _require_city(user, city_id: int) -> None:
    if Perm.TEMPLATE_MANAGE not in perms_at_unit(actor_for(user), city_id):
        raise NotPermitted(_("Only the city office publishes the archive template."))


@transaction.atomic
def template_create(*, user, ruleset, name: str, sections: Sequence[SectionIn]) -> ArchiveTemplate:
    _require_city(user, ruleset.city_id)
    errors = {}
    if not str(name or "").strip():
        errors["name"] = _("A template needs a name.")
    if not sections:
        errors["sections"] = _("A template needs at least one section.")
    seen = set()
    for section in sections:
        if section.rule_item.ruleset_id != ruleset.pk:
            errors["sections"] = _("A section's item belongs to another rule set.")
        if section.rule_item.pk in seen:
            errors["sections"] = _("Each item can have only one section.")
        seen.add(section.rule_item.pk)
        for r in section.requirements:
            if r.interval not in Interval.values or any(k not in EvidenceKind.values for k in r.kinds):
                errors["sections"] = _("A requirement has an unknown interval or kind of record.")
            if r.min_records < 1 or r.min_photos < 0:
                errors["sections"] = _("A requirement needs at least one record.")
    if errors:
        raise ValidationError(errors)
    template = ArchiveTemplate.objects.create(ruleset=ruleset, name=_plain(name))
    for position, section in enumerate(sections):
        row = TemplateSection.objects.create(
            template=template,
            position=position,
            title=_plain(section.title) or section.rule_item.name,
            rule_item=section.rule_item,
            guidance=_plain(section.guidance),
        )
        EvidenceRequirement.objects.bulk_create(
            EvidenceRequirement(
                section=row,
                position=n,
                description=_plain(r.description)[:200],
                kinds=list(r.kinds),
                interval=r.interval,
                min_records=r.min_records,
                min_photos=r.min_photos,
            )
            for n, r in enumerate(section.requirements)
        )
    audit_record(actor=user, action="archive.template.create", target=template, to_state=TemplateStatus.DRAFT)
    return template


@transaction.atomic
def template_publish(*, user, template: ArchiveTemplate) -> ArchiveTemplate:
    """Publish the template: communities are audited against it from now on. A published
    template is final; a change is a new template that replaces it."""
    _require_city(user, template.ruleset.city_id)
    template = ArchiveTemplate.objects.select_for_update().get(pk=template.pk)
    if template.status == TemplateStatus.PUBLISHED:
        raise Conflict(_("This template is already published."))
    if not template.sections.exists():
        raise ValidationError({"sections": _("A template needs at least one section.")})
    template.status = TemplateStatus.PUBLISHED
    template.published_at = timezone.now()
    template.published_by = user
    template.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_record(
        actor=user,
        action="archive.template.publish",
        target=template,
        from_state=TemplateStatus.DRAFT,
        to_state=TemplateStatus.PUBLISHED,
    )
    return template
