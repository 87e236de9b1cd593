from __future__ import annotations

from django import forms

from vip.core.dates import Month


class GenerateForm(forms.Form):
    month = forms.CharField(label="Report month", help_text="YYYY-MM", max_length=7)
    audience = forms.ChoiceField(
        label="Audience",
        choices=[("official", "Official (exact counts)"), ("public", "Public (small counts withheld)")],
    )
    publish = forms.BooleanField(label="Publish this run", required=False)

    def clean_month(self) -> Month:
        try:
            return Month.parse(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
