"""The unified archive template: sections per rule item with their requirements, created and
published by the city office."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, perms_at_unit
from gongjian.archives.choices import EvidenceKind, Interval, TemplateStatus
from gongjian.archives.models import ArchiveTemplate, EvidenceRequirement, TemplateSection
from gongjian.archives.services._common import _plain
from gongjian.assessments.models import RuleItem
from gongjian.core.audit import audit_record
from gongjian.core.errors import Conflict, NotPermitted


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
