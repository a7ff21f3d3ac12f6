"""The six mechanisms of a unit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm
from gongjian.archives import selectors, services
from gongjian.archives.choices import MechanismKind
from gongjian.archives.forms import (
    MechanismForm,
    period_choices,
)
from gongjian.archives.models import (
    Evidence,
    Mechanism,
)
from gongjian.archives.views.archive import (
    _own_community_page,
)
from gongjian.archives.views.common import (
    _bad_period,
    _can,
    _files_in,
    _period,
    _sections_for,
    _unit,
)
from gongjian.core.errors import NotPermitted, errors_onto_form
from gongjian.organizations.choices import UnitLevel


@login_required
def mechanisms_index(request):
    return _own_community_page(request, "archives:mechanisms")


@login_required
def mechanisms(request, unit_id: int):
    unit = _unit(request, unit_id)
    if unit.level != UnitLevel.COMMUNITY:
        raise Http404
    period, period_form = _period(request)
    if period is None:
        return _bad_period(request, period_form)
    can_manage = _can(request, Perm.ARCHIVE_MANAGE, unit.pk)
    existing = {m.kind: m for m in Mechanism.objects.filter(unit=unit)}
    sections = _sections_for(unit) if can_manage else []
    missing_kinds = [k for k in MechanismKind.values if k not in existing]
    form = None
    if can_manage and missing_kinds:
        form = MechanismForm(
            request.POST or None,
            request.FILES or None,
            kinds=missing_kinds,
            sections=sections,
            initial={"established_on": timezone.localdate()},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            items = {str(s.rule_item_id): s.rule_item for s in sections}
            try:
                mechanism = services.mechanism_create(
                    user=request.user,
                    unit=unit,
                    kind=data["kind"],
                    title=data["title"],
                    established_on=data["established_on"],
                    interval=data["interval"],
                    rule_items=[items[i] for i in data["rule_items"]],
                    document=_files_in(data["document"], "", field="document"),
                    text=data["text"],
                )
            except ValidationError as error:
                errors_onto_form(form, error)
            except NotPermitted as refusal:
                raise PermissionDenied(str(refusal.message)) from None
            else:
                messages.success(request, _("%(title)s has been set up.") % {"title": mechanism.title})
                return redirect(f"{reverse('archives:mechanisms', args=[unit.pk])}?period={period.code}")
    audit = selectors.audit_unit(unit, period)
    audits = {m.mechanism.id: m for m in audit.mechanisms}
    executions = dict(
        Evidence.objects.current()
        .filter(mechanism__unit=unit, withdrawn=False)
        .values("mechanism_id")
        .annotate(n=Count("id"))
        .values_list("mechanism_id", "n")
    )
    rows = []
    for kind, label in MechanismKind.choices:
        mechanism = existing.get(kind)
        rows.append(
            {
                "kind": kind,
                "label": label,
                "mechanism": mechanism,
                "audit": audits.get(mechanism.pk) if mechanism else None,
                "executions": executions.get(mechanism.pk, 0) if mechanism else 0,
            }
        )
    return render(
        request,
        "archives/mechanisms.html",
        {
            "unit": unit,
            "period": period,
            "period_choices": period_choices(period.start.year),
            "rows": rows,
            "form": form,
            "can_manage": can_manage,
        },
        status=400 if form is not None and form.errors else 200,
    )
