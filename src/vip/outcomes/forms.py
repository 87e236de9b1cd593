from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vip.core.forms import StaffForm, date_input
from vip.outcomes.choices import OutcomeType


class OutcomeForm(StaffForm):
    occurred_on = forms.DateField(label=_("Date"), widget=date_input())
    type = forms.ChoiceField(label=_("Outcome"), choices=OutcomeType.choices)
    source_ref = forms.CharField(label=_("Case number"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
