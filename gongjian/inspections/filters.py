"""The problem filter, shared by the list page, the Excel export, the map and the API."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongjian.core.inputs import check_month
from gongjian.inspections.choices import ProblemStatus

_YES_NO = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


class ProblemFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *ProblemStatus.choices])
    category = forms.CharField(label=_("Category code"), required=False, max_length=10)
    unit = forms.IntegerField(label=_("Unit (with its subordinate units)"), required=False, min_value=1)
    overdue = forms.TypedChoiceField(
        label=_("Overdue"), required=False, choices=_YES_NO, coerce=lambda v: v == "true", empty_value=None
    )
    relapse = forms.TypedChoiceField(
        label=_("Relapse"), required=False, choices=_YES_NO, coerce=lambda v: v == "true", empty_value=None
    )
    found_after = forms.DateField(label=_("Found on or after"), required=False)
    found_before = forms.DateField(label=_("Found on or before"), required=False)
    q = forms.CharField(label=_("Case number or address"), required=False, max_length=50)

    def clean(self):
        data = super().clean()
        after, before = data.get("found_after"), data.get("found_before")
        if after and before and after > before:
            raise ValidationError({"found_before": _("The end date is before the start date.")})
        return data


class MonthField(forms.Field):
    """A month written YYYY-MM, cleaned to the first day of that month."""

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            if len(value) != 7:
                raise ValueError(value)
            month = datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise ValidationError(_("Give the month as YYYY-MM."), code="invalid")
        check_month(month)
        return month


class StatsFilterForm(forms.Form):
    month = MonthField(label=_("Month"), required=False)
    unit = forms.IntegerField(label=_("Unit"), required=False, min_value=1)
