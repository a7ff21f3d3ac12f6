"""Writes of creation targets, audited: apply, self-assess against the checklist, the city's review
(return, 达标, 未达标), the certificate, and the year's goals. Stages move only through
workflow.next_stage."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for, can_on_unit
from gongjian.archives.services.files import FileIn
from gongjian.archives.uploads import FileRejected, accept_file
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.core.inputs import clean_text
from gongjian.creation import workflow
from gongjian.creation.models import CreationGoal, CreationTarget
from gongjian.creation.selectors import liaison_cobuild_ids
from gongjian.creation.workflow import Action, TransitionError
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import CobuildUnit, Unit
from gongjian.organizations.tree import ancestry

MAX_YEAR_AHEAD = 3


def _check_year(year) -> int:
    today = timezone.localdate()
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= today.year + MAX_YEAR_AHEAD:
        raise ValidationError({"year": _("Give a year between 2000 and %(last)d.") % {"last": today.year + 3}})
    return year


def _city_for(community: Unit | None, cobuild_unit: CobuildUnit | None) -> int:
    if community is not None:
        unit_id = community.pk
    elif cobuild_unit.located_in_id:
        unit_id = cobuild_unit.located_in_id
    else:
        pairing = cobuild_unit.pairings.order_by("started_on").first()
        if pairing is None:
            raise ValidationError({"cobuild_unit": _("The co-construction unit has no place in a city yet.")})
        unit_id = pairing.community_id
    city_id = ancestry(unit_id).get(UnitLevel.CITY)
    if city_id is None:
        raise ValidationError({"community": _("The unit is not in a city.")})
    return city_id


def _keeps(user, target_community: Unit | None, cobuild_unit: CobuildUnit | None) -> bool:
    actor = actor_for(user)
    if target_community is not None:
        return can_on_unit(actor, Perm.CREATION_MANAGE, target_community.pk)
    return cobuild_unit.pk in liaison_cobuild_ids(actor)


def _review_allowed(user, city_id: int) -> bool:
    return can_on_unit(actor_for(user), Perm.CREATION_REVIEW, city_id)


def may_keep(user, target: CreationTarget) -> bool:
    """May ``user`` submit the target's self-assessment (the unit itself, its street, its liaison)?"""
    return _keeps(user, target.community, target.cobuild_unit)


def may_review(user, target: CreationTarget) -> bool:
    """May ``user`` review the target, give its result and attach its certificate (the city office)?"""
    return _review_allowed(user, target.city_id)


#: What a certificate may be: a PDF or a scan / photo (Word and Excel files are not certificates).
CERTIFICATE_KINDS = frozenset({"pdf", "image"})
NOTE_MAX = 500


def target_apply(
    *, user, kind: str, year: int, community: Unit | None = None, cobuild_unit: CobuildUnit | None = None
) -> CreationTarget:
    """Apply (申报) for one standard in one year, for a community or a co-construction unit."""
    if (community is None) == (cobuild_unit is None):
        raise ValidationError({"community": _("Name either a community or a co-construction unit.")})
    if community is not None and community.level != UnitLevel.COMMUNITY:
        raise ValidationError({"community": _("Only a community applies for a community standard.")})
    city_id = _city_for(community, cobuild_unit)
    if not (_keeps(user, community, cobuild_unit) or _review_allowed(user, city_id)):
        raise NotPermitted(_("You cannot apply for this unit."))
    if kind not in workflow.kinds_for(is_community=community is not None):
        raise ValidationError({"kind": _("This standard is not one this unit can go for.")})
    year = _check_year(year)
    with transaction.atomic():
        if CreationTarget.objects.filter(community=community, cobuild_unit=cobuild_unit, kind=kind, year=year).exists():
            raise ValidationError({"kind": _("This unit has already applied for this standard this year.")})
        target = CreationTarget.objects.create(
            city_id=city_id,
            community=community,
            cobuild_unit=cobuild_unit,
            kind=kind,
            year=year,
            applied_on=timezone.localdate(),
            checklist=workflow.checklist_for(kind),
            created_by=user,
        )
        audit_record(actor=user, action="creation.apply", target=target, to_state=workflow.Stage.APPLIED)
    return target


def target_self_assess(
    *, user, target: CreationTarget, answers: list, text: str = "", notes: list | None = None
) -> CreationTarget:
    """Answer the checklist (met or not, item by item, in order, each with an optional note) and
    submit it for the city's review."""
    if not _keeps(user, target.community, target.cobuild_unit):
        raise NotPermitted(_("Only the unit itself submits its self-assessment."))
    items = target.checklist
    if not isinstance(answers, list) or len(answers) != len(items) or not all(isinstance(a, bool) for a in answers):
        raise ValidationError(
            {"answers": _("Answer each of the %(count)d checklist items with met or not met.") % {"count": len(items)}}
        )
    notes = [""] * len(items) if notes is None else notes
    if not isinstance(notes, list) or len(notes) != len(items) or not all(isinstance(n, str) for n in notes):
        raise ValidationError({"notes": _("Give one note (or none) for each checklist item.")})
    notes = [clean_text(note).strip() for note in notes]
    if any(len(note) > NOTE_MAX for note in notes):
        raise ValidationError({"notes": _("A note is at most %(max)d characters.") % {"max": NOTE_MAX}})
    checklist = [
        {"item": row["item"], "met": answer, "note": note}
        for row, answer, note in zip(items, answers, notes, strict=True)
    ]
    return _move(
        user=user,
        target=target,
        action=Action.SELF_ASSESS,
        checklist=checklist,
        changes={"checklist": checklist, "self_assessment": clean_text(text or "").strip()},
    )


