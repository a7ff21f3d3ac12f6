"""The ledger pages: one community's ledger, or one pairing's (结对: the entries naming a
co-construction unit), with the running balance, yearly totals, receipts streamed after the scope
check and the Excel export of what the filter shows; for the keepers of the ledger (Perm.FUND_MANAGE:
the community, its street, the city office) the forms to record an entry with its receipts, to
reverse one with a reason and to file a year's statement in the archive. Every write goes through
services.py (audited); bad input re-renders the page with the message and changes nothing."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongjian.accounts.access import Perm, actor_for, can_on_unit
from gongjian.api.idempotency import idempotent
from gongjian.archives.services.files import FileIn
from gongjian.archives.uploads import upload_problem
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.exporters import download_response
from gongjian.core.inputs import read_upload
from gongjian.core.storage import file_response
from gongjian.core.views import error_403
from gongjian.funds import ledger, selectors, services
from gongjian.funds.choices import EntryKind
from gongjian.funds.exporters import FundLedgerExport
from gongjian.funds.filters import LedgerFilterForm
from gongjian.funds.forms import EntryForm, ReverseForm, StatementForm

#: Service error keys → the page's form fields.
_FIELD_OF = {"files": "receipts"}


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            field = _FIELD_OF.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _years(lines) -> list[int]:
    """The years a filter or statement may name: from the ledger's first entry to this year, newest first."""
    this_year = timezone.localdate().year
    first = min((line.date.year for line in lines), default=this_year)
    return list(range(this_year, min(first, this_year) - 1, -1))


def _page_url(community, pairing) -> str:
    if pairing is not None:
        return reverse("funds:pairing", args=[pairing.pk])
    return reverse("funds:community", args=[community.pk])


def _render(
    request,
    *,
    community,
    pairing=None,
    entry_form=None,
    reverse_error=None,
    statement_form=None,
    default_year=None,
    status=200,
):
    actor = actor_for(request.user)
    every = selectors.ledger_entries(actor=actor, community_id=community.pk, pairing_id=pairing.pk if pairing else None)
    ids, lines = selectors.ledger_lines(every)
    balances = dict(zip(ids, ledger.running_balances(lines), strict=True))
    years = _years(lines)
    filters = LedgerFilterForm(request.GET or None, years=years)
    year, kind = filters.values(default_year=default_year)
    shown = every.select_related("reversed_by").prefetch_related("receipts")
    if year:
        shown = shown.filter(date__year=year)
    if kind:
        shown = shown.filter(kind=kind)
    rows = [(entry, balances.get(entry.pk)) for entry in shown]
    can_keep = can_on_unit(actor, Perm.FUND_MANAGE, community.pk)
    if can_keep and entry_form is None:
        entry_form = EntryForm(pairings=selectors.community_pairings(community_id=community.pk), fixed_pairing=pairing)
    if can_keep and pairing is None and statement_form is None:
        statement_form = StatementForm(years=years, initial={"year": year or years[0]})
    query = request.GET.urlencode()
    return render(
        request,
        "funds/ledger.html",
        {
            "community": community,
            "pairing": pairing,
            "pairings": selectors.community_pairings(community_id=community.pk) if pairing is None else (),
            "filters": filters,
            "year": year,
            "kind": kind,
            "rows": rows,
            "yearly": list(reversed(ledger.yearly_totals(lines))),
            "summary": ledger.totals_for(lines, year) if year else None,
            "balance": ledger.balance(lines),
            "can_keep": can_keep,
            "entry_form": entry_form if can_keep else None,
            "statement_form": statement_form if can_keep else None,
            "reverse_form": ReverseForm() if can_keep else None,
            "reverse_error": reverse_error,
            "export_url": (
                reverse(
                    "funds:pairing-export" if pairing else "funds:community-export", args=[(pairing or community).pk]
                )
                + (f"?{query}" if query else "")
            ),
            "page_url": request.get_full_path(),
            "entry_kinds": EntryKind,
        },
        status=status,
    )


def _record(request, *, community, pairing=None):
    """POST of the entry form: the receipts' sizes checked before a byte is read, then the service."""
    actor = actor_for(request.user)
    if not can_on_unit(actor, Perm.FUND_MANAGE, community.pk):
        return error_403(request)
    pairings = list(selectors.community_pairings(community_id=community.pk))
    form = EntryForm(request.POST, request.FILES, pairings=pairings, fixed_pairing=pairing)
    uploads = request.FILES.getlist("receipts")
    form.is_valid()
    if problem := upload_problem(uploads, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES):
        form.add_error("receipts", problem)
    if not form.errors:
        data = form.cleaned_data
        chosen = next((p for p in pairings if p.pk == data["pairing"]), None)
        values = {name: data[name] for name in services.ENTRY_VALUES}
        try:
            outcome = idempotent(
                user=request.user,
                key=data["write_key"],
                action="fund.entry_record",
                run=lambda: services.fund_entry_record(
                    user=request.user,
                    community=community,
                    pairing=chosen,
                    files=[FileIn(name=f.name, data=read_upload(f)) for f in uploads],
                    **values,
                ),
                load=lambda entry_id: services.entry_resent(entry_id, community=community, pairing=chosen, **values),
            )
        except ValidationError as error:
            _add_errors(form, error)
        except NotPermitted as error:
            form.add_error(None, str(error.message))
        except Conflict as error:
            # The form's key was used for another entry: shown again with a new key, so the corrected
            # send books (receipts are chosen again, as after any refusal).
            sent = request.POST.copy()
            sent["write_key"] = str(uuid.uuid4())
            form = EntryForm(sent, request.FILES, pairings=pairings, fixed_pairing=pairing)
            form.is_valid()
            form.add_error(None, str(error.message))
        else:
            entry = outcome.obj
            message = (
                _("Already recorded: %(kind)s %(amount)s yuan on %(date)s. The form was sent twice; nothing was added.")
                if outcome.replayed
                else _("Recorded: %(kind)s %(amount)s yuan on %(date)s.")
            )
            (messages.info if outcome.replayed else messages.success)(
                request,
                message
                % {
                    "kind": entry.get_kind_display(),
                    "amount": ledger.yuan(entry.amount),
                    "date": f"{entry.date:%Y-%m-%d}",
                },
            )
            return redirect(request.get_full_path())
    return _render(request, community=community, pairing=pairing, entry_form=form, status=400)


