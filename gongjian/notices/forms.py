from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.notices.choices import NoticeKind
from gongjian.organizations.choices import UnitLevel
from gongjian.plans.forms import DateInput, _style


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the contents are checked by the service, like archive uploads)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class NoticeForm(forms.Form):
    sender_unit = forms.TypedChoiceField(label=_("Sent by"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=NoticeKind.choices, initial=NoticeKind.GENERAL)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)
    level = forms.ChoiceField(
        label=_("To every unit of a level"),
        required=False,
        choices=[
            ("", "—"),
            (UnitLevel.STREET, UnitLevel.STREET.label),
            (UnitLevel.COMMUNITY, UnitLevel.COMMUNITY.label),
        ],
    )
    units = forms.TypedMultipleChoiceField(
        label=_("Or to these units"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    reply_required = forms.BooleanField(label=_("A reply (回执) is required"), required=False)
    reply_due = forms.DateField(label=_("Reply due"), required=False, widget=DateInput)
    inspection_on = forms.DateField(label=_("Inspection date"), required=False, widget=DateInput)
    inspection_scope = forms.CharField(
        label=_("Inspection scope"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    rule_items = forms.TypedMultipleChoiceField(
        label=_("Rule items inspected"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    files = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, senders=(), units=(), rule_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sender_unit"].choices = [(u.pk, u.name) for u in senders]
        self.fields["units"].choices = [(u.pk, u.name) for u in units]
        self.fields["rule_items"].choices = [(i.pk, f"{i.code} {i.name}") for i in rule_items]
        _style(self)
        for name in ("units", "rule_items"):
            self.fields[name].widget.attrs.pop("class", None)
        if not self.fields["rule_items"].choices:
            del self.fields["rule_items"]  # the city has no rule set yet

    def clean(self):
        data = super().clean()
        if data.get("level") and data.get("units"):
            self.add_error("units", _("Choose a level or units, not both."))
        return data


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    files = MultipleFileField(label=_("Files"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
