"""The city office's boundary upload page: a GeoJSON FeatureCollection in, every bad feature named,
nothing changed unless the whole file is good (gongjian/organizations/boundaries.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.organizations import boundaries, services
from gongjian.organizations.models import UnitBoundary


class BoundaryUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("GeoJSON file"),
        help_text=gettext_lazy("A FeatureCollection: one Polygon or MultiPolygon feature per unit."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".geojson,.json"}),
    )
    match_property = forms.CharField(
        label=gettext_lazy("Property with the unit's code"),
        initial="code",
        max_length=40,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


@login_required
def boundary_upload(request):
    actor = actor_for(request.user)
    if not actor.has_perm(Perm.UNIT_CHANGE):
        raise PermissionDenied
    form = BoundaryUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read()
        try:
            planned = boundaries.read_collection(content, match_property=form.cleaned_data["match_property"])
            with transaction.atomic():
                summary = services.boundaries_import(actor=request.user, planned=planned)
        except boundaries.BoundaryFileRefused as refusal:
            errors = refusal.errors
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request,
                _("%(created)d boundaries created, %(updated)d updated, %(unchanged)d unchanged.")
                % {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged},
            )
            return redirect("units:boundaries")
    known = restrict(UnitBoundary.objects.all(), actor, Perm.UNIT_VIEW, unit_field="unit").count()
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "organizations/boundary_upload.html",
        {"form": form, "errors": errors, "known": known, "max_vertices": boundaries.MAX_VERTICES},
        status=status,
    )