@login_required
def community_ledger(request, pk):
    community = selectors.community_get(actor=actor_for(request.user), community_id=pk)
    if request.method == "POST":
        return _record(request, community=community)
    return _render(request, community=community)


@login_required
def pairing_ledger(request, pk):
    pairing = selectors.pairing_get(actor=actor_for(request.user), pairing_id=pk)
    if request.method == "POST":
        return _record(request, community=pairing.community, pairing=pairing)
    return _render(request, community=pairing.community, pairing=pairing)


@login_required
@require_POST
def entry_reverse(request, pk):
    actor = actor_for(request.user)
    entry = selectors.entry_get(actor=actor, entry_id=pk)
    if not can_on_unit(actor, Perm.FUND_MANAGE, entry.community_id):
        return error_403(request)
    pairing = None
    if request.POST.get("pairing") and entry.pairing_id and request.POST.get("pairing") == str(entry.pairing_id):
        pairing = selectors.pairing_get(actor=actor, pairing_id=entry.pairing_id)
    back = request.POST.get("next", "")
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})):
        back = _page_url(entry.community, pairing)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = services.fund_entry_reverse(user=request.user, entry=entry, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _add_errors(form, error)
        except NotPermitted as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(
                request,
                _("Entry %(id)s is reversed by entry %(reversal)s.") % {"id": entry.pk, "reversal": reversal.pk},
            )
            return redirect(back)
    return _render(
        request,
        community=entry.community,
        pairing=pairing,
        reverse_error=(entry.pk, form),
        default_year=entry.date.year,
        status=400,
    )


@login_required
@require_POST
def statement_file(request, pk):
    actor = actor_for(request.user)
    community = selectors.community_get(actor=actor, community_id=pk)
    if not can_on_unit(actor, Perm.FUND_MANAGE, community.pk):
        return error_403(request)
    _ids, lines = selectors.ledger_lines(selectors.ledger_entries(actor=actor, community_id=community.pk))
    form = StatementForm(request.POST, years=_years(lines))
    if form.is_valid():
        year = form.cleaned_data["year"]
        try:
            _statement, evidence = services.fund_statement_file_year(user=request.user, community=community, year=year)
        except ValidationError as error:
            _add_errors(form, error)
        except NotPermitted as error:
            form.add_error(None, str(error.message))
        else:
            if evidence is None:
                messages.info(
                    request,
                    _(
                        "No published archive template asks for documents yet: the statement of %(year)s "
                        "will be filed when one does."
                    )
                    % {"year": year},
                )
                return redirect("funds:community", community.pk)
            messages.success(request, _("The fund statement of %(year)s is filed in the archive.") % {"year": year})
            if actor.has_perm(Perm.ARCHIVE_VIEW):
                return redirect("archives:record", key=evidence.record_key)
            return redirect("funds:community", community.pk)
    return _render(request, community=community, statement_form=form, status=400)


def _export(request, *, community, pairing=None):
    actor = actor_for(request.user)
    entries = selectors.ledger_entries(
        actor=actor, community_id=community.pk, pairing_id=pairing.pk if pairing else None
    )
    _ids, lines = selectors.ledger_lines(entries)
    filters = LedgerFilterForm(request.GET or None, years=_years(lines))
    year, kind = filters.values()
    described = [(_("Community"), community.name)]
    if pairing is not None:
        described.append((_("Co-construction unit"), pairing.cobuild_unit.name))
    described.append((_("Year"), str(year) if year else _("All years")))
    if year:
        entries = entries.filter(date__year=year)
    if kind:
        entries = entries.filter(kind=kind)
        described.append((_("Kind"), str(EntryKind(kind).label)))
    return download_response(FundLedgerExport(entries, filters=described).render())


@login_required
@require_GET
def community_export(request, pk):
    return _export(request, community=selectors.community_get(actor=actor_for(request.user), community_id=pk))


@login_required
@require_GET
def pairing_export(request, pk):
    pairing = selectors.pairing_get(actor=actor_for(request.user), pairing_id=pk)
    return _export(request, community=pairing.community, pairing=pairing)


@login_required
@require_GET
def receipt_file(request, pk):
    """A receipt, streamed after the scope check: a photo inline, any other file as a download."""
    receipt = selectors.receipt_get(actor=actor_for(request.user), receipt_id=pk)
    if not receipt.file:
        raise Http404
    if receipt.kind == "image":
        return file_response(receipt.file, content_type=receipt.content_type or "image/jpeg")
    return file_response(
        receipt.file, content_type=receipt.content_type or "application/octet-stream", filename=receipt.name
    )
