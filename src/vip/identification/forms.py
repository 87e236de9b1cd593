from __future__ import annotations

from django import forms

from vip.core.forms import StaffForm, date_input
from vip.identification.choices import ReviewDecision, ReviewRole


class ReviewForm(StaffForm):
    held_on = forms.DateField(label="Held on", widget=date_input())
    agencies_present = forms.CharField(label="Agencies present", max_length=300, required=False)
    summary = forms.CharField(label="Summary", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReviewIncidentForm(StaffForm):
    incident_key = forms.CharField(label="Incident (case number)", max_length=100)
    discussion = forms.CharField(label="Discussion", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class IdentifyForm(StaffForm):
    person_key = forms.CharField(
        label="Person (key)", max_length=100, help_text="The person's key, as on their page or in the records system."
    )
    incident_key = forms.CharField(label="Incident (case number)", max_length=100, required=False)
    role = forms.ChoiceField(label="Role", choices=ReviewRole.choices)
    decision = forms.ChoiceField(label="Decision", choices=ReviewDecision.choices)
    follow_up = forms.CharField(label="Follow-up", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    follow_up_by = forms.DateField(label="Follow up by", widget=date_input(), required=False)
