from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vip.casework.choices import ContactKind, NeedDomain, NeedLevel
from vip.core.forms import StaffForm, date_input, datetime_input


class NeedsAssessmentForm(StaffForm):
    assessed_on = forms.DateField(label=_("Assessed on"), widget=date_input())
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for domain, label in NeedDomain.choices:
            self.fields[f"need_{domain}"] = forms.ChoiceField(
                label=label, choices=[("", _("not assessed")), *NeedLevel.choices], required=False
            )

    def needs(self) -> dict[str, str]:
        return {
            domain: self.cleaned_data[f"need_{domain}"]
            for domain in NeedDomain.values
            if self.cleaned_data.get(f"need_{domain}")
        }


class ContactForm(StaffForm):
    contacted_at = forms.DateTimeField(label=_("When"), widget=datetime_input(), input_formats=["%Y-%m-%dT%H:%M"])
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices, widget=forms.RadioSelect)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=1440, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class CaseNoteForm(StaffForm):
    text = forms.CharField(label=_("Case note"), widget=forms.Textarea(attrs={"rows": 6}))
