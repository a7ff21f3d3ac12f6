from django import forms

from gongjian.boards.models import SECTIONS, BoardSettings


class BoardSettingsForm(forms.ModelForm):
    class Meta:
        model = BoardSettings
        fields = list(SECTIONS)
        widgets = {name: forms.CheckboxInput(attrs={"class": "form-check-input"}) for name in SECTIONS}
