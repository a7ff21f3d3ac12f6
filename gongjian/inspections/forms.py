from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.inspections.choices import InspectionKind, PointType, Severity


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one field; each is checked by the photo service, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    unit = forms.ChoiceField(label=_("Responsible unit"))
    point_type = forms.ChoiceField(label=_("Point type"), choices=PointType.choices, initial=PointType.COMPOUND)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    address = forms.CharField(label=_("Address or landmark"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        widget=forms.HiddenInput,
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        widget=forms.HiddenInput,
    )
    photos = PhotosField(label=_("Photos"))
    inspection = forms.ChoiceField(label=_("Inspection round"), required=False)

    def __init__(self, *args, categories, units, inspections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].choices = [("", _("Outside any inspection round"))] + [
            (str(i.pk), str(i)) for i in inspections
        ]
        self.fields["category"].choices = [("", _("Choose a category"))] + [
            (c.code, f"{c.name}（{c.code}）") for c in categories
        ]
        self.fields["unit"].choices = [("", _("Choose a unit"))] + [
            (str(u.pk), f"{u.name} · {u.parent.name}" if u.parent_id else u.name) for u in units
        ]


class RectifyForm(forms.Form):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    photos = PhotosField(label=_("Photos after rectification"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Result of the re-check"),
        choices=[("true", _("Passed: close the case")), ("false", _("Failed: send back for rework"))],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    photos = PhotosField(label=_("Photos at the re-check"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason for voiding"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ExtensionRequestForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    deadline = forms.DateTimeField(
        label=_("New deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("true", _("Approve")), ("false", _("Reject"))],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=InspectionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    organiser = forms.ChoiceField(label=_("Organised by"))
    inspectors = forms.MultipleChoiceField(label=_("Inspectors"), required=False)
    units = forms.MultipleChoiceField(label=_("Units covered"))

    def __init__(self, *args, organisers, inspectors, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].choices = [(str(u.pk), u.name) for u in organisers]
        self.fields["inspectors"].choices = [(str(u.pk), str(u)) for u in inspectors]
        self.fields["units"].choices = [(str(u.pk), f"{u.name}（{u.get_level_display()}）") for u in units]


class NearbyForm(forms.Form):
    """A position, for the units nearest it (the report form's place suggestion)."""

    lat = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    lng = forms.DecimalField(label=_("Longitude"), max_digits=10, decimal_places=6, min_value=-180, max_value=180)
