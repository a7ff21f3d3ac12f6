from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.organizations.choices import CobuildKind
from gongjian.plans.forms import DateInput, _style

ITEMS_EXAMPLE = (
    "A1 | 门前三包责任落实 | 20 | deduct | 2\nA2 | 内部环境卫生 | 30 | grade | 1,0.8,0.6,0\nA3 | 绿化养护 | 50 | points"
)


class CompetitionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    items = forms.CharField(
        label=_("Rule items"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": ITEMS_EXAMPLE}),
        help_text=_(
            "One item a line: code | name | points | method, then for deduct the points per occurrence, "
            "for grade the shares of each grade (e.g. 1,0.8,0.6,0); points: the inspector gives the points lost."
        ),
    )
    cobuild_units = forms.ModelMultipleChoiceField(
        label=_("Co-construction units taking part"),
        queryset=None,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args, cobuild_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cobuild_units"].queryset = cobuild_units
        _style(self)


class RankingFilterForm(forms.Form):
    street = forms.TypedChoiceField(label=_("Street"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", "—"), *CobuildKind.choices])

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].choices = [("", "—"), *[(s.pk, s.name) for s in streets]]
        _style(self)


class EntryForm(forms.Form):
    value = forms.DecimalField(label=_("Result"), max_digits=7, decimal_places=2)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.FileField(label=_("Photo (optional)"), required=False)

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, prefix=f"item{item.pk}", **kwargs)
        if item.method == "grade":
            from gongjian.competitions.rules import grade_label

            self.fields["value"] = forms.TypedChoiceField(
                label=_("Grade"),
                coerce=int,
                choices=[(n, f"{grade_label(n)}（{g}）") for n, g in enumerate(item.grades)],
            )
        elif item.method == "deduct":
            self.fields["value"].label = _("Occurrences")
            self.fields["value"].widget.attrs.update({"min": 0, "step": 1, "inputmode": "numeric"})
        else:
            self.fields["value"].label = _("Points lost")
            self.fields["value"].widget.attrs.update({"min": 0, "step": "0.01", "inputmode": "decimal"})
        self.fields["photo"].widget.attrs["accept"] = "image/*"
        _style(self)


class AdjustmentForm(forms.Form):
    points = forms.DecimalField(label=_("Points (+/−)"), max_digits=7, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
