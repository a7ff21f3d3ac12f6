"""Writes to notices, each audited: send a notice to units or to a level, open, acknowledge (签收)
and reply (回执). An inspection notice (检查通知) moves the target date of each recipient's year plan."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import ROLE_PERMS, Perm, actor_for, perms_at_unit
from gongjian.archives.services.files import FileIn, accept_uploads
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.notices.choices import NoticeKind
from gongjian.notices.models import Notice, NoticeAttachment, Receipt, ReceiptFile
from gongjian.notices.notifications import notify_unit
from gongjian.organizations.choices import LEVEL_RANK
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql

MAX_RECIPIENTS = 2000


def recipients_for(*, sender_unit: Unit, units: Sequence[Unit] = (), level: str = "") -> list[Unit]:
    """The chosen units, or every unit of ``level`` under the sender (e.g. all communities of a
    street); each must lie below the sender."""
    below = Unit.objects.filter(id__in=subtree_ids_sql([sender_unit.id])).exclude(pk=sender_unit.pk)
    if level:
        if LEVEL_RANK.get(level, -1) <= LEVEL_RANK.get(sender_unit.level, 99):
            raise ValidationError({"level": _("Choose a level below the sender's.")})
        chosen = list(below.filter(level=level).order_by("code", "id"))
    else:
        ids = {u.pk for u in units}
        chosen = list(below.filter(pk__in=ids).order_by("code", "id"))
        if len(chosen) != len(ids):
            raise ValidationError({"units": _("A notice can only go to units below the sender.")})
    if not chosen:
        raise ValidationError({"units": _("Choose at least one recipient unit or a level.")})
    if len(chosen) > MAX_RECIPIENTS:
        raise ValidationError({"units": _("Too many recipients.")})
    return chosen


def notice_send(
    *,
    actor,
    sender_unit: Unit,
    title: str,
    body: str,
    units: Sequence[Unit] = (),
    level: str = "",
    reply_required: bool = False,
    reply_due: datetime.date | None = None,
    kind: str = NoticeKind.GENERAL,
    inspection_on: datetime.date | None = None,
    inspection_scope: str = "",
    rule_items: Sequence = (),
    files: Sequence[FileIn] = (),
) -> Notice:
    if Perm.NOTICE_SEND not in perms_at_unit(actor_for(actor), sender_unit.id):
        raise NotPermitted(_("You cannot send notices for this unit."))
    today = timezone.localdate()
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the notice a title.")
    if not body.strip():
        errors["body"] = _("Write the notice's text.")
    if reply_required and reply_due is None:
        errors["reply_due"] = _("Give the date the reply is due.")
    if reply_due is not None and reply_due < today:
        errors["reply_due"] = _("The reply cannot be due in the past.")
    if kind == NoticeKind.INSPECTION:
        if inspection_on is None:
            errors["inspection_on"] = _("An inspection notice names the inspection date.")
        elif inspection_on <= today:
            errors["inspection_on"] = _("The inspection date must be after today.")
    if errors:
        raise ValidationError(errors)
    recipients = recipients_for(sender_unit=sender_unit, units=units, level=level)
    accepted = accept_uploads(list(files))
    with transaction.atomic():
        notice = Notice.objects.create(
            sender_unit=sender_unit,
            kind=kind,
            title=title.strip(),
            body=body,
            reply_required=reply_required,
            reply_due=reply_due if reply_required else None,
            inspection_on=inspection_on if kind == NoticeKind.INSPECTION else None,
            inspection_scope=inspection_scope if kind == NoticeKind.INSPECTION else "",
            sent_by=actor,
        )
        notice.rule_items.set(list(rule_items))
        for file, _caption in accepted:
            row = NoticeAttachment(
                notice=notice,
                name=file.name,
                content_type=file.content_type,
                size=len(file.content),
                sha256=file.sha256,
            )
            row.file.save(file.name, ContentFile(file.content), save=False)
            row.save()
        Receipt.objects.bulk_create([Receipt(notice=notice, unit=u) for u in recipients])
        audit_record(actor=actor, action="notice.send", target=notice, to_state=str(len(recipients)), note=kind)
        url = reverse("notices:detail", args=[notice.pk])
        for unit in recipients:
            notify_unit(unit_id=unit.pk, key=f"notice:{notice.pk}", title=notice.title, url=url)
        if kind == NoticeKind.INSPECTION:
            _set_plan_targets(notice, recipients, actor)
    return notice


def _set_plan_targets(notice: Notice, recipients: list[Unit], actor) -> None:
    """Each recipient's year plan must be done the day before the inspection: its target moves
    there and its tasks reschedule. A unit without a plan for that year gets one (flagged as
    missing its goals, requirements and measures until it writes them)."""
    from gongjian.plans.choices import PlanKind
    from gongjian.plans.models import Plan
    from gongjian.plans.services import plan_set_target

    target = notice.inspection_on - datetime.timedelta(days=1)
    year = notice.inspection_on.year
    reason = _("Inspection notice: %(title)s") % {"title": notice.title}
    for unit in recipients:
        plan = Plan.objects.filter(unit=unit, kind=PlanKind.YEAR, year=year, is_template=False).first()
        if plan is None:
            plan = Plan.objects.create(
                unit=unit, kind=PlanKind.YEAR, year=year, title=_("%(year)s work plan") % {"year": year}
            )
            audit_record(actor=actor, action="plan.create", target=plan, note=f"notice {notice.pk}")
        plan_set_target(actor=None, plan=plan, target_date=target, reason=reason)


def _recipient_member(user, receipt: Receipt) -> bool:
    """Whether the user answers for the receipt's unit: a member of that very unit who may reply."""
    actor = actor_for(user)
    return any(g.unit_id == receipt.unit_id and Perm.NOTICE_REPLY in ROLE_PERMS.get(g.role, ()) for g in actor.grants)


