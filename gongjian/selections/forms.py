from captcha.fields import CaptchaField
from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.selections.choices import AwardKind


def _style(form, *, skip=()):
    """Bootstrap's classes on the fields (checkbox and radio lists and the captcha keep their own)."""
    for name, field in form.fields.items():
        widget = field.widget
        if name in skip or isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class SelectionForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=120)
    kinds = forms.MultipleChoiceField(
        label=_("awards"),
        choices=AwardKind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(AwardKind.values),
    )
    nomination_from = forms.DateField(label=_("nominations from"), widget=forms.DateInput(attrs={"type": "date"}))
    nomination_until = forms.DateField(label=_("nominations until"), widget=forms.DateInput(attrs={"type": "date"}))
    voting_from = forms.DateField(label=_("voting from"), widget=forms.DateInput(attrs={"type": "date"}))
    voting_until = forms.DateField(label=_("voting until"), widget=forms.DateInput(attrs={"type": "date"}))
    winners_per_category = forms.IntegerField(label=_("winners per category"), min_value=1, max_value=50, initial=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class NominationForm(forms.Form):
    category = forms.ChoiceField(label=_("award"))
    community = forms.ChoiceField(label=_("community"))
    name = forms.CharField(label=_("name shown"), max_length=60)
    story = forms.CharField(label=_("story"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, categories, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(str(c.pk), c.get_kind_display()) for c in categories]
        self.fields["community"].choices = [(str(u.pk), u.name) for u in communities]
        _style(self)


class VoteForm(forms.Form):
    nominee = forms.ChoiceField(label=_("your choice"), widget=forms.RadioSelect)
    captcha = CaptchaField(label=_("Characters in the picture"))

    def __init__(self, *args, nominees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominee"].choices = [(str(n.pk), n.name) for n in nominees]
