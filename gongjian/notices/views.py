"""Pages of notices: the list, sending, a notice with its receipts (the sender sees who has not
read, acknowledged or replied; a recipient acknowledges and replies), files, and the inbox."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.archives.services.files import FileIn
from gongjian.archives.uploads import upload_problem
from gongjian.assessments.models import RuleItem
from gongjian.core.errors import NotPermitted
from gongjian.core.storage import file_response
from gongjian.core.views import error_403
from gongjian.notices import notifications, selectors, services
from gongjian.notices.choices import ReceiptState
from gongjian.notices.forms import NoticeForm, ReplyForm
from gongjian.notices.models import NoticeAttachment, ReceiptFile
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestry, subtree_ids_sql


def _senders(actor):
    return list(
        restrict(
            Unit.objects.filter(level__in=[UnitLevel.CITY, UnitLevel.DISTRICT, UnitLevel.STREET]),
            actor,
            Perm.NOTICE_SEND,
            unit_field="id",
        ).order_by("level", "code", "id")[:50]
    )


def _form(actor, data=None, files=None):
    senders = _senders(actor)
    units = []
    rule_items = RuleItem.objects.none()
    if senders:
        units = Unit.objects.filter(
            id__in=subtree_ids_sql([s.pk for s in senders]), level__in=[UnitLevel.STREET, UnitLevel.COMMUNITY]
        ).order_by("level", "code", "id")[:500]
        city_id = ancestry(senders[0].pk).get(UnitLevel.CITY)
        rule_items = RuleItem.objects.filter(ruleset__city_id=city_id, children__isnull=True).order_by(
            "-ruleset__effective_from", "position", "id"
        )[:200]
    return NoticeForm(data, files, senders=senders, units=units, rule_items=rule_items)


@login_required
def notice_index(request):
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.NOTICE_VIEW) and not actor.has_perm(Perm.NOTICE_SEND):
        raise Http404
    page = Paginator(selectors.notice_list(actor=actor), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/notice_list.html",
        {"page": page, "can_send": bool(_senders(actor)), "pending": selectors.receipts_pending_for(actor=actor)[:50]},
    )


@login_required
def notice_create(request):
    actor = actor_for(request.user)
    if not _senders(actor):
        return error_403(request)
    form = _form(actor)
    if request.method == "POST":
        form = _form(actor, request.POST, request.FILES)
        uploads = request.FILES.getlist("files")
        if problem := upload_problem(uploads, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES):
            form.add_error("files", problem)
        if form.is_valid():
            data = form.cleaned_data
            choices = dict(form.fields["rule_items"].choices) if "rule_items" in form.fields else {}
            try:
                notice = services.notice_send(
                    actor=request.user,
                    sender_unit=Unit.objects.get(pk=data["sender_unit"]),
                    title=data["title"],
                    body=data["body"],
                    level=data["level"],
                    units=list(Unit.objects.filter(pk__in=data["units"])),
                    reply_required=data["reply_required"],
                    reply_due=data["reply_due"],
                    kind=data["kind"],
                    inspection_on=data["inspection_on"],
                    inspection_scope=data["inspection_scope"],
                    rule_items=list(
                        RuleItem.objects.filter(pk__in=[i for i in data.get("rule_items", []) if i in choices])
                    ),
                    files=[FileIn(name=f.name, data=f.read()) for f in uploads],
                )
            except ValidationError as error:
                _add_errors(form, error)
            except NotPermitted:
                return error_403(request)
            else:
                messages.success(request, _("The notice is sent."))
                return redirect("notices:detail", notice.pk)
    return render(request, "notices/notice_form.html", {"form": form}, status=400 if form.errors else 200)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _detail_context(request, notice, **extra):
    actor = actor_for(request.user)
    sender_side = selectors.is_sender_side(actor=actor, notice=notice)
    receipts = list(selectors.notice_receipts(actor=actor, notice=notice))
    own = selectors.own_receipt(actor=actor, notice=notice)
    state = request.GET.get("state", "")
    missing = {
        "unread": [r for r in receipts if not r.read_at],
        "unacknowledged": [r for r in receipts if not r.acknowledged_at],
        "unreplied": [r for r in receipts if notice.reply_required and not r.replied_at],
    }
    shown = missing.get(state, receipts)
    context = {
        "notice": notice,
        "sender_side": sender_side,
        "receipts": shown,
        "state": state if state in missing else "",
        "missing": missing,
        "own": own,
        "reply_form": ReplyForm(),
        "states": ReceiptState,
    }
    context.update(extra)
    return context


@login_required
def notice_detail(request, pk):
    actor = actor_for(request.user)
    notice = selectors.notice_get(actor=actor, notice_id=pk)
    own = selectors.own_receipt(actor=actor, notice=notice)
    if own is not None:
        services.receipt_open(actor=request.user, receipt=own)
    notifications.notifications_read_for(user=request.user, key=f"notice:{notice.pk}")
    return render(request, "notices/notice_detail.html", _detail_context(request, notice))


@login_required
@require_POST
def notice_acknowledge(request, pk):
    actor = actor_for(request.user)
    notice = selectors.notice_get(actor=actor, notice_id=pk)
    own = selectors.own_receipt(actor=actor, notice=notice)
    if own is None:
        raise Http404
    try:
        services.receipt_acknowledge(actor=request.user, receipt=own)
    except NotPermitted:
        return error_403(request)
    messages.success(request, _("Acknowledged."))
    return redirect("notices:detail", notice.pk)


@login_required
@require_POST
def notice_reply(request, pk):
    actor = actor_for(request.user)
    notice = selectors.notice_get(actor=actor, notice_id=pk)
    own = selectors.own_receipt(actor=actor, notice=notice)
    if own is None:
        raise Http404
    form = ReplyForm(request.POST, request.FILES)
    uploads = request.FILES.getlist("files")
    if problem := upload_problem(uploads, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES):
        form.add_error("files", problem)
    if form.is_valid():
        try:
            services.receipt_reply(
                actor=request.user,
                receipt=own,
                text=form.cleaned_data["text"],
                files=[FileIn(name=f.name, data=f.read()) for f in uploads],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except NotPermitted:
            return error_403(request)
        else:
            messages.success(request, _("Your reply is sent."))
            return redirect("notices:detail", notice.pk)
    return render(request, "notices/notice_detail.html", _detail_context(request, notice, reply_form=form), status=400)


@login_required
def attachment_download(request, pk, file_id):
    notice = selectors.notice_get(actor=actor_for(request.user), notice_id=pk)
    row = NoticeAttachment.objects.filter(notice=notice, pk=file_id).first()
    if row is None:
        raise Http404
    return file_response(row.file, filename=row.name, content_type=row.content_type)


@login_required
def reply_file_download(request, pk, file_id):
    actor = actor_for(request.user)
    notice = selectors.notice_get(actor=actor, notice_id=pk)
    receipts = selectors.notice_receipts(actor=actor, notice=notice)
    row = ReceiptFile.objects.filter(receipt__in=receipts, pk=file_id).first()
    if row is None:
        raise Http404
    return file_response(row.file, filename=row.name, content_type=row.content_type)


@login_required
def inbox(request):
    page = Paginator(selectors.notifications_of(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notices/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_open(request, pk):
    item = selectors.notification_get(user=request.user, notification_id=pk)
    notifications.notification_read(user=request.user, notification=item)
    if item.url and url_has_allowed_host_and_scheme(item.url, allowed_hosts={request.get_host()}):
        return redirect(item.url)
    return redirect("notices:inbox")


@login_required
@require_POST
def inbox_read_all(request):
    notifications.notifications_read_all(user=request.user)
    return redirect("notices:inbox")
