from __future__ import annotations

from captcha.fields import CaptchaField
from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.inspections.choices import PointType, Severity
from gongjian.inspections.forms import PhotosField

_CAPTCHA_ERRORS = {"invalid": _("The characters do not match the picture; try the new one.")}


def _captcha():
    return CaptchaField(label=_("Characters in the picture"), error_messages=_CAPTCHA_ERRORS)


class ReportForm(forms.Form):
    """随手拍 on a phone: what, where, a photo, and (optionally) who to call back."""

    category = forms.ChoiceField(label=_("What is the problem?"))
    photos = PhotosField(label=_("Photos"), required=False)
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    community = forms.ChoiceField(label=_("Community (if you know it)"), required=False)
    address = forms.CharField(label=_("Where exactly?"), max_length=200, required=False)
    description = forms.CharField(
        label=_("What did you see?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Your mobile (optional)"),
        max_length=20,
        required=False,
        help_text=_("Only the office sees it, masked; it is never shown publicly."),
    )
    captcha = _captcha()

    def __init__(self, *args, categories, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(c.code, c.name) for c in categories]
        self.fields["community"].choices = [("", "—")] + [(str(c.pk), c.name) for c in communities]
        for name, field in self.fields.items():
            if name not in ("latitude", "longitude", "captcha"):
                css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
                field.widget.attrs.setdefault("class", css)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})


class SupportForm(forms.Form):
    """A "+1" on a known problem: the same captcha as the report form it sits in."""

    plus_one = forms.CharField(max_length=24)
    captcha = _captcha()


class AnswerForm(forms.Form):
    label_suffix = ""
    answer = forms.ChoiceField(choices=[("solved", _("Solved")), ("not_solved", _("Not solved"))])
    note = forms.CharField(
        label=_("What is still wrong? (if not solved)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class AcceptForm(forms.Form):
    unit = forms.ChoiceField(label=_("Responsible unit"), widget=forms.Select(attrs={"class": "form-select"}))
    category = forms.ChoiceField(label=_("City category"), widget=forms.Select(attrs={"class": "form-select"}))
    point_type = forms.ChoiceField(
        label=_("Point type"),
        choices=PointType.choices,
        initial=PointType.OTHER,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        initial=Severity.NORMAL,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, units, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(u.pk), str(u.name)) for u in units]
        self.fields["category"].choices = [(str(c.pk), str(c)) for c in categories]


class MergeForm(forms.Form):
    number = forms.CharField(
        label=_("Case number of the known problem"),
        max_length=24,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the resident reads it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class KeyForm(forms.Form):
    name = forms.CharField(
        label=_("Application"), max_length=80, widget=forms.TextInput(attrs={"class": "form-control"})
    )
