"""The ledger page's filter (year, kind), shared by the page and its Excel export so the file holds
exactly what the page shows."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.funds.choices import EntryKind
from gongjian.plans.forms import _style

ALL_YEARS = "all"


class LedgerFilterForm(forms.Form):
    year = forms.ChoiceField(label=_("Year"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Income and spending"))] + EntryKind.choices, required=False
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(str(y), str(y)) for y in years] + [(ALL_YEARS, _("All years"))]
        _style(self)

    def values(self, *, default_year: int | None = None) -> tuple[int | None, str]:
        """(year or None for all years, kind or ""); ``default_year`` (else the current year) and
        both kinds when the filter is missing or not one of the choices."""
        this_year = default_year or timezone.localdate().year
        if not self.is_bound or not self.is_valid():
            return this_year, ""
        year = self.cleaned_data["year"]
        if year == ALL_YEARS:
            return None, self.cleaned_data["kind"]
        return (int(year) if year else this_year), self.cleaned_data["kind"]
