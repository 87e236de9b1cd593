from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vip.audit.models import AuditEvent
from vip.core.forms import StaffForm, choices_with_blank, date_input


class AuditFilterForm(StaffForm):
    """What the audit viewer narrows the trail to; every field optional."""

    actor = forms.CharField(label=_("Account"), max_length=150, required=False)
    action = forms.CharField(
        label=_("Action"), max_length=80, required=False, help_text=_("The start of an action, e.g. person.")
    )
    object_type = forms.CharField(label=_("Record type"), max_length=80, required=False)
    object_id = forms.CharField(label=_("Record id"), max_length=200, required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=choices_with_blank(AuditEvent.Outcome.choices, _("any")), required=False
    )
    since = forms.DateField(label=_("From (UTC)"), widget=date_input(), required=False)
    until = forms.DateField(label=_("To (UTC)"), widget=date_input(), required=False)
    before = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
