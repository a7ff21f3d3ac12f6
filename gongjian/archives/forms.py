"""Forms of the archive pages. They only check the shape of the input; the services decide
(dates in the future, items of another city, files sniffed by content) and their
``ValidationError`` is put back on the fields (``gongjian.core.errors.errors_onto_form``)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.archives import periods
from gongjian.archives.choices import (
    BinderFormat,
    DecisionStatus,
    EvidenceKind,
    Interval,
    MechanismKind,
    MeetingKind,
    PeriodKind,
)
from gongjian.inspections.forms import MultipleFileInput

DATE = {"type": "date"}
# <input type="date"> takes only ISO dates, whatever the language.
ISO_DATE = "%Y-%m-%d"


class BootstrapMixin:
    """Adds Bootstrap's classes to the widgets the templates render with ``{{ field }}``."""

    def _bootstrap(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxSelectMultiple, forms.HiddenInput)):
                continue
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")


class BootstrapForm(BootstrapMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class FilesField(forms.FileField):
    """Several files in one field; each is sniffed by the archive's intake, not here."""

    def __init__(self, *args, accept: str = "", **kwargs):
        attrs = {"multiple": True}
        if accept:
            attrs["accept"] = accept
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def caption_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines()]


def captions_for(files, text: str) -> list[str]:
    """One caption per file, in order, from a text with one line per file (blank: no caption)."""
    lines = caption_lines(text)
    return [lines[n] if n < len(lines) else "" for n in range(len(files))]


class PeriodForm(forms.Form):
    """``?period=2026`` (a year), ``2026-Q3`` (a quarter) or ``2026-07`` (a month)."""

    period = forms.CharField(label=_("Period"), required=False, max_length=8)

    def clean_period(self):
        code = (self.cleaned_data.get("period") or "").strip()
        if not code:
            return periods.of(periods.YEAR, timezone.localdate())
        try:
            return periods.parse(code)
        except ValueError:
            raise forms.ValidationError(
                _("“%(code)s” is not a period: write a year (2026), a quarter (2026-Q3) or a month (2026-07)."),
                params={"code": code},
            ) from None


def period_choices(year: int) -> list[tuple[str, str]]:
    """The periods offered in the period selector: recent years, the quarters and months of one."""
    this_year = timezone.localdate().year
    out = [(str(y), str(y)) for y in range(this_year, this_year - 3, -1)]
    if str(year) not in dict(out):
        out.append((str(year), str(year)))
    out += [(f"{year}-Q{q}", f"{year}-Q{q}") for q in range(1, 5)]
    out += [(f"{year}-{m:02d}", f"{year}-{m:02d}") for m in range(1, 13)]
    return out


# --- evidence -----------------------------------------------------------------------------------


class EvidenceForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind of record"), choices=EvidenceKind.choices, initial=EvidenceKind.TEXT)
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs=DATE, format=ISO_DATE))
    period_kind = forms.ChoiceField(
        label=_("Filed under"),
        choices=PeriodKind.choices,
        initial=PeriodKind.MONTH,
        help_text=_("The month, quarter or year of the record's date."),
    )
    rule_items = forms.MultipleChoiceField(
        label=_("Assessment items it counts for"), widget=forms.CheckboxSelectMultiple
    )
    mechanism = forms.ChoiceField(label=_("Shows this mechanism running (optional)"), required=False)
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    author = forms.CharField(label=_("Author"), required=False, max_length=60)
    files = FilesField(
        label=_("Files"),
        help_text=_("Photos, PDF scans, Word (.docx) or Excel (.xlsx) files."),
        accept="image/*,.pdf,.docx,.xlsx",
    )
    captions = forms.CharField(
        label=_("Captions, one line per file in the order chosen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, sections, mechanisms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_items"].choices = [(str(s.rule_item_id), f"{s.rule_item.code} {s.title}") for s in sections]
        self.fields["mechanism"].choices = [("", "—")] + [(str(m.pk), m.title) for m in mechanisms]
        self.fields["date"].initial = timezone.localdate()

    def period(self) -> periods.Period:
        data = self.cleaned_data
        return periods.of(data["period_kind"], data["date"])


class CaptionForm(BootstrapForm):
    file_id = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class WithdrawForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why is it withdrawn?"), max_length=300, required=False)


class BinderForm(forms.Form):
    format = forms.ChoiceField(choices=BinderFormat.choices)
    period = forms.CharField(required=False, max_length=8)

    def clean_period(self):
        return PeriodForm.clean_period(self)


# --- meetings -----------------------------------------------------------------------------------


class MeetingForm(BootstrapForm):
    unit = forms.ChoiceField(label=_("Community"))
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs=DATE, format=ISO_DATE))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)
    photos = FilesField(label=_("Photos"), accept="image/*")
    captions = forms.CharField(
        label=_("Captions, one line per photo in the order chosen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(c.pk), c.name) for c in communities]
        if len(communities) == 1:
            self.fields["unit"].initial = str(communities[0].pk)
        self.fields["held_on"].initial = timezone.localdate()


class AttendeeForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=120, required=False)
    cobuild_unit = forms.ChoiceField(label=_("Co-construction unit"), required=False)
    is_head = forms.BooleanField(label=_("Head of the unit"), required=False)

    def __init__(self, *args, cobuild_units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cobuild_unit"].choices = [("", "—")] + [(str(u.pk), u.name) for u in cobuild_units]


class DecisionForm(BootstrapForm):
    text = forms.CharField(label=_("Decision"), max_length=300, required=False)
    owner = forms.CharField(label=_("Owner"), max_length=60, required=False)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=forms.DateInput(attrs=DATE, format=ISO_DATE))

    def clean(self):
        data = super().clean()
        filled = [bool(data.get("text")), bool(data.get("owner")), bool(data.get("due_on"))]
        if any(filled) and not all(filled):
            raise forms.ValidationError(_("Each decision needs what, who and by when."))
        return data


AttendeeFormSet = forms.formset_factory(AttendeeForm, extra=3)
DecisionFormSet = forms.formset_factory(DecisionForm, extra=1)


class MeetingPhotosForm(BootstrapForm):
    photos = FilesField(label=_("Photos"), accept="image/*", required=True)
    captions = forms.CharField(
        label=_("Captions, one line per photo in the order chosen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FollowUpForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=DecisionStatus.choices)
    done_on = forms.DateField(label=_("Done on"), required=False, widget=forms.DateInput(attrs=DATE, format=ISO_DATE))
    follow_up = forms.CharField(
        label=_("Follow-up"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- mechanisms -----------------------------------------------------------------------------------


class MechanismForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Mechanism"), choices=MechanismKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    established_on = forms.DateField(label=_("Set up on"), widget=forms.DateInput(attrs=DATE, format=ISO_DATE))
    interval = forms.ChoiceField(label=_("Expected to run"), choices=Interval.choices, initial=Interval.MONTHLY)
    rule_items = forms.MultipleChoiceField(
        label=_("Assessment items the document counts for"), widget=forms.CheckboxSelectMultiple
    )
    document = FilesField(label=_("Document that sets it up"), accept=".pdf,.docx,image/*")
    text = forms.CharField(
        label=_("…or its text"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20000
    )

    def __init__(self, *args, kinds, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in MechanismKind.choices if k in kinds]
        self.fields["rule_items"].choices = [(str(s.rule_item_id), f"{s.rule_item.code} {s.title}") for s in sections]


# --- templates ------------------------------------------------------------------------------------


class TemplateForm(BootstrapForm):
    name = forms.CharField(label=_("Template name"), max_length=120)


class SectionForm(BootstrapForm):
    rule_item = forms.ChoiceField(label=_("Assessment item"), required=False)
    title = forms.CharField(label=_("Section title"), max_length=200, required=False)
    guidance = forms.CharField(label=_("Guidance"), required=False, max_length=2000)
    description = forms.CharField(label=_("What is required"), max_length=200, required=False)
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of record (none: any)"),
        choices=EvidenceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interval = forms.ChoiceField(label=_("How often"), choices=Interval.choices, initial=Interval.MONTHLY)
    min_records = forms.IntegerField(label=_("Records at least"), min_value=1, max_value=100, initial=1)
    min_photos = forms.IntegerField(
        label=_("Captioned photos per record at least"), min_value=0, max_value=50, initial=0
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_item"].choices = [("", "—")] + [(str(i.pk), f"{i.code} {i.name}") for i in items]

    def clean(self):
        data = super().clean()
        if self.has_changed() and not data.get("rule_item"):
            self.add_error("rule_item", _("Choose the assessment item of the section."))
        return data


SectionFormSet = forms.formset_factory(SectionForm, extra=1)
