from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vip.core.dates import Month


class GenerateForm(forms.Form):
    month = forms.CharField(label=_("Report month"), help_text=_("YYYY-MM"), max_length=7)
    audience = forms.ChoiceField(
        label=_("Audience"),
        choices=[("official", _("Official (exact counts)")), ("public", _("Public (small counts withheld)"))],
    )

    def clean_month(self) -> Month:
        text = self.cleaned_data["month"]
        try:
            return Month.parse(text)
        except ValueError as exc:
            raise forms.ValidationError(
                gettext("%(month)s is not a month in the form YYYY-MM") % {"month": repr(text)}
            ) from exc


class PublishForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked the preview: these figures become public and can never be withdrawn."),
        error_messages={"required": _("Tick the box to confirm that these figures may become public.")},
    )
