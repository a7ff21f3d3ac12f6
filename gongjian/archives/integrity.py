"""Tamper evidence for the archive: file and content hashes, the hash-chained log, its end-to-end
verification, and the perceptual hash that spots a photo used twice.

"Nationally, cities were criticised for faked materials": an inspector must be able to trust that
a record shown today is the record archived then. Every version of a record is written to the
append-only ``ArchiveLogEntry`` with the SHA-256 of its canonical content; each entry's hash
covers the previous entry's hash, so editing a record in the database, deleting or reordering a
log entry, or swapping a stored file is found by ``verify()`` (``manage.py verify_archive``)."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Q
from django.utils import timezone
from PIL import Image

from gongjian.archives.models import ArchiveChainHead, ArchiveLogEntry, Evidence, EvidenceFile

GENESIS = "0" * 64


# --- perceptual hash -----------------------------------------------------------------------------


def dhash(data: bytes) -> str:
    """64-bit difference hash (16 hex digits) of an image: survives re-encoding, resizing and small
    edits, so a photo re-saved or cropped a little still matches its original."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("L", (64, 64))  # JPEG: decode at a fraction of the size
        small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            left, right = pixels[row * 9 + col], pixels[row * 9 + col + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- canonical content ----------------------------------------------------------------------------


def canonical_content(evidence: Evidence, files: list[EvidenceFile], rule_item_ids: list[int]) -> bytes:
    """The bytes a record version's hash is taken of: every field that an inspector reads, the
    rule items it counts for, and each file's hash and caption."""
    body = {
        "record": str(evidence.record_key),
        "version": evidence.version,
        "withdrawn": evidence.withdrawn,
        "unit": evidence.unit_id,
        "period": [evidence.period_kind, evidence.period_start.isoformat()],
        "kind": evidence.kind,
        "title": evidence.title,
        "date": evidence.date.isoformat(),
        "started_on": evidence.started_on.isoformat() if evidence.started_on else None,
        "text": evidence.text,
        "rule_items": sorted(rule_item_ids),
        "mechanism": evidence.mechanism_id,
        "source": [evidence.source, evidence.source_id],
        "author": evidence.author,
        "files": [
            [f.position, f.name, f.kind, f.sha256, f.caption, f.file.name]
            for f in sorted(files, key=lambda f: (f.position, f.file.name))
        ],
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_hash(evidence: Evidence) -> str:
    files = list(EvidenceFile.objects.filter(evidence=evidence))
    item_ids = list(evidence.rule_items.values_list("id", flat=True))
    return sha256_of(canonical_content(evidence, files, item_ids))


def _entry_bytes(entry: ArchiveLogEntry) -> bytes:
    body = [
        entry.prev_hash,
        entry.at.isoformat(),
        entry.actor_id,
        entry.action,
        str(entry.record_key),
        entry.evidence_id,
        entry.version,
        entry.content_hash,
    ]
    return json.dumps(body, separators=(",", ":")).encode()


# --- the chain ------------------------------------------------------------------------------------


def append(*, actor, action: str, evidence: Evidence) -> ArchiveLogEntry:
    """Hash the version's content, store it on the row and chain a log entry onto the head. Runs
    inside the caller's transaction; the head is updated first, which takes the database's write
    lock (a row lock on PostgreSQL, the database lock on SQLite) so appends are serialised."""
    digest = content_hash(evidence)
    Evidence.objects.filter(pk=evidence.pk).update(content_hash=digest)
    evidence.content_hash = digest
    if not ArchiveChainHead.objects.filter(pk=1).update(entries=F("entries") + 1):
        ArchiveChainHead.objects.create(pk=1, last_hash=GENESIS, entries=1)
    head = ArchiveChainHead.objects.select_for_update().get(pk=1)
    entry = ArchiveLogEntry(
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        action=action,
        record_key=evidence.record_key,
        evidence=evidence,
        version=evidence.version,
        content_hash=digest,
        prev_hash=head.last_hash,
    )
    entry.entry_hash = sha256_of(_entry_bytes(entry))
    entry.save()
    ArchiveChainHead.objects.filter(pk=1).update(last_hash=entry.entry_hash)
    return entry


@dataclass
class VerifyReport:
    entries: int = 0
    records: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(*, check_files: bool = True, progress=None) -> VerifyReport:
    """Walk the log from the first entry: each entry's hash, its link to the one before, the
    recorded content hash against the record as it is now in the database, the head, and (with
    ``check_files``) every stored file against its SHA-256. Records and files are read in
    batches; only the log's (record version → hash) pairs are held in memory."""
    report = VerifyReport()
    prev = GENESIS
    logged: set[int] = set()
    entries = ArchiveLogEntry.objects.order_by("id")
    for entry in entries.iterator(chunk_size=2000):
        report.entries += 1
        if entry.prev_hash != prev:
            report.problems.append(f"log entry {entry.pk}: does not follow the entry before it (missing or reordered)")
        if sha256_of(_entry_bytes(entry)) != entry.entry_hash:
            report.problems.append(f"log entry {entry.pk}: its own hash does not match its fields (entry altered)")
        prev = entry.entry_hash
        logged.add(entry.evidence_id)
    head = ArchiveChainHead.objects.filter(pk=1).first()
    if head is None and report.entries:
        report.problems.append("the chain head is missing")
    elif head is not None and (head.last_hash != prev or head.entries != report.entries):
        report.problems.append(
            f"the chain head ({head.entries} entries) does not match the log ({report.entries}): entries removed"
        )
    # Which version is current is not part of any content hash: check it against the log, so a
    # withdrawn record cannot be brought back by flipping ``is_current`` in the database.
    lines = Evidence.objects.values("record_key").annotate(
        top=Max("version"),
        current=Max("version", filter=Q(is_current=True)),
        currents=Count("id", filter=Q(is_current=True)),
    )
    for line in lines.iterator(chunk_size=2000):
        if line["currents"] != 1 or line["current"] != line["top"]:
            report.problems.append(
                f"record {line['record_key']}: the current version is not its latest archived version"
            )
    recorded = dict(ArchiveLogEntry.objects.values_list("evidence_id", "content_hash"))
    evidence = Evidence.objects.prefetch_related("files", "rule_items").order_by("id")
    for row in evidence.iterator(chunk_size=500):
        report.records += 1
        files = list(row.files.all())
        digest = sha256_of(canonical_content(row, files, [i.id for i in row.rule_items.all()]))
        if row.pk not in logged:
            report.problems.append(f"record {row.record_key} v{row.version}: not in the log (inserted behind its back)")
        elif recorded[row.pk] != digest or row.content_hash != digest:
            report.problems.append(f"record {row.record_key} v{row.version}: content differs from what was archived")
        if check_files:
            for f in files:
                report.files += 1
                problem = _check_file(f)
                if problem:
                    report.problems.append(f"record {row.record_key} v{row.version}, file {f.name}: {problem}")
        if progress:
            progress(report)
    return report


def _check_file(f: EvidenceFile) -> str:
    try:
        with f.file.open("rb") as handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return "stored file is missing"
    if digest.hexdigest() != f.sha256:
        return "stored file differs from its SHA-256"
    return ""