def target_review(
    *, user, target: CreationTarget, action: str, note: str = "", result_on: datetime.date | None = None
) -> CreationTarget:
    """The city's review: return it for another self-assessment, or the result 达标 / 未达标 with its date."""
    if action not in (Action.RETURN, Action.PASS, Action.FAIL):
        raise ValidationError({"action": _("Choose return, met or not met.")})
    if not _review_allowed(user, target.city_id):
        raise NotPermitted(_("Only the city office reviews creation targets."))
    changes: dict = {"review_note": clean_text(note or "").strip()}
    if action in (Action.PASS, Action.FAIL):
        result_on = result_on or timezone.localdate()
        if result_on > timezone.localdate() or result_on < target.applied_on:
            raise ValidationError({"result_on": _("The result date lies between the application and today.")})
        changes["result_on"] = result_on
    return _move(user=user, target=target, action=action, changes=changes)


def target_certify(*, user, target: CreationTarget, file: FileIn) -> CreationTarget:
    """Attach the certificate (a scan or photo, checked by content) to a target that met its standard."""
    if not _review_allowed(user, target.city_id):
        raise NotPermitted(_("Only the city office reviews creation targets."))
    try:
        accepted = accept_file(file.data, file.name, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES)
    except FileRejected as error:
        raise ValidationError({"certificate": f"{file.name}: {error.message}"}) from None
    if accepted.kind not in CERTIFICATE_KINDS:
        raise ValidationError({"certificate": _("A certificate is a PDF or a scan or photo (JPEG, PNG).")})
    with transaction.atomic():
        locked = CreationTarget.objects.select_for_update().get(pk=target.pk)
        try:
            workflow.next_stage(locked.stage, Action.CERTIFY, has_certificate=True)
        except TransitionError as error:
            raise ValidationError({"action": str(error.message)}) from None
        locked.certificate.save(accepted.name, ContentFile(accepted.content), save=False)
        locked.certificate_name = accepted.name
        locked.certificate_type = accepted.content_type
        locked.save()
        audit_record(
            actor=user,
            action="creation.certify",
            target=locked,
            from_state=locked.stage,
            to_state=locked.stage,
            changes={"certificate": accepted.name, "sha256": accepted.sha256},
        )
    return locked


def _move(*, user, target: CreationTarget, action: str, checklist=None, changes: dict) -> CreationTarget:
    with transaction.atomic():
        locked = CreationTarget.objects.select_for_update().get(pk=target.pk)
        before = locked.stage
        try:
            locked.stage = workflow.next_stage(
                before,
                action,
                checklist_complete=workflow.checklist_complete(
                    checklist if checklist is not None else locked.checklist
                ),
            )
        except TransitionError as error:
            raise ValidationError({"action": str(error.message)}) from None
        for field, value in changes.items():
            setattr(locked, field, value)
        if action == Action.RETURN:
            locked.result_on = None
        locked.save()
        audit_record(
            actor=user,
            action=f"creation.{action}",
            target=locked,
            from_state=before,
            to_state=locked.stage,
            note=changes.get("review_note", ""),
        )
    return locked


def goal_set(*, user, city: Unit, year: int, kind: str, count) -> CreationGoal | None:
    """The city's target number of one standard for one year (0 removes it)."""
    if city.level != UnitLevel.CITY or not _review_allowed(user, city.pk):
        raise NotPermitted(_("Only the city office sets the year's creation targets."))
    if kind not in workflow.CreationKind.values:
        raise ValidationError({"kind": _("Choose a standard.")})
    year = _check_year(year)
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 10000:
        raise ValidationError({"count": _("Give a number between 0 and 10000.")})
    with transaction.atomic():
        goal = CreationGoal.objects.filter(city=city, year=year, kind=kind).first()
        before = str(goal.count) if goal else ""
        if count == 0:
            if goal:
                audit_record(actor=user, action="creation.goal", target=goal, from_state=before, to_state="0")
                goal.delete()
            return None
        goal, _created = CreationGoal.objects.update_or_create(
            city=city, year=year, kind=kind, defaults={"count": count}
        )
        audit_record(actor=user, action="creation.goal", target=goal, from_state=before, to_state=str(count))
    return goal
