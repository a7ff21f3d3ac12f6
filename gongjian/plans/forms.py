from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.plans import rules
from gongjian.plans.choices import PlanKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # a date input takes ISO dates, whatever the language
        super().__init__(attrs, format=format)


def _check_dates(form, cleaned):
    problem = rules.dates_problem(starts_on=cleaned.get("starts_on"), target_date=cleaned.get("target_date"))
    if problem:
        form.add_error("target_date", problem)
    return cleaned


def _style(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class PlanForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=PlanKind.choices, initial=PlanKind.YEAR)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    goals = forms.CharField(label=_("Goals (目标)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    requirements = forms.CharField(
        label=_("Requirements (要求)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    measures = forms.CharField(label=_("Measures (措施)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput)
    is_template = forms.BooleanField(label=_("Issue as a template for the communities"), required=False)

    def __init__(self, *args, units=(), can_issue_templates=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        if not can_issue_templates:
            del self.fields["is_template"]
        _style(self)

    def clean(self):
        return _check_dates(self, super().clean())


class PlanPartsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    goals = forms.CharField(label=_("Goals (目标)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    requirements = forms.CharField(
        label=_("Requirements (要求)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    measures = forms.CharField(label=_("Measures (措施)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def clean(self):
        return _check_dates(self, super().clean())


class TaskForm(forms.Form):
    name = forms.CharField(label=_("Task"), max_length=200)
    duration = forms.IntegerField(label=_("Duration (working days)"), min_value=1, max_value=500, initial=1)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    predecessors = forms.TypedMultipleChoiceField(
        label=_("Waits for"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    rule_item = forms.TypedChoiceField(label=_("Rule item"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, tasks=(), owners=(), rule_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—")] + [(u.pk, str(u)) for u in owners]
        self.fields["predecessors"].choices = [(t.pk, t.name) for t in tasks]
        self.fields["rule_item"].choices = [("", "—")] + [(i.pk, f"{i.code} {i.name}") for i in rule_items]
        _style(self)
        self.fields["predecessors"].widget.attrs.pop("class", None)
        if not self.fields["predecessors"].choices:  # the first task waits for nothing: no empty box
            del self.fields["predecessors"]


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)


class CopyTemplateForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("For unit"), coerce=int)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        _style(self)
