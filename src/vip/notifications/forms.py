from __future__ import annotations

from django import forms

from vip.accounts.models import User
from vip.core.forms import StaffForm, date_input, datetime_input
from vip.core.models import Area
from vip.notifications.choices import AttemptOutcome, TeamRole

YES_NO = [("", "not recorded"), ("yes", "yes"), ("no", "no")]


class PlanForm(StaffForm):
    planned_on = forms.DateField(label="Planned for", widget=date_input())
    team = forms.ModelMultipleChoiceField(
        label="Team",
        queryset=User.objects.filter(is_active=True, role__in=["peer", "police", "manager"]).order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    area = forms.ModelChoiceField(label="Area", queryset=Area.objects.filter(active=True), required=False)


class AttemptForm(StaffForm):
    attempted_at = forms.DateTimeField(label="When", widget=datetime_input(), input_formats=["%Y-%m-%dT%H:%M"])
    outcome = forms.ChoiceField(label="Outcome", choices=AttemptOutcome.choices, widget=forms.RadioSelect)
    team = forms.MultipleChoiceField(
        label="Team present", choices=TeamRole.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    area = forms.ModelChoiceField(
        label="Area where it took place", queryset=Area.objects.filter(active=True), required=False
    )
    legal_risk_explained = forms.ChoiceField(
        label="Legal risk explained", choices=YES_NO, required=False, widget=forms.RadioSelect
    )
    offer_of_help = forms.ChoiceField(
        label="Offer of help made", choices=YES_NO, required=False, widget=forms.RadioSelect
    )
    letter_given = forms.ChoiceField(label="Letter given", choices=YES_NO, required=False, widget=forms.RadioSelect)
    notes = forms.CharField(label="Notes (peer support only)", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def message_part(self, name: str) -> bool | None:
        value = self.cleaned_data.get(name)
        return None if not value else value == "yes"


class LegalAssessmentForm(StaffForm):
    text = forms.CharField(label="Custom legal assessment", widget=forms.Textarea(attrs={"rows": 8}))
    version = forms.IntegerField(widget=forms.HiddenInput)
