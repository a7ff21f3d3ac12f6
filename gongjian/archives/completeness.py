"""The completeness audit of one unit's archive for one period. Pure: plain values in, findings
and figures out, no ORM (``selectors.audit_unit`` gathers the values).

What the provincial inspectors mark down, in the speech's words: missing materials ("lose points
for nothing"), "text without photos, photos without captions", records that belong to another
period, the same photo used twice, a photo taken long before or after the event it shows, and
mechanisms that exist on paper only (一纸空文).

Each requirement of the template is due once per slot of its interval ("each month at least one
meeting record with at least two captioned photos": twelve slots in a year). A slot is met when
enough records of the right kind, dated inside it, with enough captioned photos, count for the
section's rule item. The points at risk of an item are its points in proportion to its unmet
slots; the completeness is met slots over due slots."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.archives.periods import MONTH, Period, of

POINTS = Decimal("0.01")


@dataclass(frozen=True)
class FileView:
    id: int
    name: str
    is_image: bool
    caption: str
    sha256: str
    phash: str
    taken_on: datetime.date | None


@dataclass(frozen=True)
class RecordView:
    id: int
    record_key: str
    version: int
    kind: str
    title: str
    date: datetime.date
    started_on: datetime.date | None
    period: Period
    rule_item_ids: frozenset[int]
    files: tuple[FileView, ...]
    mechanism_id: int | None = None
    # For the assessment, which only counts: captioned photos counted by the database instead of
    # every file loaded (``files`` is then empty).
    captioned_count: int | None = None

    @property
    def photos(self) -> tuple[FileView, ...]:
        return tuple(f for f in self.files if f.is_image)

    @property
    def captioned_photos(self) -> int:
        if self.captioned_count is not None:
            return self.captioned_count
        return sum(1 for f in self.photos if f.caption.strip())


@dataclass(frozen=True)
class RequirementView:
    id: int
    description: str
    kinds: tuple[str, ...]
    interval: str
    min_records: int
    min_photos: int

    def accepts(self, record: RecordView) -> bool:
        return not self.kinds or record.kind in self.kinds


@dataclass(frozen=True)
class SectionView:
    id: int
    position: int
    title: str
    rule_item_id: int
    rule_item_code: str
    points: Decimal
    requirements: tuple[RequirementView, ...]


@dataclass(frozen=True)
class MechanismView:
    id: int
    kind: str
    label: str
    title: str
    interval: str
    established_on: datetime.date
    executions: tuple[datetime.date, ...]


@dataclass(frozen=True)
class PhotoRef:
    file_id: int
    record_key: str
    unit_id: int
    period_start: datetime.date
    sha256: str
    phash: str
    title: str
    date: datetime.date | None = None  # the record's date (default: its period's start)

    @property
    def order(self) -> tuple:
        return (self.date or self.period_start, self.file_id)


@dataclass(frozen=True)
class Finding:
    code: str  # missing | no_caption | no_photos | outside_period | reused_photo | photo_date | dead_letter | ...
    message: str
    section_id: int | None = None
    rule_item_id: int | None = None
    record_key: str = ""
    file_id: int | None = None
    slot: str = ""


@dataclass
class SlotStatus:
    requirement: RequirementView
    slot: Period
    records: list[RecordView]

    @property
    def met(self) -> bool:
        return len(self.records) >= self.requirement.min_records


@dataclass
class SectionAudit:
    section: SectionView
    slots: list[SlotStatus] = field(default_factory=list)
    records: list[RecordView] = field(default_factory=list)

    @property
    def due(self) -> int:
        return len(self.slots)

    @property
    def met(self) -> int:
        return sum(1 for s in self.slots if s.met)

    @property
    def points_at_risk(self) -> Decimal:
        if not self.due:
            return Decimal("0.00")
        return (self.section.points * (self.due - self.met) / self.due).quantize(POINTS, ROUND_HALF_UP)

    @property
    def percent(self) -> int:
        return round(100 * self.met / self.due) if self.due else 100

    def unmet_by(self, day: datetime.date) -> list[SlotStatus]:
        """The slots that have ended unmet on ``day`` (what a deduction's reason names)."""
        return [s for s in self.slots if s.slot.end <= day and not s.met]

    def points_lost_by(self, day: datetime.date) -> tuple[Decimal, list[str]]:
        """What the assessment deducts on ``day``: the item's points in proportion to the slots
        that have ended unmet (a year's summary is not lost in August), and those slots' codes."""
        ended = [s for s in self.slots if s.slot.end <= day]
        unmet = [s for s in ended if not s.met]
        if not ended or not unmet:
            return Decimal("0.00"), []
        lost = (self.section.points * len(unmet) / len(ended)).quantize(POINTS, ROUND_HALF_UP)
        return lost, [s.slot.code for s in unmet]


@dataclass
class MechanismAudit:
    mechanism: MechanismView
    expected: list[Period]
    missed: list[Period]

    @property
    def dead_letter(self) -> bool:
        """一纸空文: expected to run in an interval that has passed, and no record shows it did."""
        return bool(self.missed)


@dataclass
class Audit:
    period: Period
    has_template: bool
    sections: list[SectionAudit]
    mechanisms: list[MechanismAudit]
    findings: list[Finding]
    missing_mechanisms: list[str] = field(default_factory=list)

    @property
    def due(self) -> int:
        return sum(s.due for s in self.sections)

    @property
    def met(self) -> int:
        return sum(s.met for s in self.sections)

    @property
    def percent(self) -> int:
        if not self.has_template:
            return 0
        return round(100 * self.met / self.due) if self.due else 100

    @property
    def points_at_risk(self) -> Decimal:
        return sum((s.points_at_risk for s in self.sections), Decimal("0.00"))

    def risk_of_item(self, rule_item_id: int) -> SectionAudit | None:
        return next((s for s in self.sections if s.section.rule_item_id == rule_item_id), None)


# --- the audit ------------------------------------------------------------------------------------


def due_slots(period: Period, interval: str, today: datetime.date) -> list[Period]:
    """The slots of the period a requirement is due in: those that have started by today."""
    return [slot for slot in period.slots(interval) if slot.start <= today]


def audit(
    *,
    period: Period,
    sections: list[SectionView],
    records: list[RecordView],
    mechanisms: list[MechanismView],
    photo_history: list[PhotoRef],
    today: datetime.date,
    date_tolerance_days: int = 7,
    phash_distance: int = 6,
    is_community: bool = True,
    mechanism_kinds: dict[str, str] | None = None,
    own_unit_ids: frozenset[int] | None = None,
) -> Audit:
    """``own_unit_ids``: the units whose record titles may be named in a finding (the audited
    unit's subtree); a photo reused from a record elsewhere is reported without its title."""
    findings: list[Finding] = []
    section_audits = []
    for section in sections:
        mine = [r for r in records if section.rule_item_id in r.rule_item_ids]
        result = SectionAudit(section=section, records=mine)
        for requirement in section.requirements:
            for slot in due_slots(period, requirement.interval, today):
                counted = [
                    r
                    for r in mine
                    if requirement.accepts(r) and slot.contains(r.date) and r.captioned_photos >= requirement.min_photos
                ]
                status = SlotStatus(requirement=requirement, slot=slot, records=counted)
                result.slots.append(status)
                if not status.met:
                    findings.append(
                        Finding(
                            code="missing",
                            message=_("%(slot)s: %(requirement)s — %(have)s of %(need)s record(s)")
                            % {
                                "slot": slot.code,
                                "requirement": requirement.description,
                                "have": len(counted),
                                "need": requirement.min_records,
                            },
                            section_id=section.id,
                            rule_item_id=section.rule_item_id,
                            slot=slot.code,
                        )
                    )
            findings.extend(_photo_requirements(section, requirement, mine))
        section_audits.append(result)

    findings.extend(_record_findings(records, date_tolerance_days))
    findings.extend(_reused_photos(records, photo_history, phash_distance, own_unit_ids))
    mechanism_audits = [_mechanism_audit(m, period, today) for m in mechanisms] if is_community else []
    for m in mechanism_audits:
        if m.dead_letter:
            findings.append(
                Finding(
                    code="dead_letter",
                    message=_("%(title)s is a dead letter (一纸空文): no record shows it ran in %(slots)s")
                    % {"title": m.mechanism.title, "slots": "、".join(s.code for s in m.missed)},
                )
            )
    missing = []
    if is_community and mechanism_kinds:
        have = {m.kind for m in mechanisms}
        missing = [label for kind, label in mechanism_kinds.items() if kind not in have]
        for label in missing:
            findings.append(
                Finding(code="no_mechanism", message=_("%(mechanism)s has not been set up") % {"mechanism": label})
            )
    if not sections:
        findings.insert(
            0, Finding(code="no_template", message=_("The city has not published an archive template yet."))
        )
    return Audit(
        period=period,
        has_template=bool(sections),
        sections=section_audits,
        mechanisms=mechanism_audits,
        findings=_dedupe(findings),
        missing_mechanisms=missing,
    )


def _photo_requirements(section: SectionView, requirement: RequirementView, records: list[RecordView]) -> list[Finding]:
    """Records of a kind that needs photos: "text without photos, photos without captions"."""
    if not requirement.min_photos:
        return []
    out = []
    for record in records:
        if not requirement.accepts(record):
            continue
        if not record.photos:
            out.append(
                Finding(
                    code="no_photos",
                    message=_("“%(title)s” has text but no photos; %(need)s captioned photo(s) are required")
                    % {"title": record.title, "need": requirement.min_photos},
                    section_id=section.id,
                    rule_item_id=section.rule_item_id,
                    record_key=record.record_key,
                )
            )
            continue
        for photo in record.photos:
            if not photo.caption.strip():
                out.append(
                    Finding(
                        code="no_caption",
                        message=_("“%(title)s”: photo %(name)s has no caption")
                        % {"title": record.title, "name": photo.name},
                        section_id=section.id,
                        rule_item_id=section.rule_item_id,
                        record_key=record.record_key,
                        file_id=photo.id,
                    )
                )
    return out


def _record_findings(records: list[RecordView], tolerance_days: int) -> list[Finding]:
    out = []
    tolerance = datetime.timedelta(days=tolerance_days)
    for record in records:
        if not record.period.contains(record.date):
            out.append(
                Finding(
                    code="outside_period",
                    message=_("“%(title)s” is dated %(date)s, outside its period %(period)s")
                    % {"title": record.title, "date": record.date.isoformat(), "period": record.period.code},
                    record_key=record.record_key,
                )
            )
        first = record.started_on or record.date
        for photo in record.photos:
            if photo.taken_on is None:
                continue
            if photo.taken_on < first - tolerance or photo.taken_on > record.date + tolerance:
                out.append(
                    Finding(
                        code="photo_date",
                        message=_(
                            "“%(title)s”: photo %(name)s was taken on %(taken)s, far from the record's date %(date)s"
                        )
                        % {
                            "title": record.title,
                            "name": photo.name,
                            "taken": photo.taken_on.isoformat(),
                            "date": record.date.isoformat(),
                        },
                        record_key=record.record_key,
                        file_id=photo.id,
                    )
                )
    return out


def _blocks(phash: str) -> list[tuple[int, str]]:
    return [(i, phash[2 * i : 2 * i + 2]) for i in range(8)]


def _reused_photos(
    records: list[RecordView], history: list[PhotoRef], distance: int, own_unit_ids: frozenset[int] | None = None
) -> list[Finding]:
    """The same or a near-identical photo in an earlier record (of any unit or period). Near
    matches are looked up by 8-bit blocks of the 64-bit hash: two hashes within 7 bits of each
    other share at least one whole block, so only those candidates are compared."""
    by_sha: dict[str, list[PhotoRef]] = defaultdict(list)
    by_block: dict[tuple[int, str], list[PhotoRef]] = defaultdict(list)
    for ref in history:
        by_sha[ref.sha256].append(ref)
        if len(ref.phash) == 16:
            for block in _blocks(ref.phash):
                by_block[block].append(ref)
    out = []
    for record in records:
        for photo in record.photos:
            candidates = {id(r): r for r in by_sha.get(photo.sha256, [])}
            if len(photo.phash) == 16 and distance < 8:
                for block in _blocks(photo.phash):
                    for ref in by_block.get(block, ()):
                        if len(ref.phash) == 16 and (int(ref.phash, 16) ^ int(photo.phash, 16)).bit_count() <= distance:
                            candidates[id(ref)] = ref
            # Only the later use is flagged: the record that showed the photo first is the original.
            mine = (record.date, photo.id)  # same day: the one archived first is the original
            others = sorted(
                (r for r in candidates.values() if r.record_key != record.record_key and r.order < mine),
                key=lambda r: (r.period_start, r.file_id),
            )
            if others:
                other = others[0]
                out.append(
                    Finding(
                        code="reused_photo",
                        message=_("“%(title)s”: photo %(name)s is the same as one in “%(other)s” (%(month)s)")
                        % {
                            "title": record.title,
                            "name": photo.name,
                            "other": other.title
                            if own_unit_ids is None or other.unit_id in own_unit_ids
                            else _("a record of another unit"),
                            "month": of(MONTH, other.period_start).code,
                        },
                        record_key=record.record_key,
                        file_id=photo.id,
                    )
                )
    return out


def _mechanism_audit(mechanism: MechanismView, period: Period, today: datetime.date) -> MechanismAudit:
    """The intervals of the period that have ended since the mechanism was set up, and those of
    them with no record of it running."""
    expected = [
        slot for slot in period.slots(mechanism.interval) if slot.end < today and slot.end >= mechanism.established_on
    ]
    missed = [slot for slot in expected if not any(slot.contains(day) for day in mechanism.executions)]
    return MechanismAudit(mechanism=mechanism, expected=expected, missed=missed)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.record_key, f.file_id, f.section_id, f.slot, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# --- views of the models (the only place that reads model attributes) ----------------------------


def record_view(evidence) -> RecordView:
    from gongjian.archives.periods import from_fields

    return RecordView(
        id=evidence.id,
        record_key=str(evidence.record_key),
        version=evidence.version,
        kind=evidence.kind,
        title=evidence.title,
        date=evidence.date,
        started_on=evidence.started_on,
        period=from_fields(evidence.period_kind, evidence.period_start),
        rule_item_ids=frozenset(i.id for i in evidence.rule_items.all()),
        files=tuple(
            FileView(
                id=f.id,
                name=f.name,
                is_image=f.is_image,
                caption=f.caption,
                sha256=f.sha256,
                phash=f.phash,
                taken_on=timezone.localtime(f.taken_at).date() if f.taken_at else None,
            )
            for f in evidence.files.all()
        ),
        mechanism_id=evidence.mechanism_id,
    )


def section_view(section) -> SectionView:
    return SectionView(
        id=section.id,
        position=section.position,
        title=section.title,
        rule_item_id=section.rule_item_id,
        rule_item_code=section.rule_item.code,
        points=section.rule_item.points,
        requirements=tuple(
            RequirementView(
                id=r.id,
                description=r.description,
                kinds=tuple(r.kinds or ()),
                interval=r.interval,
                min_records=r.min_records,
                min_photos=r.min_photos,
            )
            for r in section.requirements.all()
        ),
    )


def mechanism_view(mechanism, executions) -> MechanismView:
    return MechanismView(
        id=mechanism.id,
        kind=mechanism.kind,
        label=str(mechanism.get_kind_display()),
        title=mechanism.title,
        interval=mechanism.interval,
        established_on=mechanism.established_on,
        executions=tuple(sorted(executions)),
    )
