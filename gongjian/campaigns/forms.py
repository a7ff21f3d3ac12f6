from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjian.campaigns.models import TargetLevel
from gongjian.plans.forms import DateInput, _style


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=pgettext_lazy("campaign", "Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every category."),
    )
    level = forms.ChoiceField(
        label=_("Every unit of a level"), choices=[("", "—"), *TargetLevel.choices], required=False
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Or chosen units"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )

    def __init__(self, *args, categories, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = categories
        self.fields["units"].queryset = units
        _style(self)
