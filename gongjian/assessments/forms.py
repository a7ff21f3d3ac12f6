"""Forms of the assessment pages. They check shape only; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.assessments.importexport import MAX_FILE_BYTES
from gongjian.assessments.models import POINTS


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, and ``is-invalid`` on the fields that have errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (what ``<input type="month">`` sends); cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m"])
        kwargs.setdefault("error_messages", {"invalid": _("Enter a month as YYYY-MM.")})
        super().__init__(**kwargs)

    def to_python(self, value):
        date = super().to_python(value)
        return date.replace(day=1) if date else date


class AssessmentCreateForm(BootstrapForm):
    month = MonthField(label=_("Month"))
    force_reason = forms.CharField(
        label=_("Reason to open it before the month starts (optional)"),
        required=False,
        max_length=500,
        help_text=_("Only for a month that has not started: the reason is recorded and printed on the sheets."),
    )


class PublishForm(BootstrapForm):
    confirm = forms.BooleanField(
        label=_("I confirm the results are final"),
        error_messages={"required": _("Tick the box to confirm that the results are final.")},
    )


class RankingFilterForm(BootstrapForm):
    """Which ranking table the month page shows: a level, city-wide or by street, one street or all."""

    level = forms.ChoiceField(label=_("Level"), required=False)
    view = forms.ChoiceField(
        label=_("Ranking"), required=False, choices=[("city", _("City-wide")), ("street", _("By street"))]
    )
    street = forms.IntegerField(label=_("Street"), required=False, min_value=1)

    def __init__(self, *args, levels: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = levels


class ManualEntryForm(BootstrapForm):
    item = forms.ChoiceField(label=_("Item"))
    score = forms.DecimalField(label=_("Score"), min_value=0, **POINTS)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    evidence = forms.FileField(label=_("Evidence (optional)"), required=False)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("Choose an item"))] + [
            (str(item.pk), f"{item.code} {item.name}（0–{item.points}）") for item in items
        ]


class AdjustmentForm(BootstrapForm):
    points = forms.DecimalField(
        label=_("Points (+ adds, − takes away)"),
        **POINTS,
        error_messages={"invalid": _("Enter a number such as 1.5 or -0.5.")},
    )
    item = forms.ChoiceField(label=_("Item (optional)"), required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("The sheet as a whole"))] + [
            (str(item.pk), f"{item.code} {item.name}") for item in items
        ]


class RuleSetImportForm(BootstrapForm):
    """One source of a rule set: JSON pasted, a JSON file, or the Excel sheet. Reading and checking
    the content is ``importexport`` and ``rulespec``'s work; this only picks the source."""

    xlsx_file = forms.FileField(label=_("Upload the Excel sheet"), required=False)
    json_file = forms.FileField(label=_("or upload a JSON file"), required=False)
    json_text = forms.CharField(
        label=_("or paste the JSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        max_length=MAX_FILE_BYTES,
    )

    def _read(self, name: str) -> bytes | None:
        upload = self.cleaned_data.get(name)
        if not upload:
            return None
        if upload.size > MAX_FILE_BYTES:
            self.add_error(name, _("The file is too large (at most 5 MB)."))
            return None
        return upload.read()

    def clean(self):
        cleaned = super().clean()
        text = (cleaned.get("json_text") or "").strip()
        json_bytes = self._read("json_file")
        xlsx_bytes = self._read("xlsx_file")
        if self.errors:
            return cleaned
        given = [x for x in (text, json_bytes, xlsx_bytes) if x]
        if len(given) != 1:
            raise forms.ValidationError(_("Give exactly one source: paste the JSON, or upload one file."))
        if xlsx_bytes:
            cleaned["source"] = ("xlsx", xlsx_bytes)
        else:
            cleaned["source"] = ("json", json_bytes or text)
        return cleaned
