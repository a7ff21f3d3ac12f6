"""The unit filter, shared by the UI list and the API so both accept and reject the same input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.organizations.choices import UnitLevel


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=50, strip=True)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("All levels")), *UnitLevel.choices])
    parent = forms.IntegerField(label=_("Parent unit"), required=False, min_value=1)
