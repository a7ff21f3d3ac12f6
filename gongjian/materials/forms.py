from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjian.materials.choices import MaterialKind, PositionKind
from gongjian.organizations.choices import UnitLevel
from gongjian.plans.forms import DateInput, _style

_ACCEPT = "audio/mpeg,audio/mp4,audio/x-m4a,audio/wav,.mp3,.m4a,.wav,application/pdf,.docx,.xlsx,image/*"


class MaterialForm(forms.Form):
    owner_unit = forms.TypedChoiceField(label=_("Distributed by"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=MaterialKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    recipient_level = forms.ChoiceField(
        label=_("Recipients"),
        choices=[(UnitLevel.COMMUNITY, UnitLevel.COMMUNITY.label), (UnitLevel.STREET, UnitLevel.STREET.label)],
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("Audio: MP3, M4A or WAV. Templates: PDF, Word (.docx), Excel (.xlsx) or a photo."),
        widget=forms.ClearableFileInput(attrs={"accept": _ACCEPT}),
    )

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].choices = [(u.pk, u.name) for u in owners]
        _style(self)


class VersionForm(forms.Form):
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": _ACCEPT}))
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class PositionForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=PositionKind.choices)
    name = forms.CharField(label=pgettext_lazy("propaganda position", "Name"), max_length=120)
    address = forms.CharField(label=_("Where"), max_length=200, required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    photo = forms.FileField(
        label=_("Photo"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        _style(self)


class PositionUpdateForm(forms.Form):
    updated_on = forms.DateField(label=_("Updated on"), widget=DateInput())
    theme = forms.CharField(label=_("Theme"), max_length=200)
    photo = forms.FileField(label=_("Photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
