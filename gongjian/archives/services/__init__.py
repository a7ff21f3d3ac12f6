"""Writes to the archive. Every function checks the actor's permission at the unit, runs in one
transaction and leaves a trace: evidence versions in the hash-chained archive log
(``integrity.append``), everything else in the audit trail.

Archived records are never updated in place: ``evidence_revise`` writes the next version and
keeps the old one; it takes the version the user was looking at, so two people editing the same
record cannot overwrite each other (the second gets a Conflict and reloads).

The package is split along its seams: ``files`` (uploads and stored files), ``evidence`` (records
and their versions), ``collection`` (records collected from problems, activities and meetings),
``meetings``, ``mechanisms`` and ``templates``; every public name is re-exported here."""

from gongjian.archives.services.collection import (
    MEETING_MECHANISM,
    collect_from_activity,
    collect_from_meeting,
    collect_from_problem,
    collect_pending,
    current_period,
)
from gongjian.archives.services.evidence import caption_set, evidence_create, evidence_revise, evidence_withdraw
from gongjian.archives.services.files import FileIn, StoredFile, accept_uploads
from gongjian.archives.services.mechanisms import mechanism_create
from gongjian.archives.services.meetings import (
    AttendeeIn,
    DecisionIn,
    decision_follow_up,
    meeting_create,
    meeting_photo_add,
)
from gongjian.archives.services.templates import RequirementIn, SectionIn, template_create, template_publish

__all__ = [
    "MEETING_MECHANISM",
    "AttendeeIn",
    "DecisionIn",
    "FileIn",
    "RequirementIn",
    "SectionIn",
    "StoredFile",
    "accept_uploads",
    "caption_set",
    "collect_from_activity",
    "collect_from_meeting",
    "collect_from_problem",
    "collect_pending",
    "current_period",
    "decision_follow_up",
    "evidence_create",
    "evidence_revise",
    "evidence_withdraw",
    "mechanism_create",
    "meeting_create",
    "meeting_photo_add",
    "template_create",
    "template_publish",
]
