"""The city's archive templates: list, new, detail, publish, and the upkeep pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404, restrict
from gongjian.archives import services
from gongjian.archives.choices import EvidenceKind, TemplateStatus
from gongjian.archives.forms import (
    SectionFormSet,
    TemplateForm,
)
from gongjian.archives.models import (
    ArchiveTemplate,
)
from gongjian.archives.services import RequirementIn, SectionIn
from gongjian.archives.views.common import (
    _error_text,
    _require,
)
from gongjian.core.errors import Conflict, NotPermitted, errors_onto_form


def _rulesets(actor):
    from gongjian.assessments.models import RuleSet

    return restrict(RuleSet.objects.select_related("city"), actor, Perm.TEMPLATE_MANAGE, unit_field="city").order_by(
        "-effective_from", "-id"
    )


@login_required
@require_POST
def upkeep(request, which: str):
    """Collect pending records or verify the archive, as a background job (archives.tasks)."""
    from gongjian.archives.tasks import archive_job_request

    if which not in ("collect", "verify"):
        raise Http404
    _require(actor_for(request.user), Perm.TEMPLATE_MANAGE)
    job = archive_job_request(which=which, user=request.user)
    return redirect("jobs:detail", pk=job.pk)


@login_required
def template_list(request):
    actor = actor_for(request.user)
    _require(actor, Perm.TEMPLATE_MANAGE)
    templates = (
        restrict(ArchiveTemplate.objects.all(), actor, Perm.TEMPLATE_MANAGE, unit_field="ruleset__city")
        .select_related("ruleset", "ruleset__city", "published_by")
        .annotate(section_count=Count("sections"))
        .order_by("-created_at", "-id")
    )
    return render(request, "archives/template_list.html", {"templates": templates, "rulesets": _rulesets(actor)})


@login_required
def template_create(request):
    actor = actor_for(request.user)
    _require(actor, Perm.TEMPLATE_MANAGE)
    rulesets = list(_rulesets(actor))
    wanted = request.GET.get("ruleset", "") or request.POST.get("ruleset", "")
    ruleset = next((r for r in rulesets if str(r.pk) == wanted), None)
    if ruleset is None and len(rulesets) == 1:
        ruleset = rulesets[0]
    if ruleset is None:
        return render(request, "archives/template_form.html", {"rulesets": rulesets, "ruleset": None})
    items = list(ruleset.items.filter(children__isnull=True).order_by("position", "code"))
    post = request.POST if request.method == "POST" else None
    form = TemplateForm(post)
    sections = SectionFormSet(post, prefix="sec", form_kwargs={"items": items})
    if request.method == "POST" and form.is_valid() and sections.is_valid():
        by_id = {str(i.pk): i for i in items}
        section_ins = [
            SectionIn(
                title=s["title"],
                rule_item=by_id[s["rule_item"]],
                guidance=s["guidance"],
                requirements=(
                    RequirementIn(
                        description=s["description"] or s["title"] or by_id[s["rule_item"]].name,
                        kinds=tuple(s["kinds"]),
                        interval=s["interval"],
                        min_records=s["min_records"],
                        min_photos=s["min_photos"],
                    ),
                ),
            )
            for s in sections.cleaned_data
            if s.get("rule_item")
        ]
        try:
            template = services.template_create(
                user=request.user, ruleset=ruleset, name=form.cleaned_data["name"], sections=section_ins
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        except NotPermitted as refusal:
            raise PermissionDenied(str(refusal.message)) from None
        else:
            messages.success(request, _("Template “%(name)s” saved as a draft.") % {"name": template.name})
            return redirect("archives:template", pk=template.pk)
    invalid = bool(form.errors or sections.total_error_count())
    return render(
        request,
        "archives/template_form.html",
        {"rulesets": rulesets, "ruleset": ruleset, "form": form, "sections": sections},
        status=400 if request.method == "POST" and invalid else 200,
    )


def _template(request, pk: int) -> ArchiveTemplate:
    return get_scoped_or_404(
        ArchiveTemplate.objects.select_related("ruleset", "ruleset__city", "published_by"),
        actor_for(request.user),
        Perm.TEMPLATE_MANAGE,
        unit_field="ruleset__city",
        pk=pk,
    )


@login_required
def template_detail(request, pk: int):
    template = _template(request, pk)
    sections = template.sections.select_related("rule_item").prefetch_related(
        Prefetch("requirements", to_attr="requirement_list")
    )
    kinds = dict(EvidenceKind.choices)
    rows = []
    for s in sections:
        rows.append(
            {
                "section": s,
                "requirements": [
                    {"requirement": r, "kinds": [kinds.get(k, k) for k in r.kinds or []]} for r in s.requirement_list
                ],
            }
        )
    return render(
        request,
        "archives/template_detail.html",
        {"template": template, "rows": rows, "is_draft": template.status == TemplateStatus.DRAFT},
    )


@login_required
@require_POST
def template_publish(request, pk: int):
    template = _template(request, pk)
    try:
        services.template_publish(user=request.user, template=template)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message)) from None
    else:
        messages.success(request, _("Template published: communities are audited against it from now on."))
    return redirect("archives:template", pk=template.pk)
