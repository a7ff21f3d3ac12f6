"""The forms of the creation pages: apply, self-assess against the checklist, the city's review, the
certificate and the year's goals. They check shapes only; the services decide the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.creation.services import NOTE_MAX
from gongjian.creation.workflow import COMMUNITY_KINDS, UNIT_KINDS, Action, CreationKind
from gongjian.plans.forms import DateInput, _style

COMMUNITY, COBUILD = "community", "cobuild"


class ApplyForm(forms.Form):
    subject = forms.ChoiceField(label=_("Unit"))
    kind = forms.ChoiceField(label=_("Standard"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, communities=(), cobuild_units=(), **kwargs):
        super().__init__(*args, **kwargs)
        subjects = []
        if communities:
            subjects.append((_("Communities"), [(f"{COMMUNITY}:{u.pk}", u.name) for u in communities]))
        if cobuild_units:
            subjects.append((_("Co-construction units"), [(f"{COBUILD}:{u.pk}", u.name) for u in cobuild_units]))
        self.fields["subject"].choices = subjects
        kinds = []
        if communities:
            kinds.append((_("Community standards"), [(k.value, k.label) for k in COMMUNITY_KINDS]))
        if cobuild_units:
            kinds.append((_("Unit standards"), [(k.value, k.label) for k in UNIT_KINDS]))
        self.fields["kind"].choices = kinds
        _style(self)

    def clean_subject(self) -> tuple[str, int]:
        which, _sep, pk = self.cleaned_data["subject"].partition(":")
        return which, int(pk)


MET_CHOICES = [("yes", _("Met")), ("no", _("Not met"))]


class SelfAssessForm(forms.Form):
    """One met / not-met choice and one note per checklist item, and the self-assessment's summary."""

    text = forms.CharField(
        label=_("Summary of the self-assessment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, checklist=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for i, row in enumerate(checklist):
            met = row.get("met")
            self.fields[f"met_{i}"] = forms.ChoiceField(
                label=row["item"],
                choices=MET_CHOICES,
                widget=forms.RadioSelect,
                initial=None if met is None else ("yes" if met else "no"),
                error_messages={"required": _("Choose met or not met.")},
            )
            self.fields[f"note_{i}"] = forms.CharField(
                label=_("Note"), required=False, max_length=NOTE_MAX, initial=row.get("note", "")
            )
        _style(self)
        for i in range(len(checklist)):
            self.rows.append((self[f"met_{i}"], self[f"note_{i}"]))

    def answers(self) -> list[bool]:
        return [self.cleaned_data[f"met_{i}"] == "yes" for i in range(len(self.rows))]

    def notes(self) -> list[str]:
        return [self.cleaned_data[f"note_{i}"] for i in range(len(self.rows))]


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[(a.value, a.label) for a in (Action.PASS, Action.FAIL, Action.RETURN)],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Review note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    result_on = forms.DateField(label=_("Result date"), required=False, widget=DateInput, help_text=_("Empty: today."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CertificateForm(forms.Form):
    file = forms.FileField(
        label=_("Certificate"),
        help_text=_("A PDF or a scan or photo; checked by its content."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class GoalsForm(forms.Form):
    """The city's target number for each standard in one year (0 or empty: none)."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, goals=None, **kwargs):
        super().__init__(*args, **kwargs)
        goals = goals or {}
        for kind in CreationKind:
            self.fields[f"count_{kind.value}"] = forms.IntegerField(
                label=kind.label, min_value=0, max_value=10000, required=False, initial=goals.get(kind.value, 0)
            )
        _style(self)

    def counts(self) -> dict[str, int]:
        return {kind.value: self.cleaned_data[f"count_{kind.value}"] or 0 for kind in CreationKind}
