from __future__ import annotations

from captcha.fields import CaptchaField
from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.residents.privacy import clean_phone

_CAPTCHA_ERRORS = {"invalid": _("The characters do not match the picture; try the new one.")}
_QUESTIONS_HELP = _(
    "One question a line: kind | question | options or range | satisfied: which answers count. "
    "Kinds: single, multiple, scale, text. Example: scale | 您对社区创建工作打几分？ | 1-5 | "
    "labels: 很不满意; 很满意 | satisfied: >=4"
)


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    intro = forms.CharField(
        label=_("Introduction"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    start_date = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    questions = forms.CharField(
        label=_("Questions"), max_length=20000, help_text=_QUESTIONS_HELP, widget=forms.Textarea(attrs={"rows": 10})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class PublishForm(forms.Form):
    communities = forms.MultipleChoiceField(
        label=_("Communities"), required=False, widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8})
    )
    street = forms.ChoiceField(
        label=_("Or every community of a street"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args, communities, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].choices = [(str(c.pk), c.name) for c in communities]
        self.fields["street"].choices = [("", "—")] + [(str(s.pk), s.name) for s in streets]


class AnswerForm(forms.Form):
    """The questionnaire as a form: one field per question, then the optional phone and the captcha."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            name = f"q{q.pk}"
            if q.kind == "single":
                field = forms.ChoiceField(
                    choices=[(o, o) for o in q.options], widget=forms.RadioSelect, required=q.required
                )
            elif q.kind == "multiple":
                field = forms.MultipleChoiceField(
                    choices=[(o, o) for o in q.options], widget=forms.CheckboxSelectMultiple, required=q.required
                )
            elif q.kind == "scale":
                low, high = (q.options + ["", ""])[:2]
                choices = []
                for value in range(q.scale_min, q.scale_max + 1):
                    label = str(value)
                    if value == q.scale_min and low:
                        label = f"{value} {low}"
                    elif value == q.scale_max and high:
                        label = f"{value} {high}"
                    choices.append((str(value), label))
                field = forms.TypedChoiceField(
                    choices=choices, coerce=int, widget=forms.RadioSelect, required=q.required, empty_value=None
                )
            else:
                field = forms.CharField(
                    max_length=1000,
                    required=q.required,
                    widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                )
            field.label = f"{q.position}. {q.text}"
            self.fields[name] = field
        self.fields["phone"] = forms.CharField(
            label=_("Your mobile (optional)"),
            max_length=20,
            required=False,
            help_text=_("Only to make sure each number answers once; it is never shown or kept in clear."),
            widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel", "autocomplete": "tel"}),
        )
        self.fields["captcha"] = CaptchaField(label=_("Characters in the picture"), error_messages=_CAPTCHA_ERRORS)

    def clean_phone(self):
        phone, problem = clean_phone(self.cleaned_data["phone"])
        if problem:
            raise forms.ValidationError(_("Enter an 11-digit mobile number, or leave it empty."))
        return phone

    def answers(self) -> dict:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def question_fields(self):
        return [self[f"q{q.pk}"] for q in self.questions]
