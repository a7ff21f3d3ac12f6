from __future__ import annotations

from decimal import Decimal

from captcha.fields import CaptchaField
from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.inspections.forms import MultipleFileInput, PhotosField
from gongjian.participation.choices import RECORDABLE_STATUSES, ActivityStatus, ImportKind, PartyStatus, SanctionKind


class BootstrapForm(forms.Form):
    """Adds Bootstrap's classes to the widgets the templates render with ``{{ field }}``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")


class VolunteerForm(BootstrapForm):
    community = forms.ChoiceField(label=_("Home community"))
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    id_number = forms.CharField(label=_("ID number (optional)"), max_length=20, required=False)
    party_status = forms.ChoiceField(label=_("Party membership"), choices=PartyStatus.choices)
    work_unit = forms.CharField(label=_("Work unit"), max_length=100, required=False)
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False)
    availability = forms.CharField(label=_("When available"), max_length=100, required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(str(c.pk), str(c)) for c in communities]
        if len(communities) == 1:
            self.fields["community"].initial = str(communities[0].pk)


class PublicSignUpForm(VolunteerForm):
    """The public sign-up: a captcha (django-simple-captcha: an image made on this server, no
    outside service, no script) for visitors who are not signed in."""

    captcha = CaptchaField(
        label=_("Characters in the picture"),
        error_messages={"invalid": _("The characters do not match the picture; try the new one.")},
    )

    def __init__(self, *args, ask_captcha: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_captcha:
            del self.fields["captcha"]


class ReviewForm(BootstrapForm):
    approve = forms.TypedChoiceField(
        choices=[("true", _("Accept")), ("false", _("Reject"))], coerce=lambda v: v == "true"
    )


class SanctionForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=SanctionKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class ImportForm(BootstrapForm):
    kind = forms.ChoiceField(
        label=_("What the sheet holds"), choices=ImportKind.choices, initial=ImportKind.VOLUNTEERS, required=False
    )
    community = forms.ChoiceField(label=_("Community"))
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(str(c.pk), str(c)) for c in communities]


class ActivityForm(BootstrapForm):
    community = forms.ChoiceField(label=_("Community"))
    title = forms.CharField(label=_("Title"), max_length=120)
    type = forms.ChoiceField(label=_("Type"))
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in RECORDABLE_STATUSES],
        initial=ActivityStatus.HELD,
    )
    starts_at = forms.DateTimeField(
        label=_("Time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    organiser = forms.CharField(label=_("Organiser"), max_length=100, required=False)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    units = forms.MultipleChoiceField(label=_("Co-construction units taking part"), required=False)
    head_units = forms.MultipleChoiceField(label=_("Units whose head attended"), required=False)
    volunteers = forms.MultipleChoiceField(label=_("Volunteers"), required=False)
    hours = forms.DecimalField(
        label=_("Hours per volunteer"),
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal("24"),
        decimal_places=1,
        initial=2,
    )
    photos = PhotosField(
        label=_("Photos"), required=False, widget=MultipleFileInput(attrs={"accept": "image/*", "multiple": True})
    )
    captions = forms.CharField(
        label=_("Captions, one line per photo"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, communities, types, units, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(str(c.pk), str(c)) for c in communities]
        self.fields["type"].choices = [(t.code, t.name) for t in types]
        unit_choices = [(str(u.pk), str(u)) for u in units]
        self.fields["units"].choices = unit_choices
        self.fields["head_units"].choices = unit_choices
        self.fields["volunteers"].choices = [(str(v.pk), f"{v.name}（{v.community}）") for v in volunteers]

    def clean_photos(self):
        return [f for f in (self.cleaned_data.get("photos") or []) if f]

    def caption_list(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("captions") or "").splitlines() if line.strip()]


HOLD_PHOTO_SLOTS = 3


class ActivityHoldForm(BootstrapForm):
    """Record a planned activity as held, on a phone: the day, how many came, each volunteer's
    hours (blank: did not serve) and up to three photos, each with its caption."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    held_on = forms.DateField(
        label=_("Day it was held"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    attendance = forms.IntegerField(
        label=_("People attending"),
        min_value=1,
        max_value=100_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    summary = forms.CharField(
        label=_("How it went"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )

    def __init__(self, *args, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.volunteers = list(volunteers)
        for k in range(1, HOLD_PHOTO_SLOTS + 1):
            self.fields[f"photo_{k}"] = forms.FileField(
                label=_("Photo %(n)s") % {"n": k},
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "image/*", "class": "form-control"}),
            )
            # A photo chosen before a refused submit, kept on the server (see views.lifecycle).
            self.fields[f"photo_token_{k}"] = forms.UUIDField(required=False, widget=forms.HiddenInput)
            self.fields[f"caption_{k}"] = forms.CharField(
                label=_("Caption of photo %(n)s") % {"n": k},
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
        for v in self.volunteers:
            self.fields[f"hours_{v.pk}"] = forms.DecimalField(
                label=v.name,
                required=False,
                min_value=Decimal("0.5"),
                max_value=Decimal("24"),
                decimal_places=1,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5", "class": "form-control"}),
            )

    def photo_slots(self):
        return [(self[f"photo_{k}"], self[f"caption_{k}"]) for k in range(1, HOLD_PHOTO_SLOTS + 1)]

    def hour_fields(self):
        return [self[f"hours_{v.pk}"] for v in self.volunteers]

    def clean(self):
        data = super().clean()
        for k in range(1, HOLD_PHOTO_SLOTS + 1):
            photo = data.get(f"photo_{k}") or data.get(f"photo_token_{k}")
            caption = (data.get(f"caption_{k}") or "").strip()
            if photo and not caption:
                self.add_error(f"caption_{k}", _("Every photo needs a caption saying what it shows."))
            elif caption and not photo:
                self.add_error(f"photo_{k}", _("Choose the photo this caption belongs to."))
        return data

    def photos(self) -> list[tuple[int, object, str]]:
        """The slots with a newly chosen photo: (slot, upload, caption)."""
        return [
            (k, self.cleaned_data[f"photo_{k}"], self.cleaned_data[f"caption_{k}"].strip())
            for k in range(1, HOLD_PHOTO_SLOTS + 1)
            if self.cleaned_data.get(f"photo_{k}")
        ]

    def kept_tokens(self) -> dict[int, str]:
        """The slots whose photo was kept from a refused submit and not replaced: slot → token."""
        data = getattr(self, "cleaned_data", None) or {}
        return {
            k: str(data[f"photo_token_{k}"])
            for k in range(1, HOLD_PHOTO_SLOTS + 1)
            if data.get(f"photo_token_{k}") and not data.get(f"photo_{k}")
        }

    def hours(self) -> list[tuple[object, Decimal]]:
        return [
            (v, self.cleaned_data[f"hours_{v.pk}"]) for v in self.volunteers if self.cleaned_data.get(f"hours_{v.pk}")
        ]


class ActivityCancelForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=200)


class ActivityArchiveForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RevealForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Why do you need the full numbers?"),
        max_length=200,
        help_text=_("Recorded in the audit trail with your name, the time, your address and browser."),
    )
