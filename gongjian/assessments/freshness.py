"""Is a month's computation still true to the records? (a selector: reads only)

A computation records what it saw: the audit trail's last event id when it started
(``Assessment.audit_watermark``). Every write that can change a score goes through a service that
appends an audit event, so the changes since the computation are the audit events after the
watermark that touch the month:

- a problem reported, rectified, re-checked, voided, given a new deadline or moved with its unit
  to another street, community or city (``inspections.rescope.problems_rescope``), when the problem was
  found in the month, or its deadline (first or current) falls in it, or it is a rework or relapse
  of an earlier published month whose late events this month carries (``engine.carried_events``);
- a manual score of the month;
- the month's rule set edited;
- archive evidence of the city's units (through ``settings.ASSESSMENT_EVIDENCE_CHANGES``, as the
  archives build on the assessment and are not imported here), when the rule set has evidence items;
- propaganda position updates recorded or removed (and positions registered) that can change the
  month's ``positions_fresh_rate`` (through ``settings.ASSESSMENT_POSITION_CHANGES``,
  gongjian/materials/feed.py), when the rule set has such an item.

Nothing is written on the problem's path (a problem write costs nothing more); the check is a few
indexed reads over the events since the computation, run when the month or publish page is shown
and when publishing. A stale month cannot be published (``services.assessment_publish``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from gongjian.assessments.choices import AssessmentStatus, Indicator, Method
from gongjian.assessments.models import Assessment, RuleItem
from gongjian.core.models import AuditEvent
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Problem
from gongjian.inspections.selectors import month_bounds
from gongjian.organizations.tree import subtree_ids_sql

# Audit action → kind of change, in the order the pages list them.
PROBLEM_KINDS = {
    "problem.report": ("reported", _("Problems reported")),
    "problem.rectify": ("rectified", _("Problems rectified")),
    "problem.review": ("rechecked", _("Rectifications re-checked")),
    "problem.void": ("voided", _("Problems voided")),
    "problem.extension_decide": ("extended", _("Deadlines extended")),
    "problem.rescope": ("rescoped", _("Problems moved with their unit to another place in the tree")),
}
OTHER_KINDS = {
    "manual": _("Manual scores entered or changed"),
    "evidence": _("Archive records added or changed"),
    "positions": _("Propaganda position updates recorded or removed"),
    "ruleset": _("Rule set edited"),
}
LINKS_SHOWN = 10


@dataclass
class Change:
    kind: str
    label: str
    count: int
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, url), the first few


@dataclass
class Freshness:
    changes: list[Change] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return any(change.count for change in self.changes)

    @property
    def total(self) -> int:
        return sum(change.count for change in self.changes)


def changes_since_computed(assessment: Assessment) -> Freshness:
    """What changed since the month's last computation, counted per kind, with links."""
    if assessment.status != AssessmentStatus.COMPUTED or assessment.computed_at is None:
        return Freshness()
    watermark = assessment.audit_watermark
    after = AuditEvent.objects.filter(id__gt=watermark)
    out = Freshness()
    out.changes.extend(_problem_changes(assessment, after))

    manual = list(
        after.filter(
            action="assessment.manual_score", target_type=Assessment._meta.label_lower, target_id=str(assessment.pk)
        ).values_list("changes", flat=True)
    )
    if manual:
        month = f"{assessment.month:%Y-%m}"
        units = list(dict.fromkeys(c.get("unit") for c in manual if isinstance(c, dict) and c.get("unit")))
        links = [
            (f"{c.get('item', '')}", reverse("assessments:sheet", kwargs={"month": month, "unit_id": c["unit"]}))
            for c in manual[:LINKS_SHOWN]
            if isinstance(c, dict) and c.get("unit") in units
        ]
        out.changes.append(Change("manual", str(OTHER_KINDS["manual"]), len(manual), links))

    edited = after.filter(
        action="ruleset.update", target_type="assessments.ruleset", target_id=str(assessment.ruleset_id)
    ).count()
    if edited:
        link = [(str(assessment.ruleset), reverse("assessments:ruleset", kwargs={"pk": assessment.ruleset_id}))]
        out.changes.append(Change("ruleset", str(OTHER_KINDS["ruleset"]), edited, link))

    scorer = getattr(settings, "ASSESSMENT_EVIDENCE_CHANGES", "")
    if scorer and RuleItem.objects.filter(ruleset_id=assessment.ruleset_id, method=Method.EVIDENCE).exists():
        count = import_string(scorer)(city_id=assessment.city_id, month=assessment.month, since=assessment.computed_at)
        if count:
            out.changes.append(Change("evidence", str(OTHER_KINDS["evidence"]), count))

    positions = getattr(settings, "ASSESSMENT_POSITION_CHANGES", "")
    if (
        positions
        and RuleItem.objects.filter(
            ruleset_id=assessment.ruleset_id, method=Method.RATE, indicator=Indicator.POSITIONS_FRESH_RATE
        ).exists()
    ):
        count = import_string(positions)(city_id=assessment.city_id, month=assessment.month, watermark=watermark)
        if count:
            out.changes.append(Change("positions", str(OTHER_KINDS["positions"]), count))
    return out


