"""The archive of a unit: the index, a unit's archive page with its findings, the skeleton
and the ranking of units by completeness."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404
from gongjian.archives import jobs, selectors
from gongjian.archives.choices import EvidenceKind
from gongjian.archives.forms import (
    period_choices,
)
from gongjian.archives.models import (
    BinderJob,
)
from gongjian.archives.skeleton import skeleton_docx
from gongjian.archives.views.common import (
    FINDING_GROUPS,
    _bad_period,
    _can,
    _communities,
    _id_param,
    _own_community,
    _period,
    _require,
    _unit,
)
from gongjian.core.exporters import download_response
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit

# --- the archive of a unit --------------------------------------------------------------------------


def _own_community_page(request, view_name: str):
    """A community worker lands on their community's page; everyone else on the ranking."""
    actor = actor_for(request.user)
    _require(actor, Perm.ARCHIVE_VIEW)
    community = _own_community(actor)
    if community is not None:
        return redirect(view_name, unit_id=community.pk)
    return redirect("archives:ranking")


@login_required
def index(request):
    return _own_community_page(request, "archives:unit")


def _finding_link(finding, unit: Unit, period, can_manage: bool) -> str:
    """Where to fix a finding: the record (at the photo), the form to add the missing record (or,
    for readers, the section), the mechanisms page."""
    if finding.record_key:
        url = reverse("archives:record", args=[finding.record_key])
        return f"{url}#file-{finding.file_id}" if finding.file_id else url
    if finding.code == "missing" and finding.rule_item_id:
        if can_manage:
            return f"{reverse('archives:record-create', args=[unit.pk])}?item={finding.rule_item_id}"
        return f"#section-{finding.section_id}" if finding.section_id else ""
    if finding.code in ("dead_letter", "no_mechanism"):
        return f"{reverse('archives:mechanisms', args=[unit.pk])}?period={period.code}"
    return ""


@login_required
def unit_archive(request, unit_id: int):
    unit = _unit(request, unit_id)
    period, period_form = _period(request)
    if period is None:
        return _bad_period(request, period_form)
    audit = selectors.audit_unit(unit, period)
    can_manage = _can(request, Perm.ARCHIVE_MANAGE, unit.pk)
    groups = OrderedDict((code, {"label": label, "findings": []}) for code, label in FINDING_GROUPS.items())
    for finding in audit.findings:
        group = groups.setdefault(finding.code, {"label": finding.code, "findings": []})
        group["findings"].append({"finding": finding, "url": _finding_link(finding, unit, period, can_manage)})
    records = list(selectors.period_records([unit.pk], period, with_files=False))
    in_sections = {r.record_key for s in audit.sections for r in s.records}
    kinds = dict(EvidenceKind.choices)
    return render(
        request,
        "archives/unit.html",
        {
            "unit": unit,
            "period": period,
            "period_choices": period_choices(period.start.year),
            "audit": audit,
            "sections": [
                {"audit": s, "records": [(r, kinds.get(r.kind, r.kind)) for r in s.records]} for s in audit.sections
            ],
            "finding_groups": [g for g in groups.values() if g["findings"]],
            "finding_count": len(audit.findings),
            "dead_letters": sum(1 for m in audit.mechanisms if m.dead_letter),
            "other_records": [r for r in records if str(r.record_key) not in in_sections],
            "record_count": len(records),
            "can_manage": can_manage,
            "is_community": unit.level == UnitLevel.COMMUNITY,
            "binders": [
                (job, jobs.job_period(job).code)
                for job in BinderJob.objects.filter(unit=unit).select_related("job").order_by("-created_at", "-id")[:5]
            ],
        },
    )


@login_required
def skeleton(request, unit_id: int):
    """The city's template filled in for this unit as a Word file."""
    unit = _unit(request, unit_id)
    period, period_form = _period(request)
    if period is None:
        return _bad_period(request, period_form)
    return download_response(skeleton_docx(unit, period))


# --- ranking ----------------------------------------------------------------------------------------


@login_required
def ranking(request):
    actor = actor_for(request.user)
    _require(actor, Perm.ARCHIVE_VIEW)
    period, period_form = _period(request)
    if period is None:
        return _bad_period(request, period_form)
    roots = list(
        Unit.objects.filter(pk__in=actor.root_unit_ids(Perm.ARCHIVE_VIEW)).order_by("code", "id")
        if not actor.is_superuser
        else Unit.objects.filter(level=UnitLevel.CITY).order_by("code", "id")
    )
    areas = [u for u in roots if u.level != UnitLevel.COMMUNITY]
    within = None
    wanted = _id_param(request.GET.get("within"))
    if wanted is not None:
        within = get_scoped_or_404(Unit.objects.all(), actor, Perm.ARCHIVE_VIEW, unit_field="id", pk=wanted)
    elif areas:
        within = areas[0]
    from gongjian.organizations.tree import subtree_ids_sql

    if within is not None:
        communities = Unit.objects.filter(id__in=subtree_ids_sql([within.pk]), level=UnitLevel.COMMUNITY)
    else:
        communities = _communities(actor, Perm.ARCHIVE_VIEW)
    communities = list(communities.select_related("parent").order_by("code", "id"))
    rows = []
    for position, (community, audit) in enumerate(selectors.ranking(communities, period), start=1):
        rows.append(
            {
                "position": position,
                "unit": community,
                "audit": audit,
                "dead_letters": sum(1 for m in audit.mechanisms if m.dead_letter),
                "findings": len(audit.findings),
            }
        )
    return render(
        request,
        "archives/ranking.html",
        {
            "period": period,
            "period_choices": period_choices(period.start.year),
            "rows": rows,
            "within": within,
            "areas": areas,
            "roots": roots,
        },
    )
