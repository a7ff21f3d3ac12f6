"""Pairing pages: the participation ranking, a pairing with its obligations, leaders and letter."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for
from gongjian.core.errors import NotPermitted
from gongjian.core.exporters import download_response
from gongjian.core.inputs import check_date, cleaned_post, read_upload
from gongjian.core.storage import file_response
from gongjian.participation import selectors, services
from gongjian.participation.filters import MonthForm
from gongjian.participation.views._common import _basename, _content_type, _perms, _require

# --- pairings -----------------------------------------------------------------------------------


@login_required
def pairing_list(request):
    actor = actor_for(request.user)
    _require(actor, Perm.PARTICIPATION_VIEW)
    form = MonthForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "participation/pairing_list.html", {"form": form, "invalid": True}, status=400)
    month = form.month_or_current()
    if request.GET.get("export") == "xlsx":
        from gongjian.participation.exporters import ranking_export

        return download_response(ranking_export(selectors.participation_ranking(actor=actor, month=month), month))
    return render(
        request,
        "participation/pairing_list.html",
        {
            "form": form,
            "month": month,
            "ranking": selectors.participation_ranking(actor=actor, month=month),
            "pairings": selectors.pairings_visible(actor=actor).order_by("community__code", "cobuild_unit__name"),
        },
    )


@login_required
def pairing_detail(request, pk: int):
    actor = actor_for(request.user)
    pairing = selectors.pairing_get(actor=actor, pairing_id=pk)
    year = timezone.localdate().year
    if request.GET.get("year", "").isdigit() and 2000 <= int(request.GET["year"]) <= year:
        year = int(request.GET["year"])
    perms = _perms(actor, pairing.community_id)
    if request.method == "POST":
        return _pairing_change(request, pairing, perms)
    return render(
        request,
        "participation/pairing_detail.html",
        {
            "pairing": pairing,
            "year": year,
            "record": selectors.pairing_record(actor=actor, pairing=pairing, year=year),
            "letter": getattr(pairing, "letter", None),
            "can_manage": Perm.PAIRING_MANAGE in perms,
            "can_record": Perm.ACTIVITY_MANAGE in perms,
            "today": timezone.localdate(),
        },
    )


def _pairing_change(request, pairing, perms):
    """The small forms on the pairing page: new leader, obligation, record, letter."""
    from gongjian.participation.models import Obligation

    action = request.POST.get("action", "")
    post = cleaned_post(request.POST)  # no form here: the text is cleaned as a form field's would be
    try:
        day = datetime.date.fromisoformat(post.get("date", "")) if post.get("date") else timezone.localdate()
        check_date(day)
        if action == "leader":
            services.leader_change(
                user=request.user,
                pairing=pairing,
                name=post.get("name", ""),
                position=post.get("position", ""),
                started_on=day,
            )
        elif action == "obligation":
            services.obligation_add(
                user=request.user,
                pairing=pairing,
                text=post.get("text", ""),
                yearly_target=int(post.get("yearly_target") or 0),
                counts_joint_activities=post.get("counts_joint_activities") == "on",
            )
        elif action == "record":
            obligation = Obligation.objects.filter(pairing=pairing, pk=post.get("obligation") or 0).first()
            if obligation is None:
                raise ValidationError({"obligation": _("Choose an obligation of this pairing.")})
            services.obligation_record_add(
                user=request.user,
                obligation=obligation,
                date=day,
                note=post.get("note", ""),
                is_resource_opening=post.get("is_resource_opening") == "on",
            )
        elif action == "letter":
            upload = request.FILES.get("file")
            services.pairing_letter_set(
                user=request.user,
                pairing=pairing,
                signed_on=day,
                head_name=post.get("head_name", ""),
                file=(upload.name, read_upload(upload)) if upload else None,
            )
        else:
            raise ValidationError(_("Unknown action."))
    except (ValueError, TypeError):
        messages.error(request, _("Check the date and numbers."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal.message))
    else:
        messages.success(request, _("Saved."))
    return redirect("participation:pairing", pk=pairing.pk)


@login_required
def pairing_letter_file(request, pk: int):
    pairing = selectors.pairing_get(actor=actor_for(request.user), pairing_id=pk)
    letter = getattr(pairing, "letter", None)
    if letter is None or not letter.file:
        raise Http404
    return file_response(letter.file, content_type=_content_type(letter.file.name), filename=_basename(letter.file))