def _problem_changes(assessment: Assessment, after) -> list[Change]:
    events = list(
        after.filter(action__in=list(PROBLEM_KINDS), target_type=Problem._meta.label_lower)
        .order_by("id")
        .values_list("action", "target_id", "to_state", "changes")
    )
    if not events:
        return []
    ids = {int(pk) for _action, pk, _to, _changes in events if pk.isdigit()}
    start, end = month_bounds(assessment.month)
    in_month = (
        Q(found_at__gte=start, found_at__lt=end)
        | Q(deadline__gte=start, deadline__lt=end)
        | Q(original_deadline__gte=start, original_deadline__lt=end)
    )
    carried_from = _carry_start(assessment)
    wanted = in_month | Q(found_at__gte=carried_from, found_at__lt=start) if carried_from else in_month
    # A problem moved out of the city with its unit still changes the city's month.
    moved_out = {
        int(pk)
        for action, pk, _to, changes in events
        if action == "problem.rescope"
        and pk.isdigit()
        and isinstance(changes, dict)
        and (changes.get("city_id") or [None])[0] == assessment.city_id
    }
    rows = Problem.objects.filter(wanted, id__in=ids).filter(
        Q(unit_id__in=subtree_ids_sql([assessment.city_id])) | Q(id__in=moved_out)
    )
    relevant = {
        pk: (number, found_at >= start or any(start <= d < end for d in (deadline, first_deadline)))
        for pk, number, found_at, deadline, first_deadline in rows.values_list(
            "id", "number", "found_at", "deadline", "original_deadline"
        )
    }
    kinds: dict[str, Change] = {}
    seen: dict[str, set[int]] = {}
    for action, pk, to_state, changes in events:
        pid = int(pk) if pk.isdigit() else None
        if pid not in relevant:
            continue
        number, own_month = relevant[pid]
        if not own_month and not _late_event(action, to_state, changes):
            continue  # an earlier month's problem matters here only through a late rework or relapse
        kind, label = PROBLEM_KINDS[action]
        change = kinds.setdefault(kind, Change(kind, str(label), 0))
        if pid in seen.setdefault(kind, set()):
            continue
        seen[kind].add(pid)
        change.count += 1
        if len(change.links) < LINKS_SHOWN:
            change.links.append((number, reverse("problems:detail", kwargs={"pk": pid})))
    order = [kind for kind, _label in PROBLEM_KINDS.values()]
    return sorted(kinds.values(), key=lambda c: order.index(c.kind))


def _late_event(action: str, to_state: str, changes) -> bool:
    if action == "problem.review":
        return to_state == ProblemStatus.OPEN  # sent back: a rework
    if action == "problem.report":
        return isinstance(changes, dict) and bool(changes.get("relapse_of"))
    return False


def _carry_start(assessment: Assessment):
    """The start of the earliest published month whose late events this month carries, if any."""
    from gongjian.assessments.engine import _published_before

    months = _published_before(assessment)
    return month_bounds(months[-1].month)[0] if months else None
