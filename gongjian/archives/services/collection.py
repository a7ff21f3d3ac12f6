"""Collection from what the system already knows: closed problems, activities and meetings
become evidence records, merged with edits made since the last collection."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongjian.archives import integrity
from gongjian.archives.choices import EvidenceKind, LogAction, MechanismKind, MeetingKind, TemplateStatus
from gongjian.archives.models import Evidence, EvidenceFile, Mechanism, Meeting, TemplateSection
from gongjian.archives.periods import Period
from gongjian.archives.services._common import _city_of
from gongjian.archives.services.evidence import _new_version
from gongjian.archives.services.files import StoredFile, _copy_file, _reference
from gongjian.assessments.models import RuleItem
from gongjian.core.audit import audit_record
from gongjian.organizations.models import Unit

# Which mechanism a collected record shows running.
MEETING_MECHANISM = {
    MeetingKind.REGULAR: MechanismKind.MEETING,
    MeetingKind.PROGRESS: MechanismKind.MEETING,
    MeetingKind.JOINT: MechanismKind.LIAISON,
}


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
    rule_item_ids: Iterable[int] = (),
) -> Evidence | None:
    """File (or bring up to date) the record collected from one source object. Idempotent: when
    nothing changed, nothing is written; when something did, a new version is. ``rule_item_ids``:
    items the source itself names (a plan's tasks), counted besides the template's."""
    from gongjian.archives import periods

    if cache is None:
        city_id = _city_of(unit.id)
    else:
        if ("city", unit.id) not in cache:
            cache[("city", unit.id)] = _city_of(unit.id)
        city_id = cache[("city", unit.id)]
    items = _published_items_for(city_id, kind, cache)
    rule_item_ids = set(rule_item_ids)
    if not items and not rule_item_ids:
        return None  # no published template asks for this kind yet; collected once one does
    mechanism = Mechanism.objects.filter(unit=unit, kind=mechanism_kind).first() if mechanism_kind else None
    period = periods.of(periods.MONTH, date)
    snapshot = _snapshot(title=title, text=text, date=date, started_on=started_on, files=files)
    current = Evidence.objects.filter(source=source, source_id=source_id, is_current=True).first()
    item_ids = {i.id for i in items} | rule_item_ids
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
    from gongjian.participation.choices import HAPPENED_STATUSES

    if activity.status not in HAPPENED_STATUSES:
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
        date=activity.held_on or timezone.localtime(activity.starts_at).date(),
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
    from gongjian.participation.choices import HAPPENED_STATUSES
    from gongjian.participation.models import Activity

    count = 0
    cache: dict = {}
    problems = Problem.objects.filter(status=ProblemStatus.CLOSED).select_related("category")
    activities = Activity.objects.filter(status__in=HAPPENED_STATUSES).select_related("community")
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
    count += _collect_plans_and_receipts(unit_ids=unit_ids, actor=actor, cache=cache)
    count += _collect_fund_statements(unit_ids=unit_ids, actor=actor, cache=cache)
    return count


def _collect_plans_and_receipts(*, unit_ids, actor, cache) -> int:
    """Work plans and acknowledged notice receipts (gongjian/plans, gongjian/notices)."""
    from gongjian.notices.evidence import collect_from_receipt
    from gongjian.notices.models import Receipt
    from gongjian.plans.evidence import collect_from_plan
    from gongjian.plans.models import Plan

    count = 0
    plans = Plan.objects.filter(is_template=False).select_related("unit")
    receipts = Receipt.objects.filter(acknowledged_at__isnull=False).select_related(
        "unit", "notice", "notice__sender_unit"
    )
    if unit_ids is not None:
        ids = list(unit_ids)
        plans = plans.filter(unit_id__in=ids)
        receipts = receipts.filter(unit_id__in=ids)
    for plan in plans.iterator(chunk_size=200):
        with transaction.atomic():
            count += collect_from_plan(plan, actor=actor, cache=cache) is not None
    for receipt in receipts.iterator(chunk_size=200):
        with transaction.atomic():
            count += collect_from_receipt(receipt, actor=actor, cache=cache) is not None
    return count


def _collect_fund_statements(*, unit_ids, actor, cache) -> int:
    """The communities' yearly fund statements (gongjian/funds)."""
    from gongjian.funds.evidence import collect_from_statement
    from gongjian.funds.models import FundStatement

    statements = FundStatement.objects.select_related("community")
    if unit_ids is not None:
        statements = statements.filter(community_id__in=list(unit_ids))
    count = 0
    for statement in statements.iterator(chunk_size=200):
        with transaction.atomic():
            count += collect_from_statement(statement, actor=actor, cache=cache) is not None
    return count