def receipt_open(*, actor, receipt: Receipt) -> Receipt:
    """Record the first time someone of the recipient unit opens the notice (others leave no trace)."""
    if receipt.read_at or not _recipient_member(actor, receipt):
        return receipt
    with transaction.atomic():
        updated = Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(
            read_at=timezone.now(), read_by=actor
        )
        if updated:
            receipt.refresh_from_db()
            audit_record(actor=actor, action="notice.read", target=receipt, to_state="read")
    return receipt


def receipt_acknowledge(*, actor, receipt: Receipt) -> Receipt:
    if not _recipient_member(actor, receipt):
        raise NotPermitted(_("Only the recipient unit can acknowledge this notice."))
    if receipt.acknowledged_at:
        return receipt
    with transaction.atomic():
        now = timezone.now()
        receipt.read_at = receipt.read_at or now
        receipt.read_by = receipt.read_by or actor
        receipt.acknowledged_at = now
        receipt.acknowledged_by = actor
        receipt.save(update_fields=["read_at", "read_by", "acknowledged_at", "acknowledged_by"])
        audit_record(actor=actor, action="notice.acknowledge", target=receipt, to_state="acknowledged")
    return receipt


def receipt_reply(*, actor, receipt: Receipt, text: str, files: Sequence[FileIn] = ()) -> Receipt:
    """The 回执: text and files, once; it acknowledges the notice too. A late reply is accepted and
    shows as late to the sender."""
    if not _recipient_member(actor, receipt):
        raise NotPermitted(_("Only the recipient unit can reply to this notice."))
    if not receipt.notice.reply_required:
        raise ValidationError({"text": _("This notice asks for no reply.")})
    if receipt.replied_at:
        raise ValidationError({"text": _("Your unit has already replied to this notice.")})
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the reply.")})
    accepted = accept_uploads(list(files))
    with transaction.atomic():
        now = timezone.now()
        receipt.read_at = receipt.read_at or now
        receipt.read_by = receipt.read_by or actor
        receipt.acknowledged_at = receipt.acknowledged_at or now
        receipt.acknowledged_by = receipt.acknowledged_by or actor
        receipt.replied_at = now
        receipt.replied_by = actor
        receipt.reply_text = text.strip()
        receipt.save()
        for file, _caption in accepted:
            row = ReceiptFile(
                receipt=receipt,
                name=file.name,
                kind=file.kind,
                content_type=file.content_type,
                size=len(file.content),
                sha256=file.sha256,
                width=file.width,
                height=file.height,
            )
            row.file.save(file.name, ContentFile(file.content), save=False)
            if file.thumbnail:
                row.thumbnail.save(f"thumb-{file.name}", ContentFile(file.thumbnail), save=False)
            row.save()
        audit_record(actor=actor, action="notice.reply", target=receipt, to_state="replied")
    return receipt
