"""The ledger pages' forms: recording an entry (with receipt files), reversing one, filing the
year's statement. They only carry what was typed: the amount, the date's rules, the choices that
go together and the receipts' contents are checked by the services (services.py, ledger.py), so
the page and the API refuse the same things with the same words."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.funds.choices import EntryKind, IncomeSource, SpendingPurpose
from gongjian.notices.forms import MultipleFileField, MultipleFileInput
from gongjian.plans.forms import DateInput, _style

#: What the receipt input offers (the contents are checked whatever the browser sends).
RECEIPT_ACCEPT = "image/*,application/pdf,.pdf,.docx,.xlsx"
_BLANK = [("", "—")]


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices, widget=forms.RadioSelect)
    source = forms.ChoiceField(label=_("Source of the income"), choices=_BLANK + IncomeSource.choices, required=False)
    purpose = forms.ChoiceField(
        label=_("Purpose of the spending"), choices=_BLANK + SpendingPurpose.choices, required=False
    )
    pairing = forms.TypedChoiceField(
        label=_("Co-construction unit (pairing)"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Required for a co-construction unit's contribution."),
    )
    amount = forms.CharField(
        label=_("Amount (yuan)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "1200.00"}),
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    # Made when the form is shown and sent back with it: a second send of the same form (a double
    # tap, a resend after a lost answer) records nothing more (gongjian/api/idempotency.py).
    write_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    receipts = MultipleFileField(
        label=_("Receipts (凭证)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": RECEIPT_ACCEPT}),
        help_text=_("Photos, PDF, Word (.docx) or Excel (.xlsx); at most 10 files."),
    )

    def __init__(self, *args, pairings=(), fixed_pairing=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_pairing is not None:
            self.fields["pairing"].choices = [(fixed_pairing.pk, fixed_pairing.cobuild_unit.name)]
            self.fields["pairing"].required = True
            self.fields["pairing"].initial = fixed_pairing.pk
            self.fields["source"].initial = IncomeSource.CONTRIBUTION
        else:
            self.fields["pairing"].choices = _BLANK + [(p.pk, _pairing_label(p)) for p in pairings]
        if not self.is_bound:
            self.fields["write_key"].initial = uuid.uuid4()
        today = timezone.localdate()
        self.fields["date"].initial = today
        self.fields["date"].widget.attrs.update({"max": f"{today:%Y-%m-%d}", "min": "2000-01-01"})
        _style(self)
        self.fields["kind"].widget.attrs["class"] = "form-check-input"


def _pairing_label(pairing) -> str:
    if pairing.ended_on:
        return str(_("%(unit)s (ended %(date)s)") % {"unit": pairing.cobuild_unit.name, "date": pairing.ended_on})
    return pairing.cobuild_unit.name


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why is it reversed?"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class StatementForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        _style(self)
