"""A notice with its receipt files itself in the recipient unit's archive once the unit has
acknowledged it: the notice's text, the acknowledgement and the reply (回执) with its files."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.archives.choices import EvidenceKind
from gongjian.archives.services.collection import _collect, _in_site_language
from gongjian.archives.services.files import StoredFile
from gongjian.notices.models import Receipt


def _receipt_text(receipt: Receipt) -> str:
    notice = receipt.notice
    lines = [
        _("From: %(sender)s, sent %(sent)s")
        % {"sender": notice.sender_unit.name, "sent": f"{timezone.localtime(notice.sent_at):%Y-%m-%d}"},
        "",
        notice.body,
        "",
        _("Acknowledged: %(when)s") % {"when": f"{timezone.localtime(receipt.acknowledged_at):%Y-%m-%d %H:%M}"},
    ]
    if receipt.replied_at:
        lines += [
            _("Reply (%(when)s):") % {"when": f"{timezone.localtime(receipt.replied_at):%Y-%m-%d %H:%M}"},
            receipt.reply_text,
        ]
    return "\n".join(lines)


@_in_site_language
def collect_from_receipt(receipt: Receipt, *, actor=None, cache: dict | None = None):
    if receipt.acknowledged_at is None:
        return None
    files = [
        StoredFile(
            file_name=f.file.name,
            thumbnail_name=f.thumbnail.name or "",
            name=f.name,
            caption=f.name,
            taken_at=None,
            width=f.width,
            height=f.height,
            kind=f.kind,
            content_type=f.content_type,
        )
        for f in receipt.files.all()
    ]
    notice = receipt.notice
    return _collect(
        source="receipt",
        source_id=receipt.pk,
        unit=receipt.unit,
        kind=EvidenceKind.DOCUMENT,
        title=_("Notice and receipt: %(title)s") % {"title": notice.title},
        date=timezone.localtime(receipt.replied_at or receipt.acknowledged_at).date(),
        text=_receipt_text(receipt),
        files=files,
        actor=actor,
        cache=cache,
        rule_item_ids=set(notice.rule_items.values_list("id", flat=True)),
    )
