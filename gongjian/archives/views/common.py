"""Shared by the archive pages: the findings' groups and the small helpers (scope, period, forms)."""

from __future__ import annotations

from collections import OrderedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from gongjian.accounts.access import Perm, actor_for, get_scoped_or_404, perms_at_unit, restrict
from gongjian.archives import periods, selectors
from gongjian.archives.forms import (
    PeriodForm,
    captions_for,
)
from gongjian.archives.services import FileIn
from gongjian.archives.uploads import upload_problem
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit

# How the findings are grouped on the archive page, in this order.
FINDING_GROUPS = OrderedDict(
    [
        ("no_template", gettext_lazy("No template")),
        ("missing", gettext_lazy("Missing evidence")),
        ("no_caption", gettext_lazy("Photos without captions")),
        ("no_photos", gettext_lazy("Text without photos")),
        ("outside_period", gettext_lazy("Records outside their period")),
        ("reused_photo", gettext_lazy("The same photo used twice")),
        ("photo_date", gettext_lazy("Photos taken far from the record's date")),
        ("dead_letter", gettext_lazy("Mechanisms that do not run (一纸空文)")),
        ("no_mechanism", gettext_lazy("Mechanisms not set up")),
    ]
)


def _require(actor, perm: Perm) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _unit(request, unit_id: int, perm: Perm = Perm.ARCHIVE_VIEW) -> Unit:
    return get_scoped_or_404(Unit.objects.all(), actor_for(request.user), perm, unit_field="id", pk=unit_id)


def _period(request):
    """The period asked for (``?period=``), the current year by default; (None, form) when the
    code is not a period."""
    form = PeriodForm(request.GET)
    if form.is_valid():
        return form.cleaned_data["period"], form
    return None, form


def _bad_period(request, form):
    return render(request, "archives/bad_period.html", {"form": form}, status=400)


def _id_param(value) -> int | None:
    """A database id given in a query string: ASCII digits, at most 18 of them (within a bigint);
    None for anything else."""
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _can(request, perm: Perm, unit_id: int) -> bool:
    return perm in perms_at_unit(actor_for(request.user), unit_id)


def _files_in(uploaded, captions_text: str, *, field: str) -> list[FileIn]:
    """The uploads with their captions; too many files, or one over the size limit, is refused
    (naming the file) before any is read."""
    uploaded = list(uploaded or [])
    if problem := upload_problem(uploaded, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES):
        raise ValidationError({field: problem})
    captions = captions_for(uploaded, captions_text)
    return [FileIn(name=f.name, data=f.read(), caption=c) for f, c in zip(uploaded, captions, strict=True)]


def _sections_for(unit: Unit, period=None):
    period = period or periods.of(periods.YEAR, timezone.localdate())
    return selectors.template_sections(selectors.current_template(selectors.city_id_of(unit), period))


def _communities(actor, perm: Perm):
    return restrict(Unit.objects.filter(level=UnitLevel.COMMUNITY), actor, perm, unit_field="id").order_by("code", "id")


def _own_community(actor):
    """The community of a community worker (their only community in scope), else None."""
    roots = actor.root_unit_ids(Perm.ARCHIVE_VIEW)
    if len(roots) != 1:
        return None
    return Unit.objects.filter(pk__in=roots, level=UnitLevel.COMMUNITY).first()
