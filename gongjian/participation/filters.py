"""Filters shared by the pages, the exports and the API."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.inspections.filters import MonthField
from gongjian.participation.choices import ActivityStatus, PartyStatus, VolunteerStatus


class VolunteerFilterForm(forms.Form):
    community = forms.IntegerField(label=_("Community (or a unit above it)"), required=False, min_value=1)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *VolunteerStatus.choices])
    party_status = forms.ChoiceField(
        label=_("Party membership"),
        required=False,
        choices=[("", _("Any")), ("member", _("Any party member")), *PartyStatus.choices],
    )
    q = forms.CharField(label=_("Name, work unit or skill"), required=False, max_length=50)


class ActivityFilterForm(forms.Form):
    community = forms.IntegerField(label=_("Community (or a unit above it)"), required=False, min_value=1)
    type = forms.CharField(label=_("Type"), required=False, max_length=30)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *ActivityStatus.choices])
    month = MonthField(label=_("Month (YYYY-MM)"), required=False)
    cobuild_unit = forms.IntegerField(label=_("Co-construction unit"), required=False, min_value=1)
    q = forms.CharField(label=_("Title or place"), required=False, max_length=50)


class MonthForm(forms.Form):
    month = MonthField(label=_("Month (YYYY-MM)"), required=False)

    def month_or_current(self):
        return (self.cleaned_data.get("month") if self.is_bound else None) or timezone.localdate().replace(day=1)


class QuarterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    quarter = forms.IntegerField(label=_("Quarter"), required=False, min_value=1, max_value=4)
    unit = forms.IntegerField(label=_("Unit"), required=False, min_value=1)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["year"] = data.get("year") or today.year
        data["quarter"] = data.get("quarter") or (today.month - 1) // 3 + 1
        if (data["year"], data["quarter"]) > (today.year, (today.month - 1) // 3 + 1):
            raise ValidationError({"quarter": _("That quarter has not begun.")})
        return data
